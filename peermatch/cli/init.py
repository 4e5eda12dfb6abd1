"""``peermatch init``: start a configuration file from the defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peermatch.cli.common import QuietOption, reports_errors
from peermatch.roster.config_template import DEFAULT_NAME, config_template, write_new

PathArgument = Annotated[Path, typer.Argument(metavar="PATH", help="The file to create; it must not exist yet. "
                                              f"A folder gets a {DEFAULT_NAME} inside it.")]


@reports_errors
def command(
    path: PathArgument = Path(DEFAULT_NAME),
    quiet: QuietOption = False,
) -> None:
    """Write a commented peermatch.toml holding every default and an example of grade mappings.

    Edit it, then give it to any command with --config. An existing file is never overwritten: name another.

    Examples:

        peermatch init

        peermatch init northshire.toml

        peermatch pair roster.csv --config northshire.toml
    """
    from peermatch.cli import render

    if path.is_dir():  # `peermatch init .` or a project folder: the usual name, inside it
        path = path / DEFAULT_NAME
    write_new(path, config_template(path.name))
    if not quiet:
        how = ("peermatch uses it from this folder" if path == Path(DEFAULT_NAME)
               else f"use it with --config {path}")
        render.note(render.error_console(), f"wrote {path}: edit it; {how}")

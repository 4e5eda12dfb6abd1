"""``peermatch init``: start a configuration file from the defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peermatch.cli.common import QuietOption, SheetOption, option, reports_errors
from peermatch.errors import UsageError
from peermatch.roster.config_template import DEFAULT_NAME, config_template, write_new

PathArgument = Annotated[Path, typer.Argument(metavar="PATH", help="The file to create; it must not exist yet. "
                                              f"A folder gets a {DEFAULT_NAME} inside it.")]


@reports_errors
def command(
    path: PathArgument = Path(DEFAULT_NAME),
    roster: Annotated[Path | None, option(
        "--roster", help="Draft the file for this roster: \\[columns] for headings peermatch cannot place, and the "
        "levels it does not know under \\[levels], to put in order, e.g. --roster roster.csv.",
        show_default=False)] = None,
    sheet: SheetOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write a commented peermatch.toml holding every default and an example of grade mappings.

    Commands use peermatch.toml from the folder they run in by themselves; a file of another name is given with
    --config. With --roster, the file also drafts what that roster needs: the columns to use for headings
    peermatch does not know, and its unknown level labels, listed to be put in order, junior first (peermatch
    never guesses an order). An existing file is never overwritten: name another.

    Examples:

        peermatch init

        peermatch init --roster roster.csv

        peermatch init northshire.toml

        peermatch pair roster.csv --config northshire.toml
    """
    from peermatch.cli import render

    if path.is_dir():  # `peermatch init .` or a project folder: the usual name, inside it
        path = path / DEFAULT_NAME
    draft = None
    if roster is not None:
        from peermatch.roster.draft import draft_for

        draft = draft_for(roster, sheet)
    elif sheet is not None:
        raise UsageError("--sheet goes with --roster: the workbook to draft the config for")
    write_new(path, config_template(path.name, draft))
    if quiet:
        return
    how = "peermatch uses it from this folder" if path == Path(DEFAULT_NAME) else f"use it with --config {path}"
    messages = render.error_console()
    render.note(messages, f"wrote {path}: edit it; {how}")
    if draft is not None:
        for name, heading in draft.columns.items():
            render.note(messages, f"  [columns] {name} = {heading!r}: check it")
        for name in draft.missing:
            render.note(messages, f"  [columns] {name}: name the column that holds it")
        if draft.unknown_levels:
            count = len(draft.unknown_levels)
            render.note(messages, f"  [levels] order: put the {count} level{'s' * (count != 1)} junior first and "
                                  "remove the '# ' before order")

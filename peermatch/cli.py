"""The ``peermatch`` command: parse options, call the library, render, exit.

Each command maps :class:`~peermatch.errors.PeermatchError` to its exit code
here and nowhere deeper, so library code never ends the process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from peermatch import __version__, render
from peermatch.config import Config, load_config
from peermatch.errors import EXIT_USAGE, PeermatchError
from peermatch.exclusions import read_exclusions
from peermatch.export import pair_result_json, pairs_csv, write_atomic
from peermatch.pairing import pair as pair_roster
from peermatch.roster import load_roster

app = typer.Typer(
    name="peermatch",
    help="Pair staff at the same level across professions for peer learning.",
    no_args_is_help=True,
    add_completion=True,
    # Rosters are personal data: a traceback must never print local variables.
    pretty_exceptions_show_locals=False,
)

F = TypeVar("F", bound=Callable[..., Any])


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class OddPolicy(StrEnum):
    triad = "triad"
    leave_out = "leave-out"


class Solver(StrEnum):
    auto = "auto"
    exact = "exact"
    fast = "fast"


def reports_errors(command: F) -> F:
    """Turn a PeermatchError into a one-line message and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PeermatchError as problem:
            render.error(render.error_console(), problem.message)
            raise typer.Exit(problem.exit_code) from None

    return wrapper  # type: ignore[return-value]


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"peermatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Pair staff at the same level across professions for peer learning.

    Start with: peermatch pair roster.csv
    """


def _option(*names: str, help: str, **extra: Any) -> Any:
    return typer.Option(*names, help=help, **extra)


def _column(field: str) -> Any:
    return Annotated[str | None, typer.Option(f"--{field}-column", help=f"Heading of the {field} column, "
                                              "if peermatch does not recognise it.", show_default=False)]


ConfigOption = Annotated[Path | None, _option(
    "--config", "-c", help="A peermatch.toml with weights, rules, columns and grade mappings.", show_default=False)]
OutOption = Annotated[Path | None, _option(
    "--out", "-o", help="Also write the groups to this CSV file (opens in Excel).", show_default=False)]
FormatOption = Annotated[OutputFormat, _option(
    "--format", "-f", help="table for people; json for scripts (only JSON on stdout).")]
SeedOption = Annotated[int | None, _option(
    "--seed", help="Fix the choice among equally good pairings: the same roster, config and seed give the same "
    "pairs. Without it, a seed is chosen and shown.", min=0, show_default=False)]
OddOption = Annotated[OddPolicy, _option(
    "--odd", help="With an odd number of people: one group of three, or leave one person out.")]
ExcludeOption = Annotated[Path | None, _option(
    "--exclude", help="A CSV of id pairs (two columns) who must never be paired.", show_default=False)]
SolverOption = Annotated[Solver, _option(
    "--solver", help="exact (optimal; small rosters), fast (any size), or auto (exact up to 120 people).")]
SkipOption = Annotated[bool, _option(
    "--skip-invalid", help="Leave out rows with a blank or unknown level or profession, or a repeated id or "
    "email, with a warning, instead of stopping.")]
ShowOption = Annotated[int, _option(
    "--show", help="Show at most this many groups in the table; --out always writes them all.", min=0)]
VerboseOption = Annotated[bool, _option("--verbose", "-v", help="Say how the roster was read.")]
QuietOption = Annotated[bool, _option("--quiet", "-q", help="Print nothing but errors.")]


def column_overrides(**headings: str | None) -> dict[str, str]:
    return {field: heading for field, heading in headings.items() if heading}


@app.command()
@reports_errors
def pair(
    roster: Annotated[Path, typer.Argument(help="The staff roster: a CSV file from Excel or an HR system.",
                                           show_default=False)],
    config_path: ConfigOption = None,
    out: OutOption = None,
    output_format: FormatOption = OutputFormat.table,
    seed: SeedOption = None,
    odd: OddOption = OddPolicy.triad,
    exclude: ExcludeOption = None,
    solver: SolverOption = Solver.auto,
    skip_invalid: SkipOption = False,
    id_column: _column("id") = None,
    name_column: _column("name") = None,
    email_column: _column("email") = None,
    level_column: _column("level") = None,
    profession_column: _column("profession") = None,
    organisation_column: _column("organisation") = None,
    site_column: _column("site") = None,
    show: ShowOption = 200,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Pair the people in ROSTER: same level, different professions first.

    Examples:

        peermatch pair examples/integrated-care-roster.csv --config examples/peermatch.toml

        peermatch pair roster.csv --out pairs.csv --seed 7

        peermatch pair roster.csv --format json > pairs.json
    """
    config = load_config(config_path)
    messages = render.error_console()
    columns = dict(config.columns) | column_overrides(
        id=id_column, name=name_column, email=email_column, level=level_column,
        profession=profession_column, organisation=organisation_column, site=site_column)
    people = load_roster(roster, levels=config.levels, columns=columns, skip_invalid=skip_invalid)
    excluded = read_exclusions(exclude) if exclude else []
    result = pair_roster(people, config, seed=seed, method=solver.value, odd=odd.value, exclude=excluded)
    if out is not None:
        write_atomic(out, pairs_csv(result), protect=[roster] + ([exclude] if exclude else []))
    if not quiet:
        if verbose:
            _describe_roster(messages, people, config)
        for message in people.warnings:
            render.warning(messages, message)
    if output_format is OutputFormat.json:
        typer.echo(pair_result_json(result), nl=False)
    elif not quiet:
        render.render_pair(render.console(), result, limit=show)
    if out is not None and not quiet:
        render.note(messages, f"wrote {len(result.groups)} groups to {out}")


def _describe_roster(messages: Any, roster: Any, config: Config) -> None:
    delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(roster.delimiter, roster.delimiter)
    render.note(messages, f"read {roster.path}: {roster.encoding}, {delimiter}-separated, "
                          f"{len(roster.people)} people, {len(roster.left_out)} left out")
    for field, heading in roster.columns.items():
        render.note(messages, f"  {field}: column {heading!r}")
    if config.path:
        render.note(messages, f"config: {config.path}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(130) from None


__all__ = ["EXIT_USAGE", "app", "main"]

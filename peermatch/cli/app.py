"""The ``peermatch`` command: parse options, call the library, render, exit.

Each command maps :class:`~peermatch.errors.PeermatchError` to its exit code
here and nowhere deeper, so library code never ends the process.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from peermatch import __version__
from peermatch.cli.check import command as check_command
from peermatch.cli.common import (
    ActiveColumn,
    ConfigOption,
    DryRunOption,
    EmailColumn,
    ExcludeOption,
    FormatOption,
    GroupSizeOption,
    HistoryOption,
    IdColumn,
    LevelColumn,
    MaxGapOption,
    NameColumn,
    OddOption,
    OddPolicy,
    OptOutColumn,
    OrganisationColumn,
    OutOption,
    OutputFormat,
    ProfessionColumn,
    QuietOption,
    SeedOption,
    SheetOption,
    ShowOption,
    SiteColumn,
    SkipOption,
    Solver,
    SolverOption,
    TakingPartColumn,
    VerboseOption,
    columns_for,
    config_note,
    give_back_freed_memory,
    load_settings,
    option,
    reports_errors,
)
from peermatch.cli.explain import command as explain_command
from peermatch.cli.history import history_app
from peermatch.cli.init import command as init_command
from peermatch.cli.report import command as report_command
from peermatch.cli.schedule import command as schedule_command
from peermatch.collector import collector_paused
from peermatch.errors import UsageError

if TYPE_CHECKING:
    from peermatch.models import Roster
    from peermatch.roster.config import Config

app = typer.Typer(
    name="peermatch",
    help="Pair staff at the same level across professions for peer learning.",
    no_args_is_help=True,
    add_completion=True,
    # Rosters are personal data: a traceback must never print local variables.
    pretty_exceptions_show_locals=False,
)


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


@app.command()
@reports_errors
@collector_paused()
def pair(
    roster: Annotated[Path, typer.Argument(help="The staff roster: a CSV or text file from Excel or an HR system, "
                                           "or an Excel workbook (.xlsx).",
                                           show_default=False)],
    config_path: ConfigOption = None,
    sheet: SheetOption = None,
    max_level_gap: MaxGapOption = None,
    group_size: GroupSizeOption = None,
    out: OutOption = None,
    output_format: FormatOption = OutputFormat.table,
    seed: SeedOption = None,
    odd: OddOption = OddPolicy.triad,
    exclude: ExcludeOption = None,
    solver: SolverOption = Solver.auto,
    skip_invalid: SkipOption = False,
    id_column: IdColumn = None,
    name_column: NameColumn = None,
    email_column: EmailColumn = None,
    level_column: LevelColumn = None,
    profession_column: ProfessionColumn = None,
    organisation_column: OrganisationColumn = None,
    site_column: SiteColumn = None,
    active_column: ActiveColumn = None,
    opt_out_column: OptOutColumn = None,
    taking_part_column: TakingPartColumn = None,
    history: HistoryOption = None,
    round_label: Annotated[str | None, option(
        "--round", help="The label this pairing is recorded under in the history (default: pair-<today's date>). "
        "Rerunning a label replaces that round.", show_default=False)] = None,
    dry_run: DryRunOption = False,
    show: ShowOption = 200,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Pair the people in ROSTER: same level, different professions first.

    With --group-size N, form groups of N instead (tables, action learning
    sets): same level, every profession spread as evenly as it can be.

    Examples:

        peermatch pair examples/integrated-care-roster.csv --config examples/peermatch.toml

        peermatch pair roster.csv --out pairs.csv --seed 7

        peermatch pair roster.csv --format json > pairs.json

        peermatch pair roster.csv --max-level-gap 2 --dry-run

        peermatch pair roster.csv --group-size 5 --out tables.csv
    """
    from peermatch.cli import render
    from peermatch.cli.render_progress import Progress
    from peermatch.history.recording import pair_label, record_pair_result
    from peermatch.history.store import History, default_history_path
    from peermatch.matching.pairing import pair as pair_roster
    from peermatch.outputs.export import check_target, pair_result_json_parts, pairs_csv, pairs_csv_parts, write_atomic
    from peermatch.outputs.workbook import csv_to_workbook, wants_workbook
    from peermatch.roster.exclusions import read_exclusions, warn_unknown_config_exclusions
    from peermatch.roster.reading import load_roster, row_number_ids

    config = load_settings(config_path, max_level_gap, group_size)
    messages = render.error_console()
    columns = columns_for(
        config, id=id_column, name=name_column, email=email_column, level=level_column,
        profession=profession_column, organisation=organisation_column, site=site_column,
        active=active_column, opt_out=opt_out_column, taking_part=taking_part_column)
    label = pair_label(round_label)
    if not label:
        raise UsageError("--round needs a label, like --round 2027-01")
    path = history or default_history_path()
    protect = [roster, path, *(p for p in (exclude, config.path) if p)]
    if out is not None:
        check_target(out, protect)  # before the history is opened: a first run that cannot write creates nothing
    with Progress(messages, 2 + (out is not None) + (not dry_run), show=not quiet) as progress:
        progress.step(f"Reading {roster.name}")
        people = load_roster(roster, levels=config.levels, columns=columns, skip_invalid=skip_invalid, sheet=sheet)
        excluded = read_exclusions(exclude, people) if exclude else []
        warn_unknown_config_exclusions(config.rules.exclude, config.path, people)
        with History.open(path, write=not dry_run) as store:
            within = config.history.avoid_repeats_within or None
            past = [_ordered(pair) for pair in store.met_pairs(replacing=[label], within_rounds=within)]
            if (unstable := row_number_ids(people)) and (not dry_run or store.rounds()):
                people.warnings.append(unstable)
            size = config.groups.size
            progress.step(f"Pairing {len(people.people):,} people" if size == 2 else
                          f"Grouping {len(people.people):,} people in groups of {size}")
            result = pair_roster(people, config, seed=seed, method=solver.value, odd=odd.value,
                                 exclude=excluded + past)
            if out is not None:
                progress.step(f"Writing {out.name}")
                if wants_workbook(out):
                    write_atomic(out, csv_to_workbook(pairs_csv(result), sheet="Pairs",
                                                      numeric=("group", "size", "score")), protect=protect)
                else:
                    write_atomic(out, pairs_csv_parts(result), protect=protect)
            if not dry_run:
                progress.step("Recording the round in the history")
                record_pair_result(store, label, result)
                store.commit()
    if not quiet:
        if verbose:
            _describe_roster(messages, people, config)
        for message in people.warnings:
            render.warning(messages, message)
    if output_format is OutputFormat.json:
        for part in pair_result_json_parts(result):  # a chunk at a time: a million people's is 150 MB of text
            typer.echo(part, nl=False)
    elif not quiet:
        render.render_pair(render.console(), result, limit=show)
    if not quiet:
        render.note(messages, config_note(config_path, config))
    if out is not None and not quiet:
        groups = len(result.groups)
        render.note(messages, f"wrote {groups} group{'s' * (groups != 1)} to {out}")
    if not quiet:
        recorded = "not recorded (--dry-run)" if dry_run else f"recorded as round {label!r}"
        render.note(messages, f"history: {path}: {recorded}")


def _ordered(pair: frozenset[str]) -> tuple[str, str]:
    a, b = sorted(pair)
    return (a, b)


def _describe_roster(messages: Any, roster: Roster, config: Config) -> None:
    from peermatch.cli import render
    from peermatch.cli.render_check import file_layout

    render.note(messages, f"read {roster.path}: {file_layout(roster.encoding, roster.delimiter)}, "
                          f"{len(roster.people)} people, {len(roster.left_out)} left out")
    for field, heading in roster.columns.items():
        render.note(messages, f"  {field}: column {heading!r}")


app.command(name="schedule")(schedule_command)
app.command(name="check")(check_command)
app.command(name="explain")(explain_command)
app.command(name="report")(report_command)
app.command(name="init")(init_command)
app.add_typer(history_app, name="history")


def main() -> None:
    """Console-script entry point."""
    give_back_freed_memory()
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(130) from None

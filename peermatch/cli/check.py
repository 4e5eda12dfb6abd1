"""``peermatch check``: is the roster fit to pair? Read and report, pair nobody, record nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from peermatch.cli.common import (
    ActiveColumn,
    ConfigOption,
    EmailColumn,
    ExcludeOption,
    FormatOption,
    GroupSizeOption,
    HistoryOption,
    IdColumn,
    LevelColumn,
    MaxGapOption,
    NameColumn,
    OptOutColumn,
    OrganisationColumn,
    OutputFormat,
    ProfessionColumn,
    SheetOption,
    SiteColumn,
    SkipOption,
    TakingPartColumn,
    columns_for,
    config_note,
    load_settings,
    reports_errors,
)
from peermatch.errors import EXIT_DATAERR


@reports_errors
def command(
    roster: Annotated[Path, typer.Argument(help="The staff roster: a CSV or text file from Excel or an HR system, "
                                           "or an Excel workbook (.xlsx).",
                                           show_default=False)],
    config_path: ConfigOption = None,
    sheet: SheetOption = None,
    max_level_gap: MaxGapOption = None,
    group_size: GroupSizeOption = None,
    output_format: FormatOption = OutputFormat.table,
    exclude: ExcludeOption = None,
    history: HistoryOption = None,
    rounds: Annotated[int | None, typer.Option("--rounds", "-n", min=1, show_default=False, help=(
        "Also warn about anyone with fewer possible new partners than this many rounds of `peermatch schedule`: "
        "the same people and counts schedule reports."))] = None,
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
) -> None:
    """Check that ROSTER is fit to pair, without pairing anyone or recording anything.

    Shows how the file was read: encoding, separator, and which column is which.
    Counts people per level and profession, and lists who is left out.
    Warns about unknown grades, levels where one profession is more than half,
    people with no eligible partner (the history counts: who has met whom),
    and likely duplicates, saying what to do.

    Exit 0: `peermatch pair` would accept the roster, even with warnings.
    Exit 65: pair would refuse it (every problem is listed, not only the first).
    Exit 66: the file cannot be read.

    Example:

        peermatch check examples/integrated-care-roster.csv --config examples/peermatch.toml

    reads 63 people (UTF-8, comma-separated, id from 'Staff ID', level from
    'Grade'), counts them per profession and level, warns that at Band 5 one
    nurse cannot have a same-level partner from another profession, and exits 0.

        peermatch check roster.csv --format json > check.json

        peermatch check roster.csv --history programme.sqlite --max-level-gap 2

        peermatch check roster.csv --rounds 6

    also names anyone who could not meet someone new in each of 6 rounds.

        peermatch check roster.csv --group-size 5

    counts groups of five per level, the most ideal pairs they can hold, and
    how many rounds each level allows before two people would meet again.
    """
    from peermatch.cli import render, render_check
    from peermatch.cli.render_progress import Progress
    from peermatch.history.recording import pair_label
    from peermatch.history.store import History, default_history_path
    from peermatch.matching.checking import check_dict, check_roster

    config = load_settings(config_path, max_level_gap, group_size)
    columns = columns_for(
        config, id=id_column, name=name_column, email=email_column, level=level_column,
        profession=profession_column, organisation=organisation_column, site=site_column,
        active=active_column, opt_out=opt_out_column, taking_part=taking_part_column)
    with Progress(render.error_console(), 1) as progress:
        progress.step(f"Checking {roster.name}")
        # Who has met, as pair reads it: a person who has met everyone in reach has no eligible partner left.
        with History.open(history or default_history_path(), write=False) as store:
            met = [(min(pair), max(pair)) for pair in store.met_pairs(
                replacing=[pair_label()],  # a pairing run again today replaces it
                within_rounds=config.history.avoid_repeats_within or None)]
        result = check_roster(roster, config, columns=columns, skip_invalid=skip_invalid, exclude=exclude,
                              met=met, sheet=sheet, rounds=rounds)
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(check_dict(result), ensure_ascii=False, indent=2))
    else:
        render_check.render_check(render.console(), result)
    if result.fit:  # else the one line on stderr is pair's error
        render.note(render.error_console(), config_note(config_path, config))
    if not result.fit:
        # The line `pair` would stop with, so that a cron log reads the same whichever command ran.
        render.error(render.error_console(), result.refusal or "the roster is not fit to pair")
        raise typer.Exit(EXIT_DATAERR)

"""``peermatch report``: programme coverage from the history, in the terminal, as JSON or as an HTML file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from peermatch import __version__
from peermatch.cli.common import (
    ActiveColumn,
    ConfigOption,
    EmailColumn,
    FormatOption,
    HistoryOption,
    IdColumn,
    LevelColumn,
    OptOutColumn,
    OrganisationColumn,
    OutputFormat,
    ProfessionColumn,
    QuietOption,
    SheetOption,
    TakingPartColumn,
    columns_for,
    config_note,
    load_settings,
    option,
    reports_errors,
)


@reports_errors
def command(
    history: HistoryOption = None,
    out: Annotated[Path | None, option(
        "--out", "-o", help="Also write the report as one HTML file (charts included, opens offline in any browser).",
        show_default=False)] = None,
    output_format: FormatOption = OutputFormat.table,
    roster: Annotated[Path | None, option(
        "--roster", help="The staff roster, to spell professions as it does and to fill in professions the history "
        "has none for (rounds imported without them).", show_default=False)] = None,
    only_met: Annotated[bool, option(
        "--only-met", help="Count only conversations reported as having taken place (`peermatch history met`), "
        "not planned ones without feedback.")] = False,
    config_path: ConfigOption = None,
    sheet: SheetOption = None,
    id_column: IdColumn = None,
    email_column: EmailColumn = None,
    level_column: LevelColumn = None,
    profession_column: ProfessionColumn = None,
    organisation_column: OrganisationColumn = None,
    active_column: ActiveColumn = None,
    opt_out_column: OptOutColumn = None,
    taking_part_column: TakingPartColumn = None,
    quiet: QuietOption = False,
) -> None:
    """Report on the programme: rounds, conversations, people reached, professions met.

    Reads the history and never changes it. Holds counts, professions and round labels only, so it can be passed on.

    Examples:

        peermatch report

        peermatch report --out report.html --roster roster.csv

        peermatch report --only-met --format json > coverage.json
    """
    from peermatch.cli import render, render_report
    from peermatch.cli.render_progress import Progress
    from peermatch.history.store import History, default_history_path
    from peermatch.outputs.export import write_atomic
    from peermatch.outputs.report import coverage, coverage_json
    from peermatch.outputs.report_html import coverage_html
    from peermatch.roster.reading import load_roster

    path = history or default_history_path()
    config = load_settings(config_path)
    professions: dict[str, str] | None = None
    steps = 1 + (roster is not None) + (out is not None)
    with Progress(render.error_console(), steps, show=not quiet) as progress:
        if roster is not None:
            progress.step(f"Reading {roster.name}")
            columns = columns_for(
                config, id=id_column, email=email_column, level=level_column, profession=profession_column,
                organisation=organisation_column, active=active_column, opt_out=opt_out_column,
                taking_part=taking_part_column)
            # Only professions are wanted: a row the roster cannot pair (an unknown grade, say) still has one.
            people = load_roster(roster, levels=config.levels, columns=columns, skip_invalid=True, sheet=sheet)
            professions = {person.id: person.profession for person in people.people}
        progress.step(f"Reading the history {path.name}")
        with History.open(path, write=False) as store:
            report = coverage(store, only_met=only_met, roster_professions=professions,
                              roster_name=roster.name if roster else None)
        if out is not None:
            progress.step(f"Writing {out.name}")
            write_atomic(out, coverage_html(report, version=__version__).encode("utf-8"),
                         protect=[path, *(p for p in (roster, config.path) if p is not None)])
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(coverage_json(report), ensure_ascii=False, indent=2))
    elif not quiet:
        render_report.render_report(render.console(), report)
    if not quiet:
        messages = render.error_console()
        render.note(messages, config_note(config_path, config))
        if out is not None:
            render.note(messages, f"wrote the report to {out}: open it in a web browser")
        render.note(messages, f"history: {path}")

"""``peermatch explain``: one person's best candidates, or why two people would or would not be paired."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    OddOption,
    OddPolicy,
    OptOutColumn,
    OrganisationColumn,
    OutputFormat,
    ProfessionColumn,
    SheetOption,
    SiteColumn,
    SkipOption,
    Solver,
    SolverOption,
    TakingPartColumn,
    columns_for,
    config_note,
    load_settings,
    option,
    reports_errors,
)
from peermatch.errors import UsageError

if TYPE_CHECKING:
    from peermatch.matching.explain import PairingCheck


@reports_errors
def command(
    roster: Annotated[Path, typer.Argument(help="The staff roster: a CSV or text file from Excel or an HR system, "
                                           "or an Excel workbook (.xlsx).",
                                           show_default=False)],
    ids: Annotated[list[str], typer.Argument(metavar="ID [ID]", help="One person's id, for their best candidates; "
                                             "or two, for why they would or would not be paired.",
                                             show_default=False)],
    config_path: ConfigOption = None,
    sheet: SheetOption = None,
    max_level_gap: MaxGapOption = None,
    group_size: GroupSizeOption = None,
    exclude: ExcludeOption = None,
    history: HistoryOption = None,
    round_label: Annotated[str | None, option(
        "--round", help="The round `pair` would record (default: pair-<today's date>): like a rerun of `pair`, its "
        "own groups do not count as having met.", show_default=False)] = None,
    top: Annotated[int, option("--top", help="For one person, show this many of their best candidates.", min=1)] = 10,
    seed: Annotated[int | None, option(
        "--seed", help="Also run the pairing with this seed (as `peermatch pair --seed N` would) and say who it puts "
        "together.", min=0, show_default=False)] = None,
    odd: OddOption = OddPolicy.triad,
    solver: SolverOption = Solver.auto,
    output_format: FormatOption = OutputFormat.table,
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
    """Explain the pairing: one person's best candidates, or every rule between two people.

    Reads the roster, config, exclusions and history as `peermatch pair` does,
    and changes nothing.
    With one ID: their best candidate partners in the order pair prefers them,
    each with its score and reasons, and who is ruled out and why.
    With two IDs: every rule and weight that applies to them, their score, and
    whether pair may put them together.
    Pair chooses for the whole roster at once, so a good candidate is not a
    promise: add --seed N to see what `peermatch pair --seed N` chooses.

    Example:

        peermatch explain examples/integrated-care-roster.csv NT0311 NT0402 -c examples/peermatch.toml

    says that NT0311 (a Band 4 nursing associate) and NT0402 (a Band 4 therapy
    assistant) are at the same level (+100), in different professions (+60), in
    the same organisation (+0) and at different sites (+0): score 160, an ideal
    pair that pair may choose.

        peermatch explain roster.csv NT0311 --top 5 --seed 7 --format json

        peermatch explain roster.csv NT0311 --group-size 5 --seed 7

    lists who may share a table of five with NT0311, and who
    `peermatch pair --group-size 5 --seed 7` seats them with.
    """
    from peermatch.cli import render, render_explain
    from peermatch.history.recording import pair_label
    from peermatch.history.store import History, default_history_path
    from peermatch.matching.explain import (
        Setting,
        exclusion_sources,
        explain_pair,
        explain_person,
        history_meetings,
        pair_explanation_dict,
        pairing_check,
        person_explanation_dict,
    )
    from peermatch.roster.exclusions import read_exclusions
    from peermatch.roster.reading import load_roster

    if len(ids) > 2:
        raise UsageError(f"give one id, or two to explain a pair (got {len(ids)})")
    config = load_settings(config_path, max_level_gap, group_size)
    columns = columns_for(
        config, id=id_column, name=name_column, email=email_column, level=level_column,
        profession=profession_column, organisation=organisation_column, site=site_column,
        active=active_column, opt_out=opt_out_column, taking_part=taking_part_column)
    people = load_roster(roster, levels=config.levels, columns=columns, skip_invalid=skip_invalid, sheet=sheet)
    excluded = read_exclusions(exclude, people) if exclude else []
    for message in people.warnings:
        render.warning(render.error_console(), message)
    label = pair_label(round_label)
    within = config.history.avoid_repeats_within or None
    with History.open(history or default_history_path(), write=False) as store:
        met = store.met_pairs(replacing=[label], within_rounds=within)
        meetings = history_meetings(store.export_rows(), [info.label for info in store.rounds()], replacing=label,
                                    within=within)
    setting = Setting(roster=people, config=config, exclusions=exclusion_sources(config, excluded, str(exclude)),
                      met=frozenset(met), meetings=meetings)
    names = {p.id: f"{p.name} ({p.id})" if p.name else p.id for p in people.people}
    past = [(a, b) for a, b in map(sorted, met)]

    def pairing(found: list[str]) -> PairingCheck | None:
        if seed is None:
            return None
        return pairing_check(setting, found, seed=seed, method=solver.value, odd=odd.value, exclude=excluded + past)

    if len(ids) == 1:
        one = explain_person(setting, ids[0], top=top)
        one = replace(one, pairing=pairing([one.person.id]))
        if output_format is OutputFormat.json:
            typer.echo(json.dumps(person_explanation_dict(one), ensure_ascii=False, indent=2))
        else:
            render_explain.render_person(render.console(), one, names)
        render.note(render.error_console(), config_note(config_path, config))
        return
    two = explain_pair(setting, ids[0], ids[1])
    two = replace(two, pairing=pairing([two.a.id, two.b.id]))
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(pair_explanation_dict(two), ensure_ascii=False, indent=2))
    else:
        render_explain.render_pair(render.console(), two, names)
    render.note(render.error_console(), config_note(config_path, config))

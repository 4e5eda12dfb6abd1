"""``peermatch schedule``: several rounds at once, recorded in the history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

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
    load_settings,
    option,
    reports_errors,
)
from peermatch.collector import collector_paused
from peermatch.errors import ConfigError, RosterError, UsageError


def recording_time() -> datetime:
    """When this run records its rounds: the DTSTAMP of every calendar entry it makes or changes."""
    return datetime.now(UTC)


def schedule(
    roster: Annotated[Path, typer.Argument(help="The staff roster: a CSV or text file from Excel or an HR system, "
                                           "or an Excel workbook (.xlsx).",
                                           show_default=False)],
    rounds: Annotated[int, option("--rounds", "-n", help="How many rounds to plan.", min=1)] = 1,
    start: Annotated[str, option("--start", help="The first round: a date (2027-01-11, at 09:00) or a date and "
                                 "time ('2027-03-04 10:00').", show_default=False)] = "",
    every: Annotated[str, option("--every", help="Time between rounds: weeks (2w), days (10d), months (1m: the same "
                                 "day of the month) or, when --start gives a time, minutes (20m).")] = "2w",
    round_prefix: Annotated[str | None, option("--round", help="Label rounds PREFIX-1, PREFIX-2... in the history "
                                               "instead of by date.", show_default=False)] = None,
    history: HistoryOption = None,
    dry_run: DryRunOption = False,
    out: Annotated[Path | None, option("--out", "-o", help="CSV with one row per person per round (mail merge); "
                                       "a name ending .xlsx writes an Excel workbook instead.",
                                       show_default=False)] = None,
    groups_out: Annotated[Path | None, option("--groups-out", help="CSV with one row per group per round (or .xlsx).",
                                              show_default=False)] = None,
    ics: Annotated[Path | None, option("--ics", help="A calendar file (.ics) with every conversation (and, "
                                       "planning a round again, the conversations it cancels).",
                                       show_default=False)] = None,
    ics_dir: Annotated[Path | None, option("--ics-dir", help="A folder of invitations, one .ics per "
                                           "conversation, and the cancellations a rerun sends (a conversation "
                                           "dropped, people taken off one that changed).",
                                           show_default=False)] = None,
    intros: Annotated[Path | None, option("--intros", help="CSV of introduction emails, one per group per round.",
                                          show_default=False)] = None,
    eml_dir: Annotated[Path | None, option("--eml-dir", help="A folder of introduction emails, one .eml "
                                          "per group, and the cancellations a rerun sends, as for --ics-dir.",
                                           show_default=False)] = None,
    config_path: ConfigOption = None,
    sheet: SheetOption = None,
    max_level_gap: MaxGapOption = None,
    group_size: GroupSizeOption = None,
    strict: Annotated[bool, option(
        "--strict", help="Refuse to plan (exit 1) when someone has fewer possible new partners than rounds (with "
        "--group-size: when a level cannot hold the rounds without two people meeting again), instead of letting "
        "them sit out the rounds they cannot fill.")] = False,
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
    show: ShowOption = 200,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Plan several rounds: nobody meets the same person twice, across rounds and the history.

    Examples:

        peermatch schedule roster.csv --rounds 6 --start 2027-01-11 --every 2w --ics programme.ics

        peermatch schedule roster.csv --rounds 5 --start "2027-03-04 10:00" --every 20m --out event.csv

        peermatch schedule roster.csv --rounds 3 --start 2027-02-01 --every 1m --dry-run --format json

        peermatch schedule roster.csv --rounds 6 --start 2027-01-11 --strict

    refuses (exit 1) if anyone has fewer possible new partners than 6; without
    --strict they meet everyone they can, sit out the other rounds, and a
    warning names them by row and id with a fix that has been checked.

        peermatch schedule roster.csv --group-size 5 --rounds 3 --start "2027-03-04 10:00" --every 20m --ics morning.ics

    plans three rotations at tables of five, numbered, nobody at a table with
    someone they have already met.

        peermatch schedule roster.csv --rounds 6 --start 2027-01-11 --seed 7 --ics-dir invitations

    run again with the same --seed after someone leaves the roster: changed
    conversations get updated invitations, a conversation no longer planned
    a cancellation (invitations/round-01-cancelled-001.ics), and people taken
    off a changed one its cancellation (round-01-uninvited-001.ics).
    """
    # Imported here, not at the top, as in every command (see cli/common.py); icalendar alone takes 70 ms.
    from peermatch.cli import render
    from peermatch.cli.render_progress import Progress
    from peermatch.history.recording import carry_versions, record_schedule
    from peermatch.history.store import History, default_history_path
    from peermatch.matching.group_rounds import plan_group_rounds, rounds_possible
    from peermatch.matching.pairing import new_seed
    from peermatch.matching.schedule import parse_every, parse_start, plan_schedule, round_label
    from peermatch.matching.tables import group_schedule, too_many_rounds
    from peermatch.outputs.cancellations import cancellation_emails
    from peermatch.outputs.contacts import Directory, UnusableAddress
    from peermatch.outputs.export import Staged, check_folder, check_target
    from peermatch.outputs.ics import invitations, schedule_ics_parts
    from peermatch.outputs.messages import (
        DEFAULT_GROUP_INTRO_TEMPLATE,
        DEFAULT_GROUP_PROMPTS,
        DEFAULT_INTRO_TEMPLATE,
        DEFAULT_PROMPTS,
        emails,
        intros_csv_parts,
    )
    from peermatch.outputs.schedule_tables import schedule_groups_csv, schedule_json, schedule_people_csv
    from peermatch.outputs.workbook import csv_to_workbook, wants_workbook
    from peermatch.roster.exclusions import read_exclusions, warn_unknown_config_exclusions
    from peermatch.roster.reading import load_roster, row_number_ids

    if not start:
        raise UsageError("--start is required: the date (and time) of the first round, like 2027-01-11")
    try:
        first, has_time = parse_start(start)
        interval = parse_every(every, has_time)
        starts = [interval.after(first, k) for k in range(rounds)]
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    except OverflowError:
        raise UsageError(f"--start {start} with --every {every} runs past the year 9999") from None
    config = load_settings(config_path, max_level_gap, group_size)
    size = config.groups.size
    columns = columns_for(
        config, id=id_column, name=name_column, email=email_column, level=level_column, profession=profession_column,
        organisation=organisation_column, site=site_column,
        active=active_column, opt_out=opt_out_column, taking_part=taking_part_column)
    messages = render.error_console()
    with Progress(messages, 2 + rounds + (not dry_run), show=not quiet) as progress:
        progress.step(f"Reading {roster.name}")
        people = load_roster(roster, levels=config.levels, columns=columns, skip_invalid=skip_invalid, sheet=sheet)
        excluded = read_exclusions(exclude, people) if exclude else []
        warn_unknown_config_exclusions(config.rules.exclude, config.path, people)
        labels = [round_label(round_prefix, k + 1, moment, interval) for k, moment in enumerate(starts)]
        template = config.schedule.intro_template or (DEFAULT_INTRO_TEMPLATE if size == 2 else
                                                      DEFAULT_GROUP_INTRO_TEMPLATE)
        prompts = config.schedule.prompts or (DEFAULT_PROMPTS if size == 2 else DEFAULT_GROUP_PROMPTS)
        seed = new_seed() if seed is None else seed
        path = history or default_history_path()
        protect = [roster, path, *(p for p in (exclude, config.path) if p)]
        with History.open(path, write=not dry_run) as store:
            within = config.history.avoid_repeats_within or None
            past = store.met_pairs(replacing=labels, within_rounds=within)
            earlier = [r for r in store.rounds() if r.label not in labels]
            if (unstable := row_number_ids(people)) and (not dry_run or store.rounds()):
                people.warnings.append(unstable)
            planning = progress.step(f"Planning {rounds} rounds for {len(people.people):,} people" + (
                f" in groups of {size}" if size > 2 else ""), units=rounds)
            if size == 2:
                plan = plan_schedule(
                    people, config, starts=starts, labels=labels, interval=interval, seed=seed, past=past,
                    odd_counts=store.odd_counts(replacing=labels), exclude=excluded, method=solver.value,
                    odd=odd.value, prompts=prompts, prompt_offset=len(earlier), known_uid=store.uid_for,
                    progress=planning, strict=strict)
            else:
                if not quiet and not strict:
                    for message in too_many_rounds(rounds_possible(people.people, size), size, rounds):
                        render.warning(messages, message)
                planned = plan_group_rounds(
                    people.people, size, rounds, odd="leave-out" if odd is OddPolicy.leave_out else "grow",
                    max_level_gap=config.rules.max_level_gap, exclusions=[*config.rules.exclude, *excluded],
                    met=sorted((min(pair), max(pair)) for pair in past if len(pair) == 2), seed=seed,
                    weights=config.weights, strict=strict)
                planning(rounds, rounds)
                plan = group_schedule(people, config, planned, starts=starts, labels=labels, interval=interval,
                                      seed=seed, prompts=prompts, prompt_offset=len(earlier),
                                      known_uid=store.uid_for)
            plan = carry_versions(store, plan, recording_time())
            plan.summary["history"] = f"{path} ({'not recorded: --dry-run' if dry_run else 'recorded'})"
            # Every output is written to a temporary file first and put in place only when all of them are
            # made, so a problem with any of them (a bad email address, say) stops the run with nothing written.
            organiser = config.schedule.organiser_email or None
            coordinator = config.schedule.coordinator
            for target in (out, groups_out, ics, intros):
                if target is not None:
                    check_target(target, protect)
            for folder in (ics_dir, eml_dir):
                if folder is not None:
                    check_folder(folder, protect)
            progress.step("Writing the files")
            directory = Directory(plan.roster.people)  # every export finds its people here
            with Staged(protect) as staged:
                if out:
                    people_rows = schedule_people_csv(plan)
                    staged.file(out, csv_to_workbook(people_rows, sheet="Conversations", numeric=("round", "group",
                                "table")) if wants_workbook(out) else people_rows)
                if groups_out:
                    group_rows = schedule_groups_csv(plan)
                    staged.file(groups_out, csv_to_workbook(group_rows, sheet="Groups", numeric=(
                        "round", "group", "table", "score")) if wants_workbook(groups_out) else group_rows)
                try:
                    if ics:  # with --ics-dir, each event is made once, for the calendar and its invitation
                        staged.file(ics, schedule_ics_parts(
                            plan, organiser=organiser, coordinator=coordinator, directory=directory,
                            invitation=staged.open_folder(ics_dir).add if ics_dir else None))
                    elif ics_dir:
                        staged.folder(ics_dir, invitations(plan, organiser, coordinator=coordinator,
                                                           directory=directory))
                    if intros:  # with --eml-dir, each introduction's text is made once, for the CSV and its email
                        staged.file(intros, intros_csv_parts(
                            plan, template, coordinator, directory=directory, sender=organiser or "",
                            email=staged.open_folder(eml_dir).add if eml_dir else None))
                    elif eml_dir:
                        staged.folder(eml_dir, emails(plan, template, sender=organiser or "",
                                                      coordinator=coordinator, directory=directory))
                    if eml_dir:  # then the cancellations a rerun sends
                        staged.folder(eml_dir, cancellation_emails(plan, sender=organiser or "",
                                                                   coordinator=coordinator, directory=directory))
                except UnusableAddress as problem:
                    # Name the file to fix: the roster for a person's address, the config for the organiser's.
                    if problem.person_id is None:
                        raise ConfigError(f"{config.path or 'the configuration'}: {problem.message}") from None
                    raise RosterError(f"{roster}, {problem.message}") from None
                staged.commit()
            if not dry_run:
                progress.step("Recording the rounds in the history")
                record_schedule(store, plan)
                store.commit()
    if not quiet:
        for message in [*people.warnings, *plan.warnings]:
            render.warning(messages, message)
    if output_format is OutputFormat.json:
        typer.echo(schedule_json(plan), nl=False)
    elif not quiet:
        render.render_schedule(render.console(), plan, limit=show)
    if not quiet:
        render.note(messages, config_note(config_path, config))
    if not quiet and verbose:
        render.note(messages, f"history: {plan.summary['history']}")


command = reports_errors(collector_paused()(schedule))

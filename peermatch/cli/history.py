"""``peermatch history``: look at, back up, seed and trim the history of past rounds.

Every command takes ``--history PATH`` (default: ``peermatch-history.sqlite`` in the current folder, or
``$PEERMATCH_HISTORY``).  Commands that only read (list, show, export) never create or change the file; commands
that change it take the write lock (waiting ``--wait`` seconds for another run, then exit 75) and change nothing
unless they succeed.  The destructive ones (forget, forget-person, prune) never ask for confirmation, since cron has
no terminal, and print what they removed.  Every command that changes or writes something takes ``--quiet``, which
leaves out that one line, for cron.  Errors are one line with their documented exit code.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from peermatch.cli.common import FormatOption, HistoryOption, OutputFormat, QuietOption, option, reports_errors
from peermatch.text import tidy

if TYPE_CHECKING:
    from peermatch.history.store import History

history_app = typer.Typer(
    help="Look after the history of past rounds, which keeps anyone from meeting the same person twice: list and "
    "show rounds, export and import them, record whether conversations took place, forget a round or a person, and "
    "prune old rounds.",
    no_args_is_help=True,
)

WaitOption = Annotated[float, option(
    "--wait", help="Seconds to wait for another peermatch run that is using the history before giving up (exit 75).",
    min=0)]
_LISTED = 10


def _path(history: Path | None) -> Path:
    from peermatch.history.store import default_history_path

    return history or default_history_path()


def _open(path: Path, *, write: bool, wait: float = 5.0) -> History:
    from peermatch.history.store import History

    return History.open(path, write=write, wait_seconds=wait)


def _csv_rows(path: Path) -> tuple[list[dict[str, str]], int]:
    """The data rows of any CSV a coordinator hands over, keyed by heading, and the row number of the first."""
    from peermatch.roster.cells import read_cells

    cells = read_cells(path)
    headings = [tidy(str(heading)) for heading in cells.frame.iloc[0]]
    rows = [dict(zip(headings, map(str, values), strict=True))
            for values in cells.frame.iloc[1:].itertuples(index=False, name=None)]
    return rows, cells.header_row + 1


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@history_app.command("list")
@reports_errors
def list_rounds(history: HistoryOption = None, output_format: FormatOption = OutputFormat.table) -> None:
    """List the rounds in the history, oldest first, with the feedback received.

    Example:

        peermatch history list --format json
    """
    from peermatch.cli import render, render_history

    path = _path(history)
    with _open(path, write=False) as store:
        rounds = store.rounds()
    if output_format is OutputFormat.json:
        _json({"history": str(path), "rounds": [asdict(info) for info in rounds]})
    else:
        render_history.render_rounds(render.console(), path, rounds)


@history_app.command("show")
@reports_errors
def show(
    round_label: Annotated[str, typer.Argument(metavar="ROUND", help="The round's label, as `history list` shows it.",
                                               show_default=False)],
    history: HistoryOption = None,
    output_format: FormatOption = OutputFormat.table,
) -> None:
    """Show the groups of one round: members, table, whether they met, calendar UID.

    Example:

        peermatch history show 2027-01-11
    """
    from peermatch.cli import render, render_history

    path = _path(history)
    with _open(path, write=False) as store:
        info, groups, unmatched = store.round_info(round_label), store.show(round_label), store.unmatched(round_label)
    if output_format is OutputFormat.json:
        _json({"round": asdict(info), "groups": groups, "unmatched": unmatched})
    else:
        render_history.render_round(render.console(), info, groups, unmatched)


@history_app.command("export")
@reports_errors
def export(
    out: Annotated[Path, option("--out", "-o", help="The CSV file to write (opens in Excel).", show_default=False)],
    history: HistoryOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write the whole history to a CSV file: one row per person per group, for reports or a backup.

    The file holds ids, professions and organisations, never names or emails. `history import` reads it back.

    Example:

        peermatch history export --out history.csv
    """
    from peermatch.cli import render
    from peermatch.history.store import EXPORT_COLUMNS
    from peermatch.outputs.export import history_csv, write_atomic

    path = _path(history)
    with _open(path, write=False) as store:
        rows, rounds = store.export_rows(), len(store.rounds())
    write_atomic(out, history_csv(rows, EXPORT_COLUMNS), protect=[path])
    if not quiet:
        render.note(render.error_console(), f"wrote {len(rows)} rows ({rounds} rounds) to {out}")


@history_app.command("import")
@reports_errors
def import_(
    csv_file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="Past groups: columns round, group and "
                                             "person_id at least, or a file written by `history export`.",
                                             show_default=False)],
    history: HistoryOption = None,
    wait: WaitOption = 5.0,
    quiet: QuietOption = False,
) -> None:
    """Seed the history from a spreadsheet of past groups, so they are not repeated.

    Needs the columns round, group (anything that is the same for everyone in one group of that round) and
    person_id; starts, table, uid, met, profession and organisation are read when present, other columns ignored.
    A round already in the history is replaced by the file's.

    Example:

        peermatch history import past-pairs.csv
    """
    from peermatch.cli import render, render_history

    path = _path(history)
    rows, first_row = _csv_rows(csv_file)
    with _open(path, write=True, wait=wait) as store:
        imported = store.import_rows(rows, source=csv_file, first_row=first_row)
        total = len(store.rounds())
        store.commit()
    if not quiet:
        render_history.done(render.console(), f"imported {imported} round{'s' * (imported != 1)} from {csv_file}; "
                                              f"the history now has {total}")


@history_app.command("met")
@reports_errors
def met(
    feedback: Annotated[Path, typer.Argument(metavar="FEEDBACK.csv", help="Columns round, person_a, person_b, met "
                                             "or round, group, met (yes/no).", show_default=False)],
    history: HistoryOption = None,
    wait: WaitOption = 5.0,
    quiet: QuietOption = False,
) -> None:
    """Record which conversations took place; people who did not meet may be paired again.

    The file has the columns round, person_a, person_b and met, or round, group and met (group: the number
    `history show` gives). met is yes or no (also y/n, true/false, 1/0); a blank met is skipped.

    Example:

        peermatch history met feedback.csv
    """
    from peermatch.cli import render, render_history

    path = _path(history)
    rows, first_row = _csv_rows(feedback)
    with _open(path, write=True, wait=wait) as store:
        took_place, did_not = store.record_feedback(rows, source=feedback, first_row=first_row)
        store.commit()
    if not quiet:
        render_history.done(render.console(), f"recorded feedback from {feedback}: {took_place} conversation"
                                              f"{'s' * (took_place != 1)} took place, {did_not} did not")


@history_app.command("forget")
@reports_errors
def forget(
    round_label: Annotated[str, typer.Argument(metavar="ROUND", help="The round's label, as `history list` shows it.",
                                               show_default=False)],
    history: HistoryOption = None,
    wait: WaitOption = 5.0,
    quiet: QuietOption = False,
) -> None:
    """Delete one round, for example one planned but never held. Does not ask for confirmation.

    Example:

        peermatch history forget 2027-01-11
    """
    from peermatch.cli import render, render_history

    path = _path(history)
    with _open(path, write=True, wait=wait) as store:
        info = store.round_info(round_label)
        store.forget_round(round_label)
        store.commit()
    if not quiet:
        render_history.done(render.console(),
                            f"forgot round {info.label!r}: {info.groups} groups, {info.people} people")


@history_app.command("forget-person")
@reports_errors
def forget_person(
    person_id: Annotated[str, typer.Argument(metavar="ID", help="The person's id, as in the roster.",
                                             show_default=False)],
    history: HistoryOption = None,
    wait: WaitOption = 5.0,
    quiet: QuietOption = False,
) -> None:
    """Erase every trace of one person (a data-protection erasure request). Does not ask for confirmation.

    Their places in groups are deleted, a pair they were in is deleted whole, and the file is rewritten so the id
    is gone from it, not just hidden. The id is not repeated in the output, so it does not end up in a log.

    Example:

        peermatch history forget-person NT0311
    """
    from peermatch.cli import render, render_history

    path = _path(history)
    with _open(path, write=True, wait=wait) as store:
        removed = store.forget_person(person_id)
        store.commit()
    if removed:
        message = f"forgot that person: removed them from {removed} round{'s' * (removed != 1)}; {path} rewritten"
    else:
        message = f"that id is not in {path}; nothing removed"
    if not quiet:
        render_history.done(render.console(), message)


@history_app.command("prune")
@reports_errors
def prune(
    before: Annotated[str, option("--before", help="Delete rounds that started before this date (2025-01-01).",
                                  show_default=False)],
    history: HistoryOption = None,
    wait: WaitOption = 5.0,
    quiet: QuietOption = False,
) -> None:
    """Delete old rounds, so the history keeps no more personal data than it needs. Does not ask for confirmation.

    A round without a date counts from when it was recorded. People in pruned rounds may be paired again.

    Example:

        peermatch history prune --before 2025-01-01
    """
    from peermatch.cli import render, render_history

    path = _path(history)
    with _open(path, write=True, wait=wait) as store:
        gone = store.rounds_before(before)
        removed = store.prune_before(before)
        store.commit()
    labels = [repr(info.label) for info in gone[:_LISTED]] + ([f"and {len(gone) - _LISTED} more"] *
                                                              (len(gone) > _LISTED))
    message = f"removed {removed} round{'s' * (removed != 1)} that started before {before}"
    if not quiet:
        render_history.done(render.console(), message + (f": {', '.join(labels)}" if labels else ""))

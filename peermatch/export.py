"""Pure writers: results become bytes or text; files are replaced atomically.

Every CSV a person opens is written as UTF-8 with a byte-order mark (so Excel
shows "Siân" and not "SiÃ¢n") and every text cell is escaped against formula
injection: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a leading apostrophe, as OWASP recommends, so a name such as
``=HYPERLINK(...)`` is shown, never run.  Numbers peermatch writes itself stay
numbers.
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from peermatch.errors import OutputError
from peermatch.models import PairResult, Schedule

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MEMBER_FIELDS = ("id", "name", "email", "organisation", "profession", "level")


def escape_formula(value: str) -> str:
    """Neutralise a text cell that a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _escape_column(column: pd.Series) -> list[str]:
    # A comprehension beats pandas' regex replace by an order of magnitude on 100,000 rows.
    return [escape_formula(value) if isinstance(value, str) else "" if pd.isna(value) else str(value)
            for value in column.tolist()]


def csv_bytes(frame: pd.DataFrame, numeric: Sequence[str] = ()) -> bytes:
    """A spreadsheet-safe UTF-8 CSV with BOM; ``numeric`` columns are left as numbers."""
    safe = frame.copy()
    for name in safe.columns:
        if name not in numeric:
            safe[name] = _escape_column(safe[name])
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def pairs_frame(result: PairResult) -> pd.DataFrame:
    """One row per group (then one per unmatched person), members side by side."""
    # Built column by column: a dict per row costs seconds at 100,000 people.
    fields = {p.id: tuple(str(getattr(p, name)) for name in MEMBER_FIELDS) for p in result.roster.people}
    groups, unmatched = result.groups, result.unmatched
    width = max((len(g.members) for g in groups), default=2)
    blank = ("",) * len(MEMBER_FIELDS)
    columns: dict[str, list[Any]] = {
        "group": list(range(1, len(groups) + 1)) + [None] * len(unmatched),
        "size": [len(g.members) for g in groups] + [1] * len(unmatched),
        "score": [g.score for g in groups] + [None] * len(unmatched),
        "reasons": [" | ".join(g.reasons) for g in groups]
        + ["unmatched: " + result.unmatched_reasons.get(pid, "") for pid in unmatched],
    }
    for k in range(width):
        members = [fields[g.members[k]] if k < len(g.members) else blank for g in groups]
        members += [fields[pid] if k == 0 else blank for pid in unmatched]
        for at, name in enumerate(MEMBER_FIELDS):
            columns[f"member_{k + 1}_{name}"] = [member[at] for member in members]
    frame = pd.DataFrame(columns)
    for name in ("group", "score"):
        frame[name] = frame[name].astype("Int64")
    return frame


def pairs_csv(result: PairResult) -> bytes:
    return csv_bytes(pairs_frame(result), numeric=("group", "size", "score"))


def pair_result_dict(result: PairResult) -> dict[str, Any]:
    """The documented JSON shape of ``peermatch pair --format json``."""
    return {
        "groups": [
            {"members": list(g.members), "score": g.score, "reasons": list(g.reasons)}
            for g in result.groups
        ],
        "unmatched": list(result.unmatched),
        "left_out": [entry.id for entry in result.roster.left_out],
        "summary": asdict(result.summary),
    }


def _json(data: dict[str, Any]) -> str:
    # Compact on purpose: indenting switches json to its pure-Python encoder,
    # ten times slower on 100,000 groups; pipe through `python -m json.tool` to read it.
    return json.dumps(data, ensure_ascii=False) + "\n"


def pair_result_json(result: PairResult) -> str:
    return _json(pair_result_dict(result))


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_target(path: Path, protect: Sequence[Path] = ()) -> Path:
    """Refuse an output path that cannot or must not be written; return its folder.

    Commands check every target before writing any, so a bad one leaves
    nothing half-done.
    """
    for source in protect:
        if same_file(path, source):
            raise OutputError(f"{path}: refusing to overwrite an input file; choose another output name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: cannot write: the folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"{path}: cannot write: it is a folder")
    return folder


def check_folder(folder: Path, protect: Sequence[Path] = ()) -> None:
    """Refuse an output folder that cannot be created or is an input."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: cannot write files into it: it is a file, not a folder")
    if not folder.exists():
        check_target(folder, protect)


def write_atomic(path: Path, data: bytes, *, protect: Sequence[Path] = ()) -> None:
    """Replace ``path`` with ``data`` all at once, or leave it as it was.

    The bytes go to a temporary file in the same folder (so the final rename
    cannot cross file systems), are flushed to disk, then renamed over the
    target: a crash, a kill or a full disk leaves the old file intact.  New
    files are readable by their owner only, as they hold personal data; an
    existing file keeps its permissions.  ``protect`` lists inputs (the
    roster) that must never be overwritten.
    """
    folder = check_target(path, protect)
    _remove_abandoned_temporaries(folder, path.name)
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None


def _remove_abandoned_temporaries(folder: Path, name: str) -> None:
    """Delete the temporary files of earlier writes of ``name`` whose process is gone (killed mid-write).

    Such a file holds part of a roster's personal data and would otherwise stay for good.  Its name carries the
    writing process's id: a file whose process still runs is another run writing now, and is left alone.
    """
    for leftover in folder.glob(f".{glob.escape(name)}.*.tmp"):
        pid = leftover.name[len(name) + 2:].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _running(int(pid)):
            continue
        with contextlib.suppress(OSError):
            leftover.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def schedule_people_frame(schedule: Schedule) -> pd.DataFrame:
    """One row per person per round, for mail merge."""
    people = {p.id: p for p in schedule.roster.people}
    rows: list[dict[str, Any]] = []
    for rnd in schedule.rounds:
        for number, group in enumerate(rnd.groups, start=1):
            for member in group.members:
                person = people[member]
                partners = [people[m] for m in group.members if m != member]
                rows.append({
                    "id": person.id, "name": person.name, "email": person.email,
                    "round": rnd.number, "round_label": rnd.label, "starts": _when(rnd.starts),
                    "group": number, "table": group.table,
                    "partner_names": "; ".join(p.name or p.id for p in partners),
                    "partner_emails": "; ".join(p.email for p in partners if p.email),
                    "partner_professions": "; ".join(p.profession for p in partners),
                    "partner_organisations": "; ".join(p.organisation for p in partners),
                    "prompt": rnd.prompt,
                })
        for member in rnd.unmatched:
            person = people[member]
            rows.append({"id": person.id, "name": person.name, "email": person.email, "round": rnd.number,
                         "round_label": rnd.label, "starts": _when(rnd.starts), "group": None, "table": None,
                         "partner_names": "", "partner_emails": "", "partner_professions": "",
                         "partner_organisations": "", "prompt": "no partner this round"})
    frame = pd.DataFrame(rows, columns=SCHEDULE_PEOPLE_COLUMNS)
    for name in ("group", "table"):
        frame[name] = frame[name].astype("Int64")
    return frame


SCHEDULE_PEOPLE_COLUMNS = ["id", "name", "email", "round", "round_label", "starts", "group", "table",
                           "partner_names", "partner_emails", "partner_professions", "partner_organisations",
                           "prompt"]


def schedule_people_csv(schedule: Schedule) -> bytes:
    return csv_bytes(schedule_people_frame(schedule), numeric=("round", "group", "table"))


def schedule_groups_frame(schedule: Schedule) -> pd.DataFrame:
    """One row per group per round, members side by side."""
    people = {p.id: p for p in schedule.roster.people}
    width = max((len(g.members) for r in schedule.rounds for g in r.groups), default=2)
    rows: list[dict[str, Any]] = []
    for rnd in schedule.rounds:
        for number, group in enumerate(rnd.groups, start=1):
            row: dict[str, Any] = {"round": rnd.number, "round_label": rnd.label, "starts": _when(rnd.starts),
                                   "group": number, "table": group.table, "score": group.score,
                                   "reasons": " | ".join(group.reasons), "prompt": rnd.prompt, "uid": group.uid}
            for k in range(width):
                member = people[group.members[k]] if k < len(group.members) else None
                for name in MEMBER_FIELDS:
                    row[f"member_{k + 1}_{name}"] = "" if member is None else str(getattr(member, name))
            rows.append(row)
    columns = ["round", "round_label", "starts", "group", "table", "score", "reasons", "prompt", "uid"] + [
        f"member_{k + 1}_{name}" for k in range(width) for name in MEMBER_FIELDS]
    frame = pd.DataFrame(rows, columns=columns)
    frame["table"] = frame["table"].astype("Int64")
    return frame


def schedule_groups_csv(schedule: Schedule) -> bytes:
    return csv_bytes(schedule_groups_frame(schedule), numeric=("round", "group", "table", "score"))


def schedule_dict(schedule: Schedule) -> dict[str, Any]:
    """The documented JSON shape of ``peermatch schedule --format json``."""
    return {
        "rounds": [
            {
                "round": rnd.number,
                "label": rnd.label,
                "starts": _when(rnd.starts),
                "prompt": rnd.prompt,
                "groups": [{"members": list(g.members), "score": g.score, "reasons": list(g.reasons),
                            "table": g.table} for g in rnd.groups],
                "unmatched": list(rnd.unmatched),
            }
            for rnd in schedule.rounds
        ],
        "summary": schedule.summary | {"professions_met_by_person": schedule.professions_met},
    }


def schedule_json(schedule: Schedule) -> str:
    return _json(schedule_dict(schedule))


def write_files(folder: Path, files: dict[str, bytes], *, protect: Sequence[Path] = ()) -> None:
    """Write a folder of files (invitations, emails), each replaced atomically."""
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise OutputError(f"{folder}: cannot create the folder ({error.strerror})") from None
    for name, data in files.items():
        write_atomic(folder / name, data, protect=protect)


def history_csv(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> bytes:
    """``peermatch history export``: one row per person per group, formula-safe."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for name in ("group", "table"):
        frame[name] = frame[name].astype("Int64")
    return csv_bytes(frame, numeric=("group", "table"))

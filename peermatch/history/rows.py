"""The spreadsheets people give ``peermatch history import`` and ``history met``: rows, headings and values.

Headings match in any case or spacing, cells lose the apostrophe peermatch's own exports put before formula-like
text, dates may be ISO or as Excel saves them in the UK, and every error names the file, row and column.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from peermatch.errors import HistoryError
from peermatch.text import NO, YES, fold

_HEADING_NOISE = re.compile(r"[\s\-.]+")
_HEADING_ALIASES = {"id": "person_id", "person": "person_id", "table_number": "table", "round_label": "round"}
_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@\t\r])")  # export.escape_formula's apostrophe, taken off again
KINDS = ("pair", "schedule", "import")  # how a round came to be recorded
_ODD_JOINED = YES | {"third", "extra"}  # "extra": who joined a group larger than a pair
_UK_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y")  # what Excel in the UK saves dates as


class Agreeing:
    """Values that every row of one round (or group) must give alike."""

    values: dict[str, Any]
    first: dict[str, int]

    def agree(self, row: CsvRow, column: str, value: Any) -> None:
        # A blank cell says nothing: a spreadsheet may give the date on a round's first row only.
        if value is None or value == "":
            return
        if column not in self.values:
            self.values[column], self.first[column] = value, row.number
        elif self.values[column] != value:
            row.fail(column, f"differs from row {self.first[column]} of the same "
                             f"{'round' if isinstance(self, ImportedRound) else 'group'}")


@dataclass
class ImportedGroup(Agreeing):
    row: int
    members: list[str] = field(default_factory=list)
    profiles: list[tuple[str, str]] = field(default_factory=list)
    odd_one: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportedRound(Agreeing):
    label: str
    people: dict[str, int] = field(default_factory=dict)  # person id -> row
    groups: dict[str, ImportedGroup] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)


class CsvRows:
    """The rows of a CSV as mappings, with headings matched in any case or spacing and errors naming the row."""

    def __init__(self, source: str | Path, rows: Iterable[Mapping[str, str | None]], first_row: int,
                 required: Sequence[str]) -> None:
        self.source = source
        self._rows = list(rows)
        self._headings: dict[str, str] = {}  # our column name -> the heading as written
        for row in self._rows:  # every row's keys: mappings from a CSV reader all have the same ones, others may not
            for heading in row:
                if isinstance(heading, str):
                    key = _HEADING_NOISE.sub("_", fold(heading)).strip("_")
                    self._headings.setdefault(_HEADING_ALIASES.get(key, key), heading)
        self._first_row = first_row
        if self._rows and (missing := [column for column in required if column not in self._headings]):
            raise HistoryError(f"{source}: no {', '.join(missing)} column (found: "
                               f"{', '.join(h for h in self._headings.values() if h) or 'no headings'})")

    def has(self, column: str) -> bool:
        return column in self._headings

    def heading(self, column: str) -> str:
        return self._headings.get(column, column)

    def __iter__(self) -> Iterator[CsvRow]:
        for offset, values in enumerate(self._rows):
            if any((value or "").strip() for value in values.values() if isinstance(value, str)):
                yield CsvRow(self, values, self._first_row + offset)


@dataclass
class CsvRow:
    rows: CsvRows
    values: Mapping[str, str | None]
    number: int

    def has(self, column: str) -> bool:
        return self.rows.has(column)

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(self.rows.heading(column)) if self.rows.has(column) else None
        text = _FORMULA_ESCAPE.sub("", (value or "").strip())
        if required and not text:
            self.fail(column, "the cell is blank")
        return text

    def fail(self, column: str, message: str) -> NoReturn:
        raise HistoryError(f"{self.rows.source}, row {self.number}, column {self.rows.heading(column)!r}: {message}")


def answer(row: CsvRow, column: str) -> bool | None:
    value = fold(row.text(column))
    if not value:
        return None
    if value in YES or value in NO:
        return value in YES
    row.fail(column, "write yes or no (or y/n, true/false, 1/0)")


def minutes(value: str) -> str | None:
    """``value`` (ISO, or a UK date as Excel saves it) as local 'YYYY-MM-DDTHH:MM', or None if it is no date."""
    text = value.strip()
    moment: datetime | None = None
    with contextlib.suppress(ValueError):
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
    if moment is None:
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(text)
    for layout in _UK_FORMATS if moment is None else ():
        with contextlib.suppress(ValueError):
            moment = datetime.strptime(text, layout)
            break
    # Times are local (Europe/London) wall-clock times; one with a zone would compare wrongly, so it is no date here.
    if moment is None or moment.tzinfo is not None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M")


def read_rounds(reader: CsvRows) -> list[ImportedRound]:
    """The rounds of an imported spreadsheet, every row checked: the first wrong cell is a HistoryError naming it."""
    rounds: dict[str, ImportedRound] = {}
    for row in reader:
        label = row.text("round", required=True)
        person_id = row.text("person_id", required=True)
        imported = rounds.setdefault(label, ImportedRound(label))
        starts = row.text("starts")
        moment = minutes(starts) if starts else None
        if starts and moment is None:
            row.fail("starts", f"{starts!r} is not a date; write it as 2027-01-11 or 2027-01-11T09:00")
        kind = fold(row.text("kind"))
        if kind and kind not in KINDS:
            row.fail("kind", f"the kind is {', '.join(KINDS)} or blank")
        imported.agree(row, "starts", moment)
        imported.agree(row, "kind", kind)
        if person_id in imported.people:
            row.fail("person_id", f"this person is already in round {label!r} (row {imported.people[person_id]})")
        imported.people[person_id] = row.number
        odd = fold(row.text("odd"))
        if odd == "unmatched":
            if row.text("group"):
                row.fail("group", "an unmatched person has a blank group")
            imported.unmatched.append(person_id)
            continue
        if odd and odd not in _ODD_JOINED:
            row.fail("odd", "the odd column is 'third', 'extra', 'unmatched' or blank")
        key = row.text("group", required=True)
        group = imported.groups.setdefault(key, ImportedGroup(row.number))
        table_text = row.text("table")
        if table_text and not table_text.isdigit():
            row.fail("table", f"{table_text!r} is not a table number")
        group.agree(row, "table", int(table_text) if table_text else None)
        group.agree(row, "uid", row.text("uid"))
        group.agree(row, "met", answer(row, "met"))
        group.members.append(person_id)
        group.profiles.append((fold(row.text("profession")), fold(row.text("organisation"))))
        if odd:
            if group.odd_one is not None:
                row.fail("odd", "a group has only one person who joined it ('third' or 'extra')")
            group.odd_one = person_id
    for imported in rounds.values():
        for key, group in imported.groups.items():
            if len(group.members) < 2:
                raise HistoryError(f"{reader.source}, row {group.row}, column {reader.heading('group')!r}: "
                                   f"group {key!r} of round {imported.label!r} has only one person")
    return list(rounds.values())


@dataclass
class RoundGroups:
    """A recorded round's groups, found by number or calendar UID, and by who was in them."""

    by_key: dict[str, int] = field(default_factory=dict)  # group number or uid -> group id
    of_person: dict[str, set[int]] = field(default_factory=dict)


def read_feedback(reader: CsvRows, groups_of: Callable[[str], RoundGroups | None]) -> dict[int, tuple[bool, int]]:
    """Group id -> (met, row) for each answered row of a feedback spreadsheet; ``groups_of`` finds a round's groups.

    Rows name a group by ``person_a`` + ``person_b`` or by ``group``; a blank answer is skipped, and two rows
    giving one conversation different answers are an error naming the second row.
    """
    by_pair = reader.has("person_a") or reader.has("person_b")
    if not by_pair and not reader.has("group"):
        raise HistoryError(f"{reader.source}: a feedback file needs the columns round, person_a, person_b and "
                           "met, or round, group and met")
    if by_pair and not (reader.has("person_a") and reader.has("person_b")):
        raise HistoryError(f"{reader.source}: a feedback file with person_a needs person_b too (or use group)")
    rounds: dict[str, RoundGroups] = {}
    answers: dict[int, tuple[bool, int]] = {}
    for row in reader:
        label = row.text("round", required=True)
        met = answer(row, "met")
        if label not in rounds:
            found = groups_of(label)
            if found is None:
                row.fail("round", f"there is no round {label!r} in the history")
            rounds[label] = found
        groups = rounds[label]
        if by_pair:
            a, b = row.text("person_a", required=True), row.text("person_b", required=True)
            shared = groups.of_person.get(a, set()) & groups.of_person.get(b, set())
            if a == b or not shared:
                row.fail("person_b", f"person_a and person_b were not in one group in round {label!r}")
            group_id = next(iter(shared))
        else:
            key = row.text("group", required=True)
            group_id = groups.by_key.get(key) or groups.by_key.get(key.lstrip("0") or "0", 0)
            if not group_id:
                row.fail("group", f"round {label!r} has no group {key!r} (give its number or calendar UID)")
        if met is None:
            continue
        if group_id in answers and answers[group_id][0] != met:
            row.fail("met", f"this conversation is already marked {'yes' if not met else 'no'} in row "
                            f"{answers[group_id][1]}")
        answers.setdefault(group_id, (met, row.number))
    return answers

"""The spreadsheets people give ``peermatch history import`` and ``history met``: rows, headings and values.

Headings match in any case or spacing, cells lose the apostrophe peermatch's own exports put before formula-like
text, dates may be ISO or as Excel saves them in the UK, and every error names the file, row and column.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from peermatch.errors import HistoryError
from peermatch.text import NO, YES, fold

_HEADING_NOISE = re.compile(r"[\s\-.]+")
_HEADING_ALIASES = {"id": "person_id", "person": "person_id", "table_number": "table", "round_label": "round"}
_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@\t\r])")  # export.escape_formula's apostrophe, taken off again
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

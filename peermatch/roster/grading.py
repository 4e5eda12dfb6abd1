"""Each roster row's level, from its grade (and organisation, or another column for a placeholder grade).

The grades that resolve to no level become one problem per message, listing rows: a cell that holds anyone's name
or email is never quoted (the wrong column was taken for the grade), and neither is a page of text.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from peermatch.errors import UnknownGrade
from peermatch.models import Level
from peermatch.roster.columns import LONGEST_SHOWN
from peermatch.roster.headings import SYNONYMS, heading_key
from peermatch.roster.levels import LevelScheme, Placeholder, grade_key, organisations_text
from peermatch.roster.normalising import each_unique, picked
from peermatch.roster.problems import RowProblem
from peermatch.text import fold, rows_text, tidy

_TOO_LONG_FOR_A_GRADE = f"the cell is longer than {LONGEST_SHOWN} characters, too long for a grade"
_NOT_A_GRADE = ("names or email addresses, not grades: if this is not the grade column, name the right one with "
                "--level-column (or level under [columns] in the config)")


class RowsRead(Protocol):
    """The roster's records as the reader holds them (:mod:`peermatch.roster.reading`): column lists by record."""

    path: Path
    headings: list[str]
    columns: dict[str, str]  # field -> heading
    rows: list[int]  # the spreadsheet row of each record
    grade: list[str]
    organisation: list[str]
    organisation_key: list[str]  # fold of each organisation
    level_of: list[Level | str | None]
    warnings: list[str]

    def column(self, index: int) -> list[str]:
        """The cells of the column at ``index``, one per record."""

    def personal_words(self) -> frozenset[str]:
        """Every email, name and longer word of a name in the roster."""


def grade_problems(read: RowsRead, scheme: LevelScheme, records: Sequence[int]) -> list[RowProblem]:
    """Each record's level, set in ``read.level_of`` (a message where it has none), and the problems of the records
    whose grade is unknown; warnings about the config's ladders go to ``read.warnings``."""
    problems: list[RowProblem] = []
    grade, organisation, organisation_key = read.grade, read.organisation, read.organisation_key
    # A million rows hold a few dozen (grade, organisation) pairs: each is resolved once, and the rows are passed
    # through in C.
    graded = records if all(picked(grade, records)) else list(itertools.compress(records, picked(grade, records)))

    def keys(rows: Sequence[int]) -> zip[tuple[str, str]]:
        return zip(picked(grade, rows), picked(organisation_key, rows), strict=True)

    # Each (grade, organisation as written), in the order first met.
    written = dict.fromkeys(zip(picked(grade, graded), picked(organisation, graded), strict=True))
    levels = scheme.for_roster(written)
    from_elsewhere = _FromAnotherColumn(read, levels)
    placeholders = {value: levels.placeholder(value) for value, _ in written}
    # The first row of each (grade, organisation) says how the organisation is written in a message.
    first: dict[tuple[str, str], str] = {}
    for value, shown in written:
        first.setdefault((value, fold(shown)), shown)  # fold(shown) is those rows' organisation_key
    resolved: dict[tuple[str, str], Level | str] = {}
    for key, shown in first.items():
        if placeholders[key[0]] is None:
            try:
                resolved[key] = levels.resolve(key[0], shown)
            except UnknownGrade as error:
                # The message quotes the grade: a page of text in the grade column must not fill the log.
                resolved[key] = str(error) if len(key[0]) <= LONGEST_SHOWN else _TOO_LONG_FOR_A_GRADE
    each = map(resolved.get, keys(graded))  # None for a placeholder grade, set below
    if len(graded) == len(read.level_of):  # everyone, in order: as usual
        read.level_of[:] = each
    else:
        for i, level in zip(graded, each, strict=True):
            read.level_of[i] = level
    if held := {value: placeholder for value, placeholder in placeholders.items() if placeholder is not None}:
        for i in itertools.compress(graded, map(held.__contains__, picked(grade, graded))):
            read.level_of[i] = from_elsewhere.level(i, held[grade[i]])
    unknown: dict[str, list[int]] = defaultdict(list)
    if failed := {key for key, level in resolved.items() if isinstance(level, str)}:
        for i in itertools.compress(graded, map(failed.__contains__, keys(graded))):
            unknown[str(read.level_of[i])].append(i)  # the message resolving gave
        unknown = _unquoted_if_personal(read, unknown)
    heading = read.columns["level"]
    _warn_split_ladders(read, resolved, records, heading)
    for message, group in unknown.items():
        where = f"{read.path}, {rows_text([read.rows[i] for i in group])}, column {heading!r}"
        reason = f"unknown grade (column {heading!r}): {message}"
        problems.append(RowProblem("{n} with an unknown grade", f"{where}: {message}", dict.fromkeys(group, reason)))
    problems += from_elsewhere.problems()
    if unused := levels.unused_maps(set(picked(organisation, records))):
        found = (f"the organisations in column {read.columns['organisation']!r} are "
                 f"{organisations_text(read.organisation[i] for i in records if read.organisation[i])}"
                 if "organisation" in read.columns else
                 "the roster has no organisation column (name it with --organisation-column)")
        for name in unused:
            read.warnings.append(f"[levels.map.{_quoted(name)}] in the config matches no organisation in the "
                                 f"roster, so it is not used: {found}")
    return problems


def _unquoted_if_personal(read: RowsRead, unknown: Mapping[str, list[int]]) -> dict[str, list[int]]:
    """Unknown grades, regrouped so that a cell holding anyone's name or email is never quoted.

    That happens when the wrong column is taken for the grade (say ``--level-column Name``, or a line manager
    column), and the message may land in a cron log.  Only unknown grades are compared, so this costs nothing
    on a roster whose grades are fine.
    """
    heading = heading_key(read.columns["level"])
    names_column = any(heading == heading_key(synonym) for field in ("name", "first_name", "last_name", "email")
                       for synonym in SYNONYMS[field])
    people = read.personal_words()
    regrouped: dict[str, list[int]] = defaultdict(list)
    for message, group in unknown.items():
        for i in group:
            grade = fold(read.grade[i])
            personal = names_column or "@" in grade or grade in people or any(
                word in people for word in grade.split() if len(word) > 2)
            regrouped[_NOT_A_GRADE if personal else message].append(i)
    return regrouped


def _warn_split_ladders(read: RowsRead, resolved: Mapping[tuple[str, str], Level | str], records: Sequence[int],
                        heading: str) -> None:
    """One organisation whose grades land on two ladders has grades peermatch cannot compare."""
    scales: dict[str, set[str]] = defaultdict(set)
    for (_, organisation), level in resolved.items():
        if isinstance(level, Level):
            scales[organisation].add(level.scale)
    if not (split := [(organisation, found) for organisation, found in sorted(scales.items()) if len(found) > 1]):
        return
    # Each organisation as its first row writes it: reversed, so that the first row wins.
    names = dict(zip(map(read.organisation_key.__getitem__, reversed(records)),
                     map(read.organisation.__getitem__, reversed(records)), strict=True))
    for organisation, found in split:
        name = names.get(organisation) or "people with no organisation"
        read.warnings.append(
            f"column {heading!r}: the grades of {name} fall on {len(found)} ladders that cannot be compared "
            f"({', '.join(sorted(found))}); map them onto one under [levels.map] in the config")


class _FromAnotherColumn:
    """Levels of placeholder grades ("Review Body Band"), read from the column their config table names."""

    def __init__(self, records: RowsRead, levels: LevelScheme) -> None:
        self.records = records
        self.failed: dict[tuple[str, str], list[int]] = defaultdict(list)  # (column, message) -> records
        self.cells: dict[str, tuple[str, list[str]] | None] = {}
        for key, placeholder in levels.placeholders.items():
            index = heading_index(records.headings, placeholder.column)
            self.cells[key] = None if index is None else (
                records.headings[index], each_unique(records.column(index), tidy))

    def level(self, i: int, placeholder: Placeholder) -> Level | str:
        grade = repr(self.records.grade[i][:LONGEST_SHOWN])
        cells = self.cells[grade_key(placeholder.grade)]
        if cells is None:
            column, message = self.records.columns["level"], (
                f"grade {grade} takes its level from column {placeholder.column!r} ({placeholder.table} in the "
                f"config), but the roster has no such column: correct the column there")
        else:
            column, values = cells
            value = values[i]
            if not value:
                message = f"the cell is blank, and grade {grade} takes its level from it ({placeholder.table})"
            elif (level := placeholder.levels.get(fold(value))) is not None:
                return level
            else:
                shown = f"{value!r} " if len(value) <= LONGEST_SHOWN and not self._personal(value) else ""
                message = (f"the value {shown}is not listed in {placeholder.table} in the config: add it there "
                           "with the level it means")
        self.failed[column, message].append(i)
        return message

    def _personal(self, value: str) -> bool:
        folded = fold(value)
        return "@" in folded or folded in self.records.personal_words()

    def problems(self) -> list[RowProblem]:
        problems = []
        for (column, message), group in self.failed.items():
            rows = rows_text([self.records.rows[i] for i in group])
            reason = f"unknown grade (column {column!r}): {message}"
            problems.append(RowProblem("{n} with an unknown grade", f"{self.records.path}, {rows}, column {column!r}: "
                                       f"{message}", dict.fromkeys(group, reason)))
        return problems


def heading_index(headings: list[str], wanted: str) -> int | None:
    exact = [i for i, heading in enumerate(headings) if heading and heading == tidy(wanted)]
    close = [i for i, heading in enumerate(headings) if heading and heading_key(heading) == heading_key(wanted)]
    return (exact or close)[0] if exact or close else None


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

"""Read a staff roster exported from Excel or an HR system into a :class:`Roster`.

Contract: :func:`load_roster` accepts what coordinators export -- UTF-8 (with or without a byte-order mark),
Windows-1252 or UTF-16 text, separated by commas, semicolons, tabs or pipes, or a sheet of an .xlsx workbook
(:mod:`peermatch.roster.cells`), with headings in any case or spacing under any
of the synonyms in :mod:`peermatch.roster.headings` -- and returns a roster in which everyone has a resolved level
and a profession, or raises :class:`RosterUnreadable` (exit 66: not readable as text) or :class:`RosterError` (exit
65: read, but not fit to pair).  Who takes part is read from every opt-out or consent column
(:mod:`peermatch.roster.consent`).

Messages are one line naming the file, the column heading and the rows as Excel numbers them (the header is row 1;
a line break inside a quoted cell adds no row), never a person's name or email: they end up in cron logs.  With
``skip_invalid=True``, rows with a blank level or profession, an unknown grade, an opt-out answer that cannot be
read or a repeated id or email are left out with a warning instead; a missing column or an unreadable file still
raises.  Nothing is printed, and pandas does no more than split the text into cells.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from peermatch.errors import RosterError, UnknownGrade
from peermatch.models import LeftOut, Level, Person, Roster
from peermatch.roster.cells import read_cells
from peermatch.roster.columns import LONGEST_SHOWN, Columns, find_columns
from peermatch.roster.consent import Answer, read_answer, understood
from peermatch.roster.headings import SYNONYMS, Polarity, heading_key
from peermatch.roster.levels import LevelScheme, Placeholder, grade_key, organisations_text
from peermatch.text import address_problem, fold, most_common_spelling, rows_text, tidy

_TOO_LONG_FOR_A_GRADE = f"the cell is longer than {LONGEST_SHOWN} characters, too long for a grade"
_NOT_A_GRADE = ("names or email addresses, not grades: if this is not the grade column, name the right one with "
                "--level-column (or level under [columns] in the config)")


def load_roster(path: Path, *, levels: LevelScheme | None = None, columns: Mapping[str, str] | None = None,
                skip_invalid: bool = False, allow_empty: bool = False, sheet: str | None = None) -> Roster:
    """Read, check and normalise the roster at ``path``; see the module docstring.

    ``allow_empty`` returns a roster with nobody in it (rather than refusing it) when ``skip_invalid`` leaves every
    row out, so that ``check`` can list why.  ``sheet`` names the sheet of a workbook (default: the first).
    """
    table = read_cells(path, sheet)
    headings = [tidy(heading) for heading in table.frame.iloc[0]]
    found = find_columns(path, headings, columns or {})
    records = _Records(path, table.frame.iloc[1:], headings, found, table.header_row + 1, levels or LevelScheme())
    return records.roster(table.encoding, table.delimiter, skip_invalid, allow_empty)


_NORMALISED_AT_ONCE = 50_000


def _each_unique(values: list[str], normalise: Callable[[str], str]) -> list[str]:
    """``normalise`` (text.tidy or text.fold) of every cell, computed once per distinct value.

    Both only NFC-normalise, case-fold and squeeze white space, none of which reaches across a NUL, so one call on
    the distinct values joined by NUL, split again, equals a call per value, several times faster on 100k ids and
    emails.  No cell holds a NUL: files with one are refused.
    """
    distinct = list(dict.fromkeys(values))
    normalised: list[str] = []
    # A chunk of values at a time, so that the joined text and its normalised copies stay small.
    for start in range(0, len(distinct), _NORMALISED_AT_ONCE):
        chunk = distinct[start:start + _NORMALISED_AT_ONCE]
        source = "\x00".join(chunk)
        # Squeezing leaves at most one space either side of a NUL, and it belongs to no value.
        joined = normalise(source).replace(" \x00", "\x00").replace("\x00 ", "\x00")
        # When nothing changes, as in most id, name and email columns, the cells themselves: no second copy of them.
        normalised += chunk if joined == source else joined.split("\x00")
    if len(distinct) == len(values):  # every value differs, as ids and emails do: nothing to map back
        return normalised
    table = dict(zip(distinct, normalised, strict=True))
    return list(map(table.__getitem__, values))


@dataclass
class _Problem:
    kind: str  # for the skip warning, e.g. "{n} duplicate id{s}"
    message: str  # the one-line error
    reasons: dict[int, str]  # record -> why it is left out under skip_invalid


class _Records:
    """The records under the heading row as plain lists, checked and turned into people.

    Records are numbered from 0 in file order; ``rows[i]`` is where record ``i`` sits in the spreadsheet.
    """

    def __init__(self, path: Path, data: pd.DataFrame, headings: list[str], found: Columns, first_row: int,
                 levels: LevelScheme) -> None:
        self.path, self.levels, self.warnings = path, levels, found.warnings
        self.headings, self.data = headings, data
        self._personal: frozenset[str] | None = None
        warnings = self.warnings
        self.columns = {field: headings[index] for field, index in found.fields.items()}
        self.raw = {field: data.iloc[:, index].tolist() for field, index in found.fields.items()}
        self.consent = [(headings[index], polarity, data.iloc[:, index].tolist()) for index, polarity in found.consent]
        for number, (heading, _, _) in enumerate(self.consent, start=1):
            self.columns["active" if number == 1 else f"active_{number}"] = heading
        self.rows = list(range(first_row, first_row + len(data)))
        self._check_extra_cells(data, headings)
        self.grade, self.profession, self.email = self.cells("level"), self.cells("profession"), self.cells("email")
        self.organisation, self.site = self.cells("organisation"), self.cells("site")
        self.profession_key, self.organisation_key, self.site_key, self.email_key = (
            _each_unique(cells, fold) for cells in (self.profession, self.organisation, self.site, self.email))
        self.level_of: list[Level | str | None] = [None] * len(self.rows)
        self.left_out: list[LeftOut] = []
        # Only a record without a level or a profession can be empty, so look at all the cells of those alone.
        maybe = [i for i, (g, p) in enumerate(zip(self.grade, self.profession, strict=True)) if not g and not p]
        cells = data.iloc[maybe].to_numpy().tolist() if maybe else []
        empty = {i for i, values in zip(maybe, cells, strict=True) if not any(value.strip() for value in values)}
        self.present = [i for i in range(len(self.rows)) if i not in empty]
        raw_ids = self.cells("id")
        self.ids = [i or e or str(r) for i, e, r in zip(raw_ids, self.email_key, self.rows, strict=True)]
        if "id" in self.raw and (blank := [self.rows[i] for i in self.present if not raw_ids[i]]):
            warnings.append(f"column {self.columns['id']!r} is blank in {rows_text(blank)}; their email, or else their "
                            "row number, is used as their id")

    def cells(self, field: str) -> list[str]:
        return _each_unique(self.raw[field], tidy) if field in self.raw else [""] * len(self.rows)

    def _check_extra_cells(self, data: pd.DataFrame, headings: list[str]) -> None:
        width = max((i + 1 for i, heading in enumerate(headings) if heading), default=0)
        filled: set[int] = set()
        for index in range(width, data.shape[1]):
            filled.update(i for i, value in enumerate(data.iloc[:, index].tolist()) if value and not value.isspace())
        if bad := [self.rows[i] for i in filled]:
            raise RosterError(f"{self.path}: {rows_text(bad)} {'has' if len(bad) == 1 else 'have'} more cells than "
                              f"there are headings ({width}); delete the extra cells or give their column a heading")

    def roster(self, encoding: str, delimiter: str, skip_invalid: bool, allow_empty: bool = False) -> Roster:
        taking_part, problems = self._taking_part()
        self._warn_unusable_emails(taking_part)
        problems += self._row_problems(taking_part)
        flagged = {i for problem in problems for i in problem.reasons}
        valid = [i for i in taking_part if i not in flagged]
        problems += self._duplicates(valid)
        if problems and not skip_invalid:
            more = len(problems) - 1
            raise RosterError(problems[0].message + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))
        skipped = self._skip(problems)
        people = self._people([i for i in valid if i not in skipped])
        if not people and not allow_empty:
            why = "every row is left out" if self.present else "it has headings but no rows"
            raise RosterError(f"{self.path}: no people to pair ({why})")
        self.left_out.sort(key=lambda left: left.row)
        return Roster(self.path, people, self.left_out, encoding, delimiter, self.columns, self.warnings)

    def _taking_part(self) -> tuple[list[int], list[_Problem]]:
        """Who takes part by every opt-out and consent column; an answer that cannot be read is a problem."""
        out: dict[int, str] = {}
        unreadable: dict[int, tuple[str, Polarity]] = {}
        for heading, polarity, cells in self.consent:
            answers = _each_unique(cells, fold)
            # A handful of distinct answers, read once each; then only the rows that say out or cannot be read.
            readings = {answer: read_answer(answer, polarity) for answer in set(answers)}
            if not (notable := {answer for answer, reading in readings.items() if reading is not Answer.IN}):
                continue
            reason = f"{polarity.reason} (column {heading!r})"
            for i in (i for i in self.present if answers[i] in notable):
                if readings[answers[i]] is Answer.OUT:
                    out.setdefault(i, reason)
                else:
                    unreadable.setdefault(i, (heading, polarity))
        for i, reason in out.items():
            self.left_out.append(LeftOut(self.ids[i], self.rows[i], reason))
        groups: dict[tuple[str, Polarity], list[int]] = defaultdict(list)
        for i, column in unreadable.items():
            if i not in out:
                groups[column].append(i)
        problems = []
        for (heading, polarity), group in groups.items():
            rows = rows_text([self.rows[i] for i in group])
            problems.append(_Problem(
                "{n} with an unreadable opt-out answer",
                f"{self.path}, {rows}, column {heading!r}: cannot tell whether they take part ({understood(polarity)}"
                "); write yes or no, so that nobody who said no is paired",
                dict.fromkeys(group, f"cannot tell whether they take part (column {heading!r})")))
        return [i for i in self.present if i not in out] if out else self.present, problems

    def _warn_unusable_emails(self, records: list[int]) -> None:
        """Rows whose email cell is not one plain address: nothing can be sent to it, and it must not be written
        where a mail merge or a calendar would take it for a list of recipients or a header."""
        if "email" not in self.raw:
            return
        problems = {email: address_problem(email) for email in {self.email[i] for i in records if self.email[i]}}
        unusable: dict[str, list[int]] = defaultdict(list)
        for i in records:
            if problem := problems.get(self.email[i]):
                unusable[problem].append(self.rows[i])
        for problem, rows in unusable.items():
            self.warnings.append(f"column {self.columns['email']!r}: in {rows_text(rows)} the email address {problem}, "
                                 "so no invitation or introduction can be sent to it; correct it in the roster (one "
                                 "plain address such as name@example.org)")

    def _row_problems(self, records: list[int]) -> list[_Problem]:
        problems = [self._blank("level", self.grade, records), self._blank("profession", self.profession, records)]
        resolved: dict[tuple[str, str], Level | str] = {}
        unknown: dict[str, list[int]] = defaultdict(list)
        graded = [i for i in records if self.grade[i]]
        levels = self.levels.for_roster({(self.grade[i], self.organisation[i]) for i in graded})
        from_elsewhere = _FromAnotherColumn(self, levels)
        placeholders = {grade: levels.placeholder(grade) for grade in {self.grade[i] for i in graded}}
        for i in graded:
            if (placeholder := placeholders[self.grade[i]]) is not None:
                self.level_of[i] = from_elsewhere.level(i, placeholder)
                continue
            if (key := (self.grade[i], self.organisation_key[i])) not in resolved:
                try:
                    resolved[key] = levels.resolve(self.grade[i], self.organisation[i])
                except UnknownGrade as error:
                    # The message quotes the grade: a page of text in the grade column must not fill the log.
                    resolved[key] = str(error) if len(self.grade[i]) <= LONGEST_SHOWN else _TOO_LONG_FOR_A_GRADE
            if isinstance(level := resolved[key], str):
                unknown[level].append(i)
            self.level_of[i] = level
        if unknown:
            unknown = self._unquoted_if_personal(unknown)
        heading = self.columns["level"]
        names = {self.organisation_key[i]: self.organisation[i] for i in reversed(records)}
        self._warn_split_ladders(resolved, names, heading)
        for message, group in unknown.items():
            where = f"{self.path}, {rows_text([self.rows[i] for i in group])}, column {heading!r}"
            reason = f"unknown grade (column {heading!r}): {message}"
            problems.append(_Problem("{n} with an unknown grade", f"{where}: {message}", dict.fromkeys(group, reason)))
        problems += from_elsewhere.problems()
        if unused := levels.unused_maps({self.organisation[i] for i in records}):
            found = (f"the organisations in column {self.columns['organisation']!r} are "
                     f"{organisations_text(self.organisation[i] for i in records if self.organisation[i])}"
                     if "organisation" in self.columns else
                     "the roster has no organisation column (name it with --organisation-column)")
            for name in unused:
                self.warnings.append(f"[levels.map.{_quoted(name)}] in the config matches no organisation in the "
                                     f"roster, so it is not used: {found}")
        return [problem for problem in problems if problem.reasons]

    def _unquoted_if_personal(self, unknown: Mapping[str, list[int]]) -> dict[str, list[int]]:
        """Unknown grades, regrouped so that a cell holding anyone's name or email is never quoted.

        That happens when the wrong column is taken for the grade (say ``--level-column Name``, or a line manager
        column), and the message may land in a cron log.  Only unknown grades are compared, so this costs nothing
        on a roster whose grades are fine.
        """
        heading = heading_key(self.columns["level"])
        names_column = any(heading == heading_key(synonym) for field in ("name", "first_name", "last_name", "email")
                           for synonym in SYNONYMS[field])
        people = self.personal_words()
        regrouped: dict[str, list[int]] = defaultdict(list)
        for message, group in unknown.items():
            for i in group:
                grade = fold(self.grade[i])
                personal = names_column or "@" in grade or grade in people or any(
                    word in people for word in grade.split() if len(word) > 2)
                regrouped[_NOT_A_GRADE if personal else message].append(i)
        return regrouped

    def personal_words(self) -> frozenset[str]:
        """Every email, name and longer word of a name in the roster: cells never to quote in a message.

        Made when first asked for, which is only when a grade is unknown.
        """
        if self._personal is not None:
            return self._personal
        people: set[str] = set(self.email_key)
        for name in self._names():
            folded = fold(name)
            people.add(folded)
            people.update(word for word in folded.split() if len(word) > 2)  # "Jones", not "de" or "Jo"
        people.discard("")
        self._personal = frozenset(people)
        return self._personal

    def _warn_split_ladders(self, resolved: Mapping[tuple[str, str], Level | str], names: Mapping[str, str],
                            heading: str) -> None:
        """One organisation whose grades land on two ladders has grades peermatch cannot compare."""
        scales: dict[str, set[str]] = defaultdict(set)
        for (_, organisation), level in resolved.items():
            if isinstance(level, Level):
                scales[organisation].add(level.scale)
        for organisation, found in sorted(scales.items()):
            if len(found) > 1:
                name = names.get(organisation) or "people with no organisation"
                self.warnings.append(
                    f"column {heading!r}: the grades of {name} fall on {len(found)} ladders that cannot be compared "
                    f"({', '.join(sorted(found))}); map them onto one under [levels.map] in the config")

    def _blank(self, field: str, cells: list[str], records: list[int]) -> _Problem:
        heading, blank = self.columns[field], [i for i in records if not cells[i]]
        rows = rows_text([self.rows[i] for i in blank]) if blank else ""
        message, reason = f"{self.path}, column {heading!r}: the {field} is blank in {rows}", f"the {field} is blank"
        return _Problem(f"{{n}} with a blank {field}", message, dict.fromkeys(blank, f"{reason} (column {heading!r})"))

    def _duplicates(self, records: list[int]) -> list[_Problem]:
        # Without an id column the email is the id: checking both would report the same rows twice.  Check the ids
        # themselves then, for a blank email's row-number id can equal an email cell such as "3".
        emails = self.email_key if "id" in self.raw else self.ids
        checks = [("id", self.ids)] * ("id" in self.raw) + [("email", emails)] * ("email" in self.raw)
        problems = []
        for field, values in checks:
            if len(set(filled := [values[i] for i in records if values[i]])) == len(filled):
                continue
            groups: dict[str, list[int]] = defaultdict(list)
            for i in (i for i in records if values[i]):
                groups[values[i]].append(i)
            sets = [[self.rows[i] for i in group] for group in groups.values() if len(group) > 1]
            heading = self.columns[field]
            message = f"{self.path}: {rows_text(sets[0])} have the same {field} (column {heading!r})"
            if len(sets) > 1:
                message += "; so do " + "; ".join(rows_text(rows) for rows in sets[1:4])
                message += f" and {len(sets) - 4} more sets" if len(sets) > 4 else ""
            reasons = {i: f"same {field} as row {self.rows[group[0]]} (column {heading!r})"
                       for group in groups.values() for i in group[1:]}
            problems.append(_Problem(f"{{n}} duplicate {field}{{s}}", message, reasons))
        return problems

    def _skip(self, problems: list[_Problem]) -> set[int]:
        kinds: dict[int, str] = {}
        for problem in problems:
            for i, reason in problem.reasons.items():
                if i not in kinds:
                    kinds[i] = problem.kind
                    self.left_out.append(LeftOut(self.ids[i], self.rows[i], reason))
        if kinds:
            parts = ", ".join(kind.format(n=n, s="s" * (n > 1)) for kind, n in Counter(kinds.values()).items())
            rows = rows_text([self.rows[i] for i in kinds], last=", ")
            self.warnings.append(f"skipped {len(kinds)} row{'s' * (len(kinds) > 1)}: {parts} ({rows})")
        return set(kinds)

    def _people(self, records: list[int]) -> list[Person]:
        def pick(values: Sequence[Any]) -> Sequence[Any]:
            return values if len(records) == len(self.rows) else [values[i] for i in records]

        keys = pick(self.profession_key), pick(self.organisation_key), pick(self.site_key)
        shown = pick(self.profession), pick(self.organisation), pick(self.site)
        spelled = [map(_spellings(s, k).__getitem__, k) for s, k in zip(shown, keys, strict=True)]
        # map() over whole columns, in Person's field order, spares 100k turns of a Python loop.
        return list(map(Person, pick(self.ids), pick(self._names()), pick(self.email), pick(self.grade),
                        pick(self.level_of), *spelled, pick(self.rows), *keys))

    def _names(self) -> list[str]:
        if "name" in self.raw or not {"first_name", "last_name"} & self.raw.keys():
            return self.cells("name")
        return [f"{g} {f}".strip() for g, f in zip(self.cells("first_name"), self.cells("last_name"), strict=True)]


class _FromAnotherColumn:
    """Levels of placeholder grades ("Review Body Band"), read from the column their config table names."""

    def __init__(self, records: _Records, levels: LevelScheme) -> None:
        self.records = records
        self.failed: dict[tuple[str, str], list[int]] = defaultdict(list)  # (column, message) -> records
        self.cells: dict[str, tuple[str, list[str]] | None] = {}
        for key, placeholder in levels.placeholders.items():
            index = _heading_index(records.headings, placeholder.column)
            self.cells[key] = None if index is None else (
                records.headings[index], _each_unique(records.data.iloc[:, index].tolist(), tidy))

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

    def problems(self) -> list[_Problem]:
        problems = []
        for (column, message), group in self.failed.items():
            rows = rows_text([self.records.rows[i] for i in group])
            reason = f"unknown grade (column {column!r}): {message}"
            problems.append(_Problem("{n} with an unknown grade", f"{self.records.path}, {rows}, column {column!r}: "
                                     f"{message}", dict.fromkeys(group, reason)))
        return problems


def _heading_index(headings: list[str], wanted: str) -> int | None:
    exact = [i for i, heading in enumerate(headings) if heading and heading == tidy(wanted)]
    close = [i for i, heading in enumerate(headings) if heading and heading_key(heading) == heading_key(wanted)]
    return (exact or close)[0] if exact or close else None


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _spellings(shown: Sequence[str], keys: Sequence[str]) -> dict[str, str]:
    """For each key, the spelling most people used."""
    spellings: dict[str, list[str]] = defaultdict(list)
    for (key, spelling), count in Counter(zip(keys, shown, strict=True)).items():  # Counter: C speed for 100k
        spellings[key] += [spelling] * count
    return {key: most_common_spelling(group) for key, group in spellings.items()}


def row_number_ids(roster: Roster) -> str | None:
    """A warning when some people's id is their row number (no id column or cell, no email), else None.

    Such ids name whoever sits in that row: next month's export sorted another way gives them someone else's
    history, and pairs repeat without a word.
    """
    rows = [p.row for p in roster.people if p.id == str(p.row) and not p.email]
    if not rows:
        return None
    where = f"column {roster.columns['id']!r} is blank" if "id" in roster.columns else "there is no id column"
    return (f"{rows_text(rows)}: {where} and no email, so the row number is the id the history keeps; a re-sorted "
            "export would give them other people's history. Name the id column with --id-column (or id under "
            "[columns] in the config)")

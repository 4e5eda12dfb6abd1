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

import itertools
import operator
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from peermatch.collector import collector_paused
from peermatch.errors import RosterError
from peermatch.models import LeftOut, Level, Person, Roster
from peermatch.roster.cells import read_cells
from peermatch.roster.columns import Columns, find_columns
from peermatch.roster.consent import Answer, read_answer, understood
from peermatch.roster.grading import grade_problems
from peermatch.roster.headings import Polarity
from peermatch.roster.levels import LevelScheme
from peermatch.roster.normalising import commonest_spellings, each_unique, picked
from peermatch.roster.problems import RowProblem
from peermatch.text import address_problem, fold, plain_address, rows_text, tidy


def load_roster(path: Path, *, levels: LevelScheme | None = None, columns: Mapping[str, str] | None = None,
                skip_invalid: bool = False, allow_empty: bool = False, sheet: str | None = None) -> Roster:
    """Read, check and normalise the roster at ``path``; see the module docstring.

    ``allow_empty`` returns a roster with nobody in it (rather than refusing it) when ``skip_invalid`` leaves every
    row out, so that ``check`` can list why.  ``sheet`` names the sheet of a workbook (default: the first).
    """
    table = read_cells(path, sheet)
    encoding, delimiter, first_row = table.encoding, table.delimiter, table.header_row + 1
    headings = [tidy(heading) for heading in table.frame.iloc[0]]
    found = find_columns(path, headings, columns or {})
    # Plain lists of the cells, and the table let go: its own arrays of them are 60 MB at a million people, held
    # for nothing while the people are made.
    cells = [table.frame.iloc[1:, index].tolist() for index in range(table.frame.shape[1])]
    del table
    records = _Records(path, cells, headings, found, first_row, levels or LevelScheme())
    return records.roster(encoding, delimiter, skip_invalid, allow_empty)


class _Records:
    """The records under the heading row as plain lists, checked and turned into people.

    Records are numbered from 0 in file order; ``rows[i]`` is where record ``i`` sits in the spreadsheet.
    """

    def __init__(self, path: Path, cells: list[list[str]], headings: list[str], found: Columns, first_row: int,
                 levels: LevelScheme) -> None:
        self.path, self.levels, self.warnings = path, levels, found.warnings
        self.headings, self._cells = headings, cells  # _cells: a list of cells per column, a cell per record
        self._personal: frozenset[str] | None = None
        self._name_cells: list[str] | None = None
        warnings = self.warnings
        self.columns = {field: headings[index] for field, index in found.fields.items()}
        self.raw = {field: cells[index] for field, index in found.fields.items()}
        self.consent = [(headings[index], polarity, cells[index]) for index, polarity in found.consent]
        for number, (heading, _, _) in enumerate(self.consent, start=1):
            self.columns["active" if number == 1 else f"active_{number}"] = heading
        self.rows = list(range(first_row, first_row + len(cells[0])))
        self._check_extra_cells()
        self.grade, self.profession, self.email = self.cells("level"), self.cells("profession"), self.cells("email")
        self.organisation, self.site = self.cells("organisation"), self.cells("site")
        self.profession_key, self.organisation_key, self.site_key, self.email_key = (
            each_unique(cells, fold) for cells in (self.profession, self.organisation, self.site, self.email))
        self.level_of: list[Level | str | None] = [None] * len(self.rows)
        self.left_out: list[LeftOut] = []
        # Only a record without a level or a profession can be empty, so look at all the cells of those alone.
        maybe = [i for i in _blanks(self.grade, range(len(self.rows))) if not self.profession[i]]
        empty = {i for i in maybe if not any(column[i].strip() for column in cells)}
        # A range when nobody is left out, as usual: a list would hold a million new numbers.
        self.present: Sequence[int] = [i for i in range(len(self.rows)) if i not in empty] if empty else range(
            len(self.rows))
        raw_ids = self.cells("id")
        self.ids = raw_ids if all(raw_ids) else [
            i or e or str(r) for i, e, r in zip(raw_ids, self.email_key, self.rows, strict=True)]
        if "id" in self.raw and (blank := [self.rows[i] for i in _blanks(raw_ids, self.present)]):
            warnings.append(f"column {self.columns['id']!r} is blank in {rows_text(blank)}; their email, or else their "
                            "row number, is used as their id")

    def cells(self, field: str) -> list[str]:
        return each_unique(self.raw[field], tidy) if field in self.raw else [""] * len(self.rows)

    def column(self, index: int) -> list[str]:
        return self._cells[index]

    def _check_extra_cells(self) -> None:
        width = max((i + 1 for i, heading in enumerate(self.headings) if heading), default=0)
        filled: set[int] = set()
        for column in self._cells[width:]:
            filled.update(i for i, value in enumerate(column) if value and not value.isspace())
        if bad := [self.rows[i] for i in filled]:
            raise RosterError(f"{self.path}: {rows_text(bad)} {'has' if len(bad) == 1 else 'have'} more cells than "
                              f"there are headings ({width}); delete the extra cells or give their column a heading")

    def roster(self, encoding: str, delimiter: str, skip_invalid: bool, allow_empty: bool = False) -> Roster:
        taking_part, problems = self._taking_part()
        self._warn_unusable_emails(taking_part)
        problems += self._row_problems(taking_part)
        flagged = {i for problem in problems for i in problem.reasons}
        valid = [i for i in taking_part if i not in flagged] if flagged else taking_part
        problems += self._duplicates(valid)
        if problems and not skip_invalid:
            more = len(problems) - 1
            raise RosterError(problems[0].message + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))
        skipped = self._skip(problems)
        people = self._people([i for i in valid if i not in skipped] if skipped else valid)
        if not people and not allow_empty:
            why = "every row is left out" if self.present else "it has headings but no rows"
            raise RosterError(f"{self.path}: no people to pair ({why})")
        self.left_out.sort(key=lambda left: left.row)
        return Roster(self.path, people, self.left_out, encoding, delimiter, self.columns, self.warnings)

    def _taking_part(self) -> tuple[Sequence[int], list[RowProblem]]:
        """Who takes part by every opt-out and consent column; an answer that cannot be read is a problem."""
        out: dict[int, str] = {}
        unreadable: dict[int, tuple[str, Polarity]] = {}
        for heading, polarity, cells in self.consent:
            answers = each_unique(cells, fold)
            # A handful of distinct answers, read once each; then only the rows that say out or cannot be read.
            readings = {answer: read_answer(answer, polarity) for answer in set(answers)}
            if not (notable := {answer for answer, reading in readings.items() if reading is not Answer.IN}):
                continue
            reason = f"{polarity.reason} (column {heading!r})"
            for i in itertools.compress(self.present, map(notable.__contains__, picked(answers, self.present))):
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
            problems.append(RowProblem(
                "{n} with an unreadable opt-out answer",
                f"{self.path}, {rows}, column {heading!r}: cannot tell whether they take part ({understood(polarity)}"
                "); write yes or no, so that nobody who said no is paired",
                dict.fromkeys(group, f"cannot tell whether they take part (column {heading!r})")))
        return [i for i in self.present if i not in out] if out else self.present, problems

    def _warn_unusable_emails(self, records: Sequence[int]) -> None:
        """Rows whose email cell is not one plain address: nothing can be sent to it, and it must not be written
        where a mail merge or a calendar would take it for a list of recipients or a header."""
        if "email" not in self.raw:
            return
        # Rows whose address is certainly plain are passed over in C: only the others pass through Python.
        email = self.email
        doubtful = [i for i in itertools.compress(records, map(operator.not_, map(plain_address, picked(
            email, records)))) if email[i]]
        problems = {address: problem for address in {email[i] for i in doubtful}
                    if (problem := address_problem(address))}
        unusable: dict[str, list[int]] = defaultdict(list)
        for i in doubtful:
            if problem := problems.get(email[i]):
                unusable[problem].append(self.rows[i])
        for problem, rows in unusable.items():
            self.warnings.append(f"column {self.columns['email']!r}: in {rows_text(rows)} the email address {problem}, "
                                 "so no invitation or introduction can be sent to it; correct it in the roster (one "
                                 "plain address such as name@example.org)")

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

    def _row_problems(self, records: Sequence[int]) -> list[RowProblem]:
        problems = [self._blank("level", self.grade, records), self._blank("profession", self.profession, records)]
        problems += grade_problems(self, self.levels, records)
        return [problem for problem in problems if problem.reasons]

    def _blank(self, field: str, cells: list[str], records: Sequence[int]) -> RowProblem:
        heading, blank = self.columns[field], _blanks(cells, records)
        rows = rows_text([self.rows[i] for i in blank]) if blank else ""
        message, reason = f"{self.path}, column {heading!r}: the {field} is blank in {rows}", f"the {field} is blank"
        return RowProblem(f"{{n}} with a blank {field}", message,
                          dict.fromkeys(blank, f"{reason} (column {heading!r})"))

    def _duplicates(self, records: Sequence[int]) -> list[RowProblem]:
        # Without an id column the email is the id: checking both would report the same rows twice.  Check the ids
        # themselves then, for a blank email's row-number id can equal an email cell such as "3".
        emails = self.email_key if "id" in self.raw else self.ids
        checks = [("id", self.ids)] * ("id" in self.raw) + [("email", emails)] * ("email" in self.raw)
        problems = []
        for field, values in checks:
            if len(set(filled := list(filter(None, picked(values, records))))) == len(filled):
                continue
            # The repeated values first, then the records holding one: no list per record of a million.
            repeated = {value for value, count in Counter(filled).items() if count > 1}
            del filled
            groups: dict[str, list[int]] = defaultdict(list)
            for i in itertools.compress(records, map(repeated.__contains__, picked(values, records))):
                groups[values[i]].append(i)
            sets = [[self.rows[i] for i in group] for group in groups.values() if len(group) > 1]
            heading = self.columns[field]
            message = f"{self.path}: {rows_text(sets[0])} have the same {field} (column {heading!r})"
            if len(sets) > 1:
                message += "; so do " + "; ".join(rows_text(rows) for rows in sets[1:4])
                message += f" and {len(sets) - 4} more sets" if len(sets) > 4 else ""
            reasons = {i: f"same {field} as row {self.rows[group[0]]} (column {heading!r})"
                       for group in groups.values() for i in group[1:]}
            problems.append(RowProblem(f"{{n}} duplicate {field}{{s}}", message, reasons))
        return problems

    def _skip(self, problems: list[RowProblem]) -> set[int]:
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

    def _people(self, records: Sequence[int]) -> list[Person]:
        def pick(values: Sequence[Any]) -> Sequence[Any]:
            return values if len(records) == len(self.rows) else [values[i] for i in records]

        keys = pick(self.profession_key), pick(self.organisation_key), pick(self.site_key)
        shown = pick(self.profession), pick(self.organisation), pick(self.site)
        spelled = [map(commonest_spellings(s, fold).__getitem__, s) for s in shown]
        # map() over whole columns, in Person's field order, spares a million turns of a Python loop.
        with collector_paused():
            return list(map(Person, pick(self.ids), pick(self._names()), pick(self.email), pick(self.grade),
                            pick(self.level_of), *spelled, pick(self.rows), *keys))

    def _names(self) -> list[str]:
        if self._name_cells is None:
            if "name" in self.raw or not {"first_name", "last_name"} & self.raw.keys():
                self._name_cells = self.cells("name")
            else:
                self._name_cells = [f"{g} {f}".strip() for g, f in zip(
                    self.cells("first_name"), self.cells("last_name"), strict=True)]
        return self._name_cells


def _blanks(cells: list[str], records: Sequence[int]) -> list[int]:
    """The records whose cell is blank, looked for in C: of a million cells, few or none are blank."""
    if all(cells):
        return []
    return list(itertools.compress(records, map(operator.not_, picked(cells, records))))


def row_number_ids(roster: Roster) -> str | None:
    """A warning when some people's id is their row number (no id column or cell, no email), else None.

    Such ids name whoever sits in that row: next month's export sorted another way gives them someone else's
    history, and pairs repeat without a word.
    """
    # The email first: most people have one, and a million row numbers made text took a third of a second.
    rows = [p.row for p in roster.people if not p.email and p.id == str(p.row)]
    if not rows:
        return None
    where = f"column {roster.columns['id']!r} is blank" if "id" in roster.columns else "there is no id column"
    return (f"{rows_text(rows)}: {where} and no email, so the row number is the id the history keeps; a re-sorted "
            "export would give them other people's history. Name the id column with --id-column (or id under "
            "[columns] in the config)")

"""``peermatch check``: is a roster fit to pair, and what would keep ``pair`` from doing its best with it?

The roster is read exactly as ``pair`` reads it (same loader, configuration and exclusions) and nobody is paired.
:func:`check_roster` returns a :class:`CheckResult`; nothing is shown here.

*Fit* means ``pair`` would accept the roster.  Findings come in two kinds:

* errors: what makes ``pair`` refuse the roster row by row (a blank level or profession, an unknown grade, a repeated
  id or email).  ``pair`` stops at the first with a one-line message; ``check`` reads the roster a second time,
  leaving those rows out, to list every one of them at once.  A roster that cannot be read at all, or that misses a
  required column, raises the same :class:`~peermatch.errors.RosterError` or
  :class:`~peermatch.errors.RosterUnreadable` as ``pair``: there is nothing more to report.
* warnings: ``pair`` runs, but some people will get a weaker partner or none (a level where one profession is more
  than half, someone with no eligible partner at all), or the roster looks wrong (likely duplicate people, anything
  the loader itself warned about).

Messages name rows and ids, never names or emails, and say what to do next (:mod:`.check_findings`).  Without an
id of their own a person's id is "" in ``ids`` and ``left_out`` (null in the JSON).  The warnings come from
:mod:`.check_levels` (the shape of the roster's levels) and :mod:`.check_people` (people without a partner, short of
partners for the rounds, or there twice).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peermatch.errors import ColumnProblems, PeermatchError, RosterError
from peermatch.matching.check_findings import Finding
from peermatch.matching.check_levels import (
    LevelCount,
    crowded_warnings,
    ladder_warnings,
    largest_first,
    level_counts,
    majority_warnings,
)
from peermatch.matching.check_people import duplicate_warnings, partnerless_warnings, shortfall_warnings
from peermatch.matching.graph import Problem
from peermatch.matching.solve import ideal_pairs_possible
from peermatch.models import LeftOut, Roster
from peermatch.roster.cells import read_cells
from peermatch.roster.config import Config
from peermatch.roster.exclusions import read_exclusions
from peermatch.roster.reading import load_roster
from peermatch.text import rows_text, shown_id

# The loader's reasons for someone who takes no part by choice; every other reason is a row it would refuse.
_CHOSE_NOT_TO_TAKE_PART = ("opted out", "not taking part")
_ERROR_KINDS = (("the level is blank", "blank-level"), ("the profession is blank", "blank-profession"),
                ("unknown grade", "unknown-grade"), ("same id as", "duplicate-id"),
                ("same email as", "duplicate-email"), ("cannot tell whether they take part", "unreadable-opt-out"))
_FIX = {"unknown-grade": "roster or config"}  # every other row error is fixed in the roster
_ERROR_ADVICE = {
    "blank-level": "fill in their level",
    "blank-profession": "fill in their profession",
    "duplicate-id": "give each person their own id, or delete the repeated row",
    "duplicate-email": "delete the repeated row, or correct the email",
    "unreadable-opt-out": "write yes or no, so that nobody who said no is paired",
}
SHOWN_FIELDS = ("id", "name", "first_name", "last_name", "email", "level", "profession", "organisation", "site",
                "active")  # then any further opt-out columns: active_2, active_3...


@dataclass(frozen=True)
class CheckResult:
    path: Path
    encoding: str
    delimiter: str
    columns: dict[str, str]  # field -> the heading it was read from
    config: Path | None
    people: int  # taking part and fit to pair
    levels: list[LevelCount]  # junior first
    professions: dict[str, int]  # largest first
    ideal_pairs_possible: int
    max_level_gap: int
    left_out: list[LeftOut]  # opted out (and, with --skip-invalid, rows skipped); id "" when not their own
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    refusal: str | None = None  # the one-line error `pair` stops with, when it would refuse the roster
    group_size: int = 2

    @property
    def fit(self) -> bool:
        return not self.errors and self.refusal is None


def check_roster(path: Path, config: Config, *, columns: Mapping[str, str] | None = None, skip_invalid: bool = False,
                 exclude: Path | None = None, met: Iterable[tuple[str, str]] = (), sheet: str | None = None,
                 rounds: int | None = None) -> CheckResult:
    """Read ``path`` (and the ``exclude`` file) as ``pair`` would and report on them; see the module docstring.

    ``sheet`` names the sheet of a workbook roster (default: the first).

    ``met`` are the pairs the history says have met (and may not meet again), as ``pair`` reads them.
    With ``rounds``, anyone with fewer possible new partners than that is reported exactly as ``schedule`` reports
    them (the same count, people and checked fix).
    """
    refusal = None
    try:
        roster = load_roster(path, levels=config.levels, columns=columns, sheet=sheet, skip_invalid=skip_invalid)
    except ColumnProblems as problems:
        return _column_problems(path, config, problems, sheet)
    except RosterError as error:
        if skip_invalid:
            # `pair --skip-invalid` refuses a roster it leaves nobody in: list why each row was left out.
            if (nobody := _nobody_fit_to_pair(path, config, columns, sheet)) is None:
                raise
            roster, refusal = nobody, error.message
        else:
            roster, refusal = _read_past_problems(path, config, columns, error, sheet)
    excluded = read_exclusions(exclude, roster) if exclude else []
    own_ids = "id" in roster.columns
    all_left_out = [LeftOut(_left_out_id(entry, own_ids), entry.row, entry.reason) for entry in roster.left_out]
    left_out, errors = all_left_out, []
    warnings = [Finding("roster", message) for message in roster.warnings]
    if refusal is not None:
        # The second reading skipped rows `pair` would refuse: they are errors, not a "skipped" warning.
        left_out = [entry for entry in all_left_out if entry.reason.startswith(_CHOSE_NOT_TO_TAKE_PART)]
        skipped = [entry for entry in all_left_out if not entry.reason.startswith(_CHOSE_NOT_TO_TAKE_PART)]
        errors = _row_errors(path, skipped)
        warnings = [Finding("roster", m) for m in roster.warnings if not m.startswith("skipped ")]
    people, gap, size = roster.people, config.rules.max_level_gap, config.groups.size
    levels = level_counts(people, size)
    warnings += ladder_warnings(levels)
    warnings += majority_warnings(levels, gap) if size == 2 else crowded_warnings(levels, size)
    met = list(met)
    warnings += partnerless_warnings(people, gap, [*config.rules.exclude, *excluded, *met])
    if rounds:
        warnings += shortfall_warnings(people, config, [*config.rules.exclude, *excluded, *met], rounds)
    warnings += duplicate_warnings(roster)
    problem = Problem.from_people(people, config.weights, gap)
    professions = Counter(p.profession for p in people)
    return CheckResult(
        path=path, encoding=roster.encoding, delimiter=roster.delimiter, columns=dict(roster.columns),
        config=config.path, people=len(people), levels=levels, professions=dict(largest_first(professions)),
        ideal_pairs_possible=ideal_pairs_possible(problem) if size == 2 else sum(
            level.ideal_pairs_possible for level in levels),
        max_level_gap=gap, left_out=left_out, errors=errors, warnings=warnings, refusal=refusal, group_size=size)


def _column_problems(path: Path, config: Config, problems: ColumnProblems, sheet: str | None) -> CheckResult:
    """Headings ``pair`` cannot work with: every one of them, for no row can be read until they are fixed."""
    cells = read_cells(path, sheet)
    errors = [Finding("column", problem.message, fix=problem.fix) for problem in problems.problems]
    return CheckResult(path=path, encoding=cells.encoding, delimiter=cells.delimiter, columns={}, config=config.path,
                       people=0, levels=[], professions={}, ideal_pairs_possible=0,
                       max_level_gap=config.rules.max_level_gap, left_out=[], errors=errors,
                       refusal=problems.message)


def _read_past_problems(path: Path, config: Config, columns: Mapping[str, str] | None,
                        error: RosterError, sheet: str | None) -> tuple[Roster, str]:
    """The roster without the rows ``pair`` refuses, and pair's error; every refused row is in ``left_out``."""
    try:
        roster = load_roster(path, levels=config.levels, columns=columns, sheet=sheet, skip_invalid=True)
        return roster, error.message
    except RosterError:
        if (nobody := _nobody_fit_to_pair(path, config, columns, sheet)) is None:
            raise error from None
        return nobody, error.message


def _nobody_fit_to_pair(path: Path, config: Config, columns: Mapping[str, str] | None,
                        sheet: str | None) -> Roster | None:
    """The roster as ``pair --skip-invalid`` reads it when it leaves out every row: nobody, and why each row is out.

    The loader refuses such a roster outright ("no people to pair"), yet `check` should still list every row `pair`
    would refuse.  None when no row was refused (everyone opted out, or the file has headings and no rows): there is
    nothing to list beyond the loader's own error.
    """
    try:
        roster = load_roster(path, levels=config.levels, columns=columns, sheet=sheet, skip_invalid=True,
                             allow_empty=True)
    except PeermatchError:
        return None
    if roster.people or all(entry.reason.startswith(_CHOSE_NOT_TO_TAKE_PART) for entry in roster.left_out):
        return None
    return roster


def _left_out_id(entry: LeftOut, own_ids: bool) -> str:
    # The loader keeps no email for a left-out row: without an id column, every id is an email or a row number.
    return (shown_id(entry.id, entry.row) or "") if own_ids else ""


def _row_errors(path: Path, skipped: Sequence[LeftOut]) -> list[Finding]:
    """One error per reason the loader gave, naming every row it applies to."""
    by_reason: dict[str, list[LeftOut]] = defaultdict(list)
    for entry in skipped:
        by_reason[entry.reason].append(entry)
    errors = []
    for reason, entries in by_reason.items():
        kind = next((kind for start, kind in _ERROR_KINDS if reason.startswith(start)), "invalid-row")
        rows = tuple(sorted(entry.row for entry in entries))
        advice = f"; {_ERROR_ADVICE[kind]}" if kind in _ERROR_ADVICE else ""
        errors.append(Finding(kind, f"{path}, {rows_text(rows)}: {reason}{advice}", rows,
                              tuple(entry.id for entry in sorted(entries, key=lambda entry: entry.row)),
                              _FIX.get(kind, "roster")))
    return sorted(errors, key=lambda finding: finding.rows)


def shown_columns(columns: Mapping[str, str]) -> dict[str, str | None]:
    """Every field and the heading it was read from (None: no such column); first and last name only when used,
    and then in place of the name."""
    parts = "first_name" in columns or "last_name" in columns  # the name is made of them
    shown = {name: columns.get(name) for name in SHOWN_FIELDS
             if name in columns or name not in (("first_name", "last_name") if not parts else ("name",))}
    return shown | {name: heading for name, heading in columns.items() if name.startswith("active_")}


def check_dict(result: CheckResult) -> dict[str, Any]:
    """The documented JSON shape of ``peermatch check --format json``."""
    def finding(item: Finding) -> dict[str, Any]:
        return {"kind": item.kind, "message": item.message, "rows": list(item.rows),
                "ids": [own or None for own in item.ids], "fix": item.fix or None}

    return {
        "fit": result.fit,
        "error": result.refusal,
        "roster": {"path": str(result.path), "encoding": result.encoding, "delimiter": result.delimiter,
                   "columns": shown_columns(result.columns)},
        "config": None if result.config is None else str(result.config),
        "people": result.people,
        "left_out": [{"id": entry.id or None, "row": entry.row, "reason": entry.reason}
                     for entry in result.left_out],
        "levels": [_level_dict(level, result.group_size) for level in result.levels],
        "professions": result.professions,
        "ideal_pairs_possible": result.ideal_pairs_possible,
        "max_level_gap": result.max_level_gap,
        "errors": [finding(item) for item in result.errors],
        "warnings": [finding(item) for item in result.warnings],
    } | ({} if result.group_size == 2 else {"group_size": result.group_size})


def _level_dict(level: LevelCount, group_size: int) -> dict[str, Any]:
    shown = {"level": level.level, "scale": level.scale, "people": level.people, "professions": level.professions,
             "ideal_pairs_possible": level.ideal_pairs_possible}
    if group_size == 2:
        return shown | {"without_cross_profession_partner": level.without_cross_partner}
    return shown | {"groups": level.groups, "rounds_possible": level.rounds_possible,
                    "largest_profession_beyond_one_a_group": level.without_cross_partner}

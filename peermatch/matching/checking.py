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

Messages name rows and ids, never names or emails, and say what to do next.  Without an id of their own (no id
column, or a blank cell) a person's id is their email, or else their row number: such ids are left out of messages,
and are "" in ``ids`` and ``left_out`` (null in the JSON).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peermatch.errors import ColumnProblems, PeermatchError, RosterError
from peermatch.matching.graph import Problem
from peermatch.matching.group_bound import level_bound
from peermatch.matching.group_rounds import rounds_possible
from peermatch.matching.partners import partner_counts
from peermatch.matching.shortfalls import shortfall_message, shortfalls, suggest_fix
from peermatch.matching.solve import ideal_pairs_at_level, ideal_pairs_possible, solve
from peermatch.models import LeftOut, Person, Roster
from peermatch.roster.cells import read_cells
from peermatch.roster.config import Config, Weights
from peermatch.roster.exclusions import read_exclusions
from peermatch.roster.reading import load_roster
from peermatch.text import LISTED, fold, rows_text, shown_id

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
_SPACES = re.compile(r"\s+")
SHOWN_FIELDS = ("id", "name", "first_name", "last_name", "email", "level", "profession", "organisation", "site",
                "active")  # then any further opt-out columns: active_2, active_3...


@dataclass(frozen=True)
class Finding:
    """One error or warning: a kind scripts can test for, and a one-line message saying what to do next.

    ``ids[i]`` is the id of the person in ``rows[i]``, or "" when they have no id of their own to show.
    """

    kind: str
    message: str
    rows: tuple[int, ...] = ()
    ids: tuple[str, ...] = ()
    fix: str = ""  # where the fix goes: "roster", "config" or "roster or config" ("" for advice)


@dataclass(frozen=True)
class LevelCount:
    level: str
    scale: str
    people: int
    professions: dict[str, int]  # profession (as most of the roster spells it) -> people, largest first
    ideal_pairs_possible: int  # same-level pairs across professions this level can hold (ideal_pairs_at_level)
    without_cross_partner: int  # people of the largest profession left without a same-level partner from another
    # With groups of N (above 2): the level's groups (s // N), the ideal pairs they can hold (the grouping bound,
    # in ideal_pairs_possible), how many rounds it allows before two people meet again, and how many people of
    # the largest profession are beyond one a group (in without_cross_partner).
    groups: int = 0
    rounds_possible: int = 0


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
    warnings += _ladder_warnings(levels)
    warnings += _majority_warnings(levels, gap) if size == 2 else _crowded_warnings(levels, size)
    met = list(met)
    warnings += _partnerless_warnings(people, gap, [*config.rules.exclude, *excluded, *met])
    if rounds:
        warnings += _shortfall_warnings(people, config, [*config.rules.exclude, *excluded, *met], rounds)
    warnings += _duplicate_warnings(roster)
    problem = Problem.from_people(people, config.weights, gap)
    professions = Counter(p.profession for p in people)
    return CheckResult(
        path=path, encoding=roster.encoding, delimiter=roster.delimiter, columns=dict(roster.columns),
        config=config.path, people=len(people), levels=levels, professions=dict(_largest_first(professions)),
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


def level_counts(people: Sequence[Person], group_size: int = 2) -> list[LevelCount]:
    """People per level and profession, junior levels first; with ``group_size`` above 2, what groups can do."""
    by_level: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    labels: dict[tuple[str, int], str] = {}
    spelling: dict[str, str] = {}
    for p in people:
        key = (p.level.scale, p.level.step)
        by_level[key][p.profession_key] += 1
        labels[key] = p.level.label
        spelling[p.profession_key] = p.profession
    counts = []
    possible = rounds_possible(people, group_size) if group_size > 2 else {}
    for key in sorted(by_level):
        professions = by_level[key]
        s, m = sum(professions.values()), max(professions.values())
        shown = {spelling[k]: n for k, n in _largest_first(professions)}
        if group_size == 2:
            counts.append(LevelCount(level=labels[key], scale=key[0], people=s, professions=shown,
                                     ideal_pairs_possible=ideal_pairs_at_level(professions.values()),
                                     without_cross_partner=max(0, 2 * m - s)))
            continue
        groups = s // group_size
        counts.append(LevelCount(
            level=labels[key], scale=key[0], people=s, professions=shown,
            ideal_pairs_possible=level_bound(professions.values(), groups),
            without_cross_partner=max(0, m - groups) if groups else 0, groups=groups,
            rounds_possible=possible[labels[key]]))
    return counts



def _largest_first(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], fold(item[0]), item[0]))


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


def _ladder_warnings(levels: Sequence[LevelCount]) -> list[Finding]:
    ladders: dict[str, list[LevelCount]] = defaultdict(list)
    for level in levels:
        ladders[level.scale].append(level)
    if len(ladders) < 2:
        return []
    described = "; ".join(
        f"{scale}: {sum(level.people for level in group)} people ({', '.join(level.level for level in group)})"
        for scale, group in ladders.items())
    return [Finding("several-ladders", (
        f"the grades fall on {len(ladders)} ladders that cannot be compared ({described}), and `pair` never pairs "
        "people on different ladders; map each organisation's grades onto one ladder under [levels.map] in the "
        "config"), fix="config")]


def _majority_warnings(levels: Sequence[LevelCount], gap: int) -> list[Finding]:
    warnings = []
    for level in levels:
        if not level.without_cross_partner or level.people < 2:
            continue  # one person alone at a level is reported as having no partner, or pairs across levels
        profession, largest = next(iter(level.professions.items()))
        n = level.without_cross_partner
        nearby = ("at a neighbouring level, or with someone of their own profession" if gap else
                  "with someone of their own profession (adjacent levels are not allowed: --max-level-gap 0)")
        warnings.append(Finding("one-profession-majority", (
            f"level {level.level}: {largest} of the {level.people} people are of one profession ({profession}), so "
            f"{n} of them cannot have "
            f"a same-level partner from another profession; they will be paired {nearby}. To change that, add "
            f"people of other professions at {level.level}")))
    return warnings


def _crowded_warnings(levels: Sequence[LevelCount], size: int) -> list[Finding]:
    """A profession with more people at a level than the level has groups: some groups hold two of them."""
    warnings = []
    for level in levels:
        if not level.without_cross_partner:
            continue
        profession, largest = next(iter(level.professions.items()))
        groups = f"{level.groups} group{'s' * (level.groups != 1)} of {size}"
        warnings.append(Finding("one-profession-crowds-groups", (
            f"level {level.level}: {largest} of the {level.people} people are of one profession ({profession}), more "
            f"than its {groups}, so some groups hold two or more of them (at most {level.ideal_pairs_possible} "
            f"ideal pairs at {level.level}). To change that, add people of other professions at {level.level}, or "
            "choose a smaller --group-size")))
    return warnings


def without_partner(people: Sequence[Person], gap: int, exclude: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Id -> why nobody may be paired with them: "alone" within ``gap`` levels on their ladder, or "excluded"
    (everyone within reach is excluded or met); see :func:`peermatch.matching.partners.partner_counts`."""
    partners = partner_counts(Problem.from_people(people, Weights(), gap, exclude))
    return {p.id: why for i, p in enumerate(people) if (why := partners.why_none(i)) is not None}


def _shortfall_warnings(people: Sequence[Person], config: Config, exclude: Sequence[tuple[str, str]],
                        rounds: int) -> list[Finding]:
    """Who ``schedule --rounds`` would have sit out some rounds, by the same function and words."""
    problem = Problem.from_people(people, config.weights, config.rules.max_level_gap, exclude)
    short = shortfalls(people, problem, rounds)
    if not short:
        return []
    fix = suggest_fix(problem, people, rounds, short,
                      lambda wider: solve(wider, 0, odd="leave-out").groups)
    group = [s.person for s in short]
    return [Finding("short-of-partners", shortfall_message(short, rounds, fix, planned=True), _rows_of(group),
                    _ids_of(group))]


def _partnerless_warnings(people: Sequence[Person], gap: int, exclude: Iterable[tuple[str, str]]) -> list[Finding]:
    why = without_partner(people, gap, exclude)
    alone: dict[tuple[str, int], list[Person]] = defaultdict(list)
    excluded: dict[tuple[str, int], list[Person]] = defaultdict(list)
    for p in people:
        if p.id in why:
            (alone if why[p.id] == "alone" else excluded)[p.level.scale, p.level.step].append(p)
    warnings = []
    for _, group in sorted(alone.items()):
        label, count = group[0].level.label, _people(len(group))
        where = "at that level" if not gap else f"within {gap} level{'s' * (gap > 1)} of it on the same ladder"
        allow = "adjacent levels" if not gap else "levels further apart"
        warnings.append(Finding("no-eligible-partner", (
            f"{count} no eligible partner at level {label}: {who(group)}. Nobody else is {where}: allow {allow} "
            f"with `--max-level-gap {gap + 1}` (or max_level_gap in [rules]), or check their grades (and "
            "[levels.map] in the config)"), _rows_of(group), _ids_of(group)))
    for _, group in sorted(excluded.items()):
        label, count = group[0].level.label, _people(len(group))
        warnings.append(Finding("no-eligible-partner", (
            f"{count} no eligible partner at level {label}: {who(group)}. Everyone within reach is excluded or "
            "has already met them: review the exclusions (the --exclude file and [rules] exclude in the config), "
            "or let people meet again after a while with avoid_repeats_within in [history]"),
            _rows_of(group), _ids_of(group)))
    return warnings


def _duplicate_warnings(roster: Roster) -> list[Finding]:
    """The same person twice under two ids: the loader only catches a repeated id or an email equal but for case."""
    warnings = []
    by_name: dict[str, list[Person]] = defaultdict(list)
    by_email: dict[str, list[Person]] = defaultdict(list)
    for p in roster.people:
        if p.name.strip():
            by_name[fold(p.name)].append(p)
        if p.email.strip():
            by_email[_SPACES.sub("", unicodedata.normalize("NFC", p.email).casefold())].append(p)
    parts = [roster.columns[part] for part in ("name", "first_name", "last_name") if part in roster.columns][:2]
    name_columns = f"column{'s' * (len(parts) > 1)} {' and '.join(map(repr, parts))}"
    for group in (group for group in by_name.values() if len(group) > 1):
        emails = {fold(p.email) for p in group if p.email}
        differ = "different emails" if len(emails) > 1 else "different ids"
        warnings.append(Finding("likely-duplicate", (
            f"{rows_text(_rows_of(group))}{_their_ids(group)} have the same name ({name_columns}) "
            f"but {differ}: the same person twice? Delete the extra row, or ignore this "
            "if they are different people"), _rows_of(group), _ids_of(group)))
    for group in (group for group in by_email.values() if len(group) > 1):
        warnings.append(Finding("likely-duplicate", (
            f"{rows_text(_rows_of(group))}{_their_ids(group)} have emails that differ only in spaces "
            f"(column {roster.columns.get('email', 'email')!r}): the same person twice? Delete the extra row, or "
            "correct the email"), _rows_of(group), _ids_of(group)))
    return sorted(warnings, key=lambda finding: finding.rows)


def _people(n: int) -> str:
    return "1 person has" if n == 1 else f"{n} people have"


def _rows_of(group: Sequence[Person]) -> tuple[int, ...]:
    return tuple(sorted(p.row for p in group))


def _ids_of(group: Sequence[Person]) -> tuple[str, ...]:
    return tuple(_own_id(p) for p in sorted(group, key=lambda p: p.row))


def _own_id(person: Person) -> str:
    return shown_id(person.id, person.row, person.email) or ""


def who(group: Sequence[Person]) -> str:
    """People by row, and by id when they have one of their own; never by name or email:
    'id NT0311 (row 2), row 3' (the person in row 3 has no id column, or a blank cell in it)."""
    ordered = sorted(group, key=lambda p: p.row)
    shown = [f"id {own} (row {p.row})" if (own := _own_id(p)) else f"row {p.row}" for p in ordered[:LISTED]]
    more = f" and {len(ordered) - LISTED} more" if len(ordered) > LISTED else ""
    return ", ".join(shown) + more


def _their_ids(group: Sequence[Person]) -> str:
    """After the rows of ``group``: ' (id NT0311, id NT0318)', only the ids there are, or nothing."""
    ordered = sorted(group, key=lambda p: p.row)[:LISTED]
    if all(own_ids := [_own_id(p) for p in ordered]):
        return f" ({', '.join(f'id {own}' for own in own_ids)})"
    some = [f"id {own} in row {p.row}" for p, own in zip(ordered, own_ids, strict=True) if own]
    return f" ({', '.join(some)})" if some else ""


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

"""``check``'s warnings about people: nobody to pair them with, fewer possible partners than rounds, or the
same person twice.  Each names rows and ids (:mod:`.check_findings`), never names or emails.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from peermatch.matching.check_findings import Finding, ids_of, people_have, rows_of, their_ids, who
from peermatch.matching.graph import Problem
from peermatch.matching.partners import partner_counts
from peermatch.matching.shortfalls import shortfall_message, shortfalls, suggest_fix
from peermatch.models import Person, Roster
from peermatch.roster.config import Config, Weights
from peermatch.text import fold, rows_text

_SPACES = re.compile(r"\s+")


def without_partner(people: Sequence[Person], gap: int, exclude: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Id -> why nobody may be paired with them: "alone" within ``gap`` levels on their ladder, or "excluded"
    (everyone within reach is excluded or met); see :func:`peermatch.matching.partners.partner_counts`."""
    partners = partner_counts(Problem.from_people(people, Weights(), gap, exclude))
    return {p.id: why for i, p in enumerate(people) if (why := partners.why_none(i)) is not None}


def shortfall_warnings(people: Sequence[Person], config: Config, exclude: Sequence[tuple[str, str]],
                        rounds: int) -> list[Finding]:
    """Who ``schedule --rounds`` would have sit out some rounds, by the same function and words."""
    problem = Problem.from_people(people, config.weights, config.rules.max_level_gap, exclude)
    short = shortfalls(people, problem, rounds)
    if not short:
        return []
    fix = suggest_fix(problem, people, rounds, short)
    group = [s.person for s in short]
    return [Finding("short-of-partners", shortfall_message(short, rounds, fix, planned=True), rows_of(group),
                    ids_of(group))]


def partnerless_warnings(people: Sequence[Person], gap: int, exclude: Iterable[tuple[str, str]]) -> list[Finding]:
    why = without_partner(people, gap, exclude)
    alone: dict[tuple[str, int], list[Person]] = defaultdict(list)
    excluded: dict[tuple[str, int], list[Person]] = defaultdict(list)
    for p in people:
        if p.id in why:
            (alone if why[p.id] == "alone" else excluded)[p.level.scale, p.level.step].append(p)
    warnings = []
    for _, group in sorted(alone.items()):
        label, count = group[0].level.label, people_have(len(group))
        where = "at that level" if not gap else f"within {gap} level{'s' * (gap > 1)} of it on the same ladder"
        allow = "adjacent levels" if not gap else "levels further apart"
        warnings.append(Finding("no-eligible-partner", (
            f"{count} no eligible partner at level {label}: {who(group)}. Nobody else is {where}: allow {allow} "
            f"with `--max-level-gap {gap + 1}` (or max_level_gap in [rules]), or check their grades (and "
            "[levels.map] in the config)"), rows_of(group), ids_of(group)))
    for _, group in sorted(excluded.items()):
        label, count = group[0].level.label, people_have(len(group))
        warnings.append(Finding("no-eligible-partner", (
            f"{count} no eligible partner at level {label}: {who(group)}. Everyone within reach is excluded or "
            "has already met them: review the exclusions (the --exclude file and [rules] exclude in the config), "
            "or let people meet again after a while with avoid_repeats_within in [history]"),
            rows_of(group), ids_of(group)))
    return warnings


def duplicate_warnings(roster: Roster) -> list[Finding]:
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
            f"{rows_text(rows_of(group))}{their_ids(group)} have the same name ({name_columns}) "
            f"but {differ}: the same person twice? Delete the extra row, or ignore this "
            "if they are different people"), rows_of(group), ids_of(group)))
    for group in (group for group in by_email.values() if len(group) > 1):
        warnings.append(Finding("likely-duplicate", (
            f"{rows_text(rows_of(group))}{their_ids(group)} have emails that differ only in spaces "
            f"(column {roster.columns.get('email', 'email')!r}): the same person twice? Delete the extra row, or "
            "correct the email"), rows_of(group), ids_of(group)))
    return sorted(warnings, key=lambda finding: finding.rows)

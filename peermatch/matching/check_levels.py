"""``check``'s count of people per level and profession, and the warnings the shape of the roster gives.

A level where one profession is more than half (some of them cannot have an ideal partner), grades on ladders
that cannot be compared, and with groups of more than two, a profession with more people at a level than it has
groups.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from peermatch.matching.check_findings import Finding
from peermatch.matching.group_bound import level_bound
from peermatch.matching.group_rounds import rounds_possible
from peermatch.matching.solve import ideal_pairs_at_level
from peermatch.models import Person
from peermatch.text import fold


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
        shown = {spelling[k]: n for k, n in largest_first(professions)}
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



def largest_first(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], fold(item[0]), item[0]))


def ladder_warnings(levels: Sequence[LevelCount]) -> list[Finding]:
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


def majority_warnings(levels: Sequence[LevelCount], gap: int) -> list[Finding]:
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


def crowded_warnings(levels: Sequence[LevelCount], size: int) -> list[Finding]:
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

"""Groups of 3 to 8 at the same level with every profession spread: one round.

Contract of :func:`form_groups`: given the people taking part, a group size N and the rules, return a
:class:`Grouping` that passes :func:`is_valid_grouping` (everyone at most once, groups of N or N+1 members, or
exactly N when the remainder is left out; no two members excluded from meeting or already met; no two members
more than ``max_level_gap`` levels apart) and that is the same for the same input and seed.  In order, it
places everyone it can; keeps each level in groups of its own, a group spanning adjacent levels only where a
level cannot fill its groups; spreads professions as evenly as possible (the most *ideal pairs*: same level,
different professions, inside a group); then organisations; then sites (the pair score of
:meth:`~peermatch.matching.graph.Problem.score`).  It reports the ideal pairs against
:func:`~peermatch.matching.group_bound.level_bound` summed over levels.

How:

1. Per level of ``s`` people, ``k = s // N`` groups; the remainder joins ``s % N`` of them (``grow``) or sits
   out (``leave-out``, those who sat out least often first).  A level whose remainder exceeds its groups keeps
   ``k`` groups of N+1 and lets the rest join the people of adjacent levels.
2. The deal: the level sorted by profession (then organisation and site) and dealt round the ``k`` groups like
   cards.  Each profession is a run of consecutive cards, so it lands evenly on the groups, every profession
   at once: with nothing excluded and nobody met before, the deal reaches the bound.
3. Where the deal puts two people together who may not meet, tabu search with swaps and moves between groups of
   the level (:class:`~peermatch.matching.group_search.RoundSearch`), then a short hill climb on the score.

Complexity: O(s log s) per level for the deal, plus O(N) per swap the search evaluates; the search only starts
from people who share a group with someone they may not meet or could do better, so a roster of 100,000 with
nothing excluded costs a sort and a pass.

References: Dotú and Van Hentenryck, "Scheduling social golfers locally" (CPAIOR 2005); Lai and Hao,
"Iterated maxima search for the maximally diverse grouping problem" (EJOR 2016).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from peermatch.matching.graph import Problem
from peermatch.matching.group_bound import level_bound, profile_bound, scattered_bound
from peermatch.matching.group_search import RoundSearch
from peermatch.matching.solve import is_valid_pairing
from peermatch.models import Person
from peermatch.roster.config import Weights

GROUP_SIZES = range(3, 9)  # groups of two are pairs: peermatch.matching.pairing.pair
ODD_GROUP_POLICIES = ("grow", "leave-out")
Level = tuple[int, int]  # scale, step
EXPLORE_LIMIT = 120  # up to this many people, tabu search runs its full course even with nothing to repair


@dataclass(frozen=True)
class GroupStats:
    """Counts over the pairs inside the groups of a round."""

    people: int  # taking part in the round
    placed: int
    groups: int
    larger_groups: int  # groups of N+1
    mixed_level_groups: int
    pairs: int
    pairs_same_level: int
    pairs_cross_profession: int
    pairs_cross_organisation: int
    pairs_same_site: int
    score: int  # sum of the pair scores inside the groups
    search_steps: int  # swaps and moves the local search made


@dataclass(frozen=True)
class Grouping:
    """One round of groups, as ids: what :func:`form_groups` returns."""

    groups: list[tuple[str, ...]]  # most senior level first; members in roster order
    unmatched: dict[str, str]  # id -> why they are in no group (rows and levels only, never names)
    ideal_pairs: int  # pairs inside groups at the same level across professions
    bound: int  # no grouping of these people by level can hold more ideal pairs
    stats: GroupStats
    size: int
    odd: str
    seed: int


@dataclass
class RoundPlan:
    """One round on the integer codes of a :class:`~peermatch.matching.graph.Problem`."""

    groups: list[list[int]]
    unmatched: dict[int, str]
    bound: int
    steps: int
    dealt: list[list[int]] = field(default_factory=list)  # the groups before the search; see group_rounds._grids


def check_size(size: int, odd: str) -> None:
    if size not in GROUP_SIZES:
        raise ValueError(f"group size must be {GROUP_SIZES.start} to {GROUP_SIZES.stop - 1} (groups of 2 are pairs)")
    if odd not in ODD_GROUP_POLICIES:
        raise ValueError(f"odd must be one of {ODD_GROUP_POLICIES}")


def is_valid_grouping(problem: Problem, groups: Iterable[Sequence[int]], size: int, odd: str = "grow") -> bool:
    """True when nobody is in two groups, every group has N or N+1 members (N under ``leave-out``), and every
    two members may meet: levels comparable and at most ``max_gap`` apart, not excluded, not met before."""
    largest = size if odd == "leave-out" else size + 1
    groups = list(groups)
    return all(size <= len(group) <= largest for group in groups) and is_valid_pairing(problem, groups)


def form_groups(
    people: Sequence[Person],
    size: int,
    *,
    odd: str = "grow",
    max_level_gap: int = 1,
    exclusions: Iterable[tuple[str, str]] = (),
    met: Iterable[tuple[str, str]] = (),
    seed: int = 0,
    weights: Weights | None = None,
    sat_out: Mapping[str, int] | None = None,
) -> Grouping:
    """Groups of ``size`` (3-8) for one round; see the module docstring for the contract.

    ``exclusions`` and ``met`` are pairs of ids who never share a group.  ``sat_out`` counts the rounds each
    id already sat out, so that under ``leave-out`` the remainder rotates.
    """
    check_size(size, odd)
    problem = Problem.from_people(people, weights or Weights(), max_level_gap, [*exclusions, *met])
    index = {p.id: i for i, p in enumerate(people)}
    rested = Counter({index[k]: v for k, v in (sat_out or {}).items() if k in index})
    plan = plan_round(problem, range(problem.n), size, odd, random.Random(seed), rested)
    ids = [p.id for p in people]
    return Grouping(
        groups=[tuple(ids[i] for i in group) for group in plan.groups],
        unmatched={ids[i]: plan.unmatched[i] for i in sorted(plan.unmatched)},
        ideal_pairs=ideal_pairs(problem, plan.groups),
        bound=plan.bound,
        stats=round_stats(problem, plan, problem.n, size),
        size=size,
        odd=odd,
        seed=seed,
    )


def plan_round(problem: Problem, eligible: Iterable[int], size: int, odd: str, rng: random.Random,
               sat_out: Mapping[int, int], start: Mapping[Level, list[list[int]]] | None = None) -> RoundPlan:
    """One round over the people ``eligible`` (indices into ``problem``).

    ``start`` may give, per level, the groups to start the search from instead of the deal (a schedule's
    later rounds); each must hold the people the deal would place for that level.
    """
    deal = _Deal(problem, eligible, size, odd, rng, sat_out)
    for level, groups in (start or {}).items():
        mine = deal.level_groups.get(level, [])
        if (sorted(map(len, groups)) == sorted(len(deal.groups[g]) for g in mine)
                and sorted(i for g in groups for i in g) == sorted(i for g in mine for i in deal.groups[g])):
            for g, members in zip(mine, groups, strict=True):
                deal.groups[g] = list(members)
    deal.seat_leftovers()
    dealt = [list(g) for g in deal.groups]
    groups, left, steps = _search(deal, deal.groups, rng)
    if left:
        # The search could not seat everyone apart from whom they may not meet: take them out, then search
        # again with them on the bench, as the groups that remain may be better with others in them.
        deal.drop_conflicts(groups)
        groups, _, more = _search(deal, groups, rng)
        steps += more
    levels = deal.realized_bound(groups)
    order = sorted((g for g in range(len(groups)) if groups[g]),
                   key=lambda g: (problem.scale[groups[g][0]], -problem.step[groups[g][0]], sorted(groups[g])))
    return RoundPlan(groups=[sorted(groups[g]) for g in order], unmatched=deal.unmatched, bound=levels,
                     steps=steps, dealt=dealt)


def _search(deal: _Deal, groups: list[list[int]], rng: random.Random) -> tuple[list[list[int]], int, int]:
    """Repair and polish ``groups``: the groups, the conflicts left and the steps made.

    Whoever the search swaps out of a group takes the reason of whoever it swapped in.
    """
    search = RoundSearch(deal.problem, groups, deal.size + 1, bench=sorted(deal.unmatched))
    # Tabu search past the last conflict only pays where the deal had to give way: small rounds with
    # conflicts or people in no group.
    bad = search.conflicted()
    small = len(search.level) <= EXPLORE_LIMIT and bool(search.bench or bad)
    explore = min(200, 4 * len(search.level)) if small else 0
    left = search.repair(rng, steps=explore + 200 + 20 * len(bad), explore=small, bad=bad)
    steps = search.polish(rng, steps=min(max(50, 2 * len(groups)), 1_000))
    freed = [deal.unmatched.pop(i) for i in sorted(deal.unmatched) if i not in search.bench]
    for i, reason in zip(sorted(search.bench - set(deal.unmatched)), freed, strict=True):
        deal.unmatched[i] = reason
    return search.groups, left, steps


class _Deal:
    """Step 1 and 2 of the module docstring: who is in which level's groups, dealt by profession."""

    def __init__(self, problem: Problem, eligible: Iterable[int], size: int, odd: str, rng: random.Random,
                 sat_out: Mapping[int, int]) -> None:
        self.problem, self.size, self.odd = problem, size, odd
        self.groups: list[list[int]] = []
        self.level_groups: dict[Level, list[int]] = {}
        self.unmatched: dict[int, str] = {}
        self.intended: dict[Level, int] = {}
        self.spilled: dict[Level, Counter[int]] = defaultdict(Counter)
        self.surplus: set[int] = set()  # left over by a level that fills its groups, under leave-out
        people = sorted(set(eligible))
        rng.shuffle(people)
        rank = {i: r for r, i in enumerate(people)}
        self.rank = rank
        by_level: dict[Level, list[int]] = defaultdict(list)
        for i in people:
            by_level[problem.scale[i], problem.step[i]].append(i)
        spill: list[int] = []
        for level in sorted(by_level):
            kept, out, rest = self._split(by_level[level], sat_out)
            spill += rest + out
            self.surplus.update(out)
            if kept:
                k = len(kept) // size
                counts = Counter(problem.prof[i] for i in kept)
                dealt = sorted(kept, key=lambda i: (-counts[problem.prof[i]], problem.prof[i], problem.org[i],
                                                    problem.site[i], rank[i]))
                first = len(self.groups)
                self.groups += [dealt[g::k] for g in range(k)]
                self.level_groups[level] = list(range(first, first + k))
                self.intended[level] = level_bound(counts.values(), k)
        self.leftovers = self._spill_groups(sorted(spill, key=lambda i: (problem.scale[i], problem.step[i], rank[i])))

    def _split(self, members: list[int], sat_out: Mapping[int, int]) -> tuple[list[int], list[int], list[int]]:
        """The level's people in groups of its own, those left out, and those who join other levels."""
        s, n = len(members), self.size
        k, r = divmod(s, n)
        if k == 0:
            return [], [], members
        if self.odd == "leave-out":
            out = self._take(members, r, key=lambda i: sat_out.get(i, 0))
            return [i for i in members if i not in out], sorted(out, key=self.rank.__getitem__), []
        if r <= k:
            return members, [], []
        rest = self._take(members, s - k * (n + 1), key=lambda i: 0)
        return [i for i in members if i not in rest], [], [i for i in members if i in rest]

    def _take(self, members: list[int], many: int, key: object) -> set[int]:
        """``many`` people, by ``key`` first and then from the largest profession (which costs fewest ideal pairs)."""
        prof = self.problem.prof
        counts = Counter(prof[i] for i in members)
        taken: set[int] = set()
        for _ in range(many):
            pick = min((i for i in members if i not in taken),
                       key=lambda i: (key(i), -counts[prof[i]], self.rank[i]))  # type: ignore[operator]
            taken.add(pick)
            counts[prof[pick]] -= 1
        return taken

    def _spill_groups(self, pool: list[int]) -> list[int]:
        """Groups of N from people of levels that cannot fill their own, each within ``max_gap`` levels."""
        p, n = self.problem, self.size
        left: list[int] = []
        while pool:
            first = pool[0]
            reach = [i for i in pool if p.scale[i] == p.scale[first] and p.step[i] - p.step[first] <= p.max_gap]
            group = [first]
            for _ in range(n - 1):
                fits = [i for i in reach if i not in group and all(p.allowed(i, j) for j in group)]
                if not fits:
                    break
                group.append(max(fits, key=lambda i: (_added(p, i, group), -self.rank[i])))
            if len(group) < n:
                left.append(first)
                pool.remove(first)
                continue
            for i in group:
                pool.remove(i)
                self.spilled[p.scale[i], p.step[i]][p.prof[i]] += 1
            self.groups.append(group)
        return left

    def seat_leftovers(self) -> None:
        """Under ``grow``, each person left over joins the group of N within reach where they add the most;
        under ``leave-out`` they sit this round out."""
        for i in self.leftovers:
            self._seat(i, f"left out of this round to keep groups at {self.size}" if i in self.surplus
                       else "too few people within reach of their level to make a group")

    def _seat(self, i: int, reason: str) -> None:
        p, n = self.problem, self.size
        if self.odd == "grow":
            open_ = [g for g, members in enumerate(self.groups)
                     if len(members) == n and all(p.allowed(i, j) for j in members)]
            if open_:
                best = max(open_, key=lambda g: (_added(p, i, self.groups[g]), -g))
                self.groups[best].append(i)
                self.spilled[p.scale[i], p.step[i]][p.prof[i]] += 1
                return
            if any(len(members) == n and all(p.gap(i, j) is not None and p.gap(i, j) <= p.max_gap  # type: ignore[operator]
                                             for j in members) for members in self.groups):
                reason = "every group within reach holds someone they already met or may not meet"
            elif any(len(m) == n + 1 for m in self.groups):
                reason = f"every group within reach of their level already has {n + 1} members"
        self.unmatched[i] = reason + (" (--odd leave-out)" if self.odd == "leave-out" else "")

    def drop_conflicts(self, groups: list[list[int]]) -> None:
        """Take out whoever still shares a group with someone they may not meet; complete short groups from
        those in no group, or disband them."""
        p = self.problem
        self.groups = groups
        for members in groups:
            while True:
                clash = {i: sum(j in p.forbidden.get(i, ()) for j in members) for i in members}
                worst = max(members, key=lambda i: (clash[i], -self.rank[i]), default=None)
                if worst is None or clash[worst] == 0:
                    break
                members.remove(worst)
                self.unmatched[worst] = "every group they could join holds someone they already met or may not meet"
        for g, members in enumerate(groups):
            if 0 < len(members) < self.size:
                rebuilt = self._rebuild(members)
                if rebuilt:
                    for i in members:
                        self.unmatched.setdefault(i, "every group they could join holds someone they already met "
                                                     "or may not meet")
                    for i in rebuilt:
                        self.unmatched.pop(i, None)
                    groups[g] = members = rebuilt
            if 0 < len(members) < self.size:
                groups[g] = []
                for i in members:
                    self._seat(i, "their group could not be completed without a repeat or an exclusion")

    def _rebuild(self, members: list[int]) -> list[int]:
        """A group of N from ``members`` and people in no group within reach of them, built greedily from each
        of them in turn; empty if none can be built."""
        p = self.problem
        pool = sorted({*members, *(i for i in self.unmatched
                                   if all(p.gap(i, j) is not None and p.gap(i, j) <= p.max_gap  # type: ignore[operator]
                                          for j in members))}, key=self.rank.__getitem__)
        for seed in pool:
            group = [seed]
            while len(group) < self.size:
                fits = [i for i in pool if i not in group and all(p.allowed(i, j) for j in group)]
                if not fits:
                    break
                group.append(max(fits, key=lambda i: (_added(p, i, group), -self.rank[i])))
            if len(group) == self.size:
                return group
        return []

    def realized_bound(self, groups: list[list[int]]) -> int:
        """The bound per level: the larger of the one for the deal and the one for the groups it ended with.

        A level's people sit in the level's own groups (:func:`level_bound` or, for sizes the search left
        uneven, :func:`profile_bound`) or scattered in groups of other levels (:func:`scattered_bound`).  Swaps
        change which people those are, and taking someone out changes the sizes, so the bound for the groups as
        they ended is computed too: no grouping with the level's groups as they are holds more ideal pairs.
        """
        p = self.problem
        levels = set(self.level_groups) | set(self.spilled)
        owner = {g: level for level, gs in self.level_groups.items() for g in gs}
        own: dict[Level, list[list[int]]] = {level: [[] for _ in gs] for level, gs in self.level_groups.items()}
        slot = {g: k for gs in self.level_groups.values() for k, g in enumerate(gs)}
        scattered: dict[Level, Counter[int]] = defaultdict(Counter)
        for g, members in enumerate(groups):
            for i in members:
                level = (p.scale[i], p.step[i])
                levels.add(level)
                if owner.get(g) == level:
                    own[level][slot[g]].append(p.prof[i])
                else:
                    scattered[level][p.prof[i]] += 1
        total = 0
        for level in levels:
            largest = self.size + 1
            planned = self.intended.get(level, 0) + scattered_bound(self.spilled[level].values(), largest)
            mine = own.get(level, [])
            ended = profile_bound(Counter(c for g in mine for c in g).values(), map(len, mine))
            total += max(planned, ended + scattered_bound(scattered[level].values(), largest))
        return total


def _added(p: Problem, i: int, group: Sequence[int]) -> tuple[int, int, int]:
    """What ``i`` adds to ``group``, tier by tier: ideal pairs, pairs across professions, score."""
    return (sum(p.is_ideal(i, j) for j in group), sum(p.prof[i] != p.prof[j] for j in group),
            sum(p.score(i, j) for j in group))


def ideal_pairs(problem: Problem, groups: Iterable[Sequence[int]]) -> int:
    """Pairs inside the groups at the same level across professions."""
    return sum(problem.is_ideal(i, j) for group in groups for k, i in enumerate(group) for j in group[k + 1:])


def round_stats(problem: Problem, plan: RoundPlan, people: int, size: int) -> GroupStats:
    p = problem
    pairs = [(i, j) for group in plan.groups for k, i in enumerate(group) for j in group[k + 1:]]
    return GroupStats(
        people=people,
        placed=sum(map(len, plan.groups)),
        groups=len(plan.groups),
        larger_groups=sum(len(g) > size for g in plan.groups),
        mixed_level_groups=sum(len({p.step[i] for i in g}) > 1 for g in plan.groups),
        pairs=len(pairs),
        pairs_same_level=sum(p.step[i] == p.step[j] for i, j in pairs),
        pairs_cross_profession=sum(p.prof[i] != p.prof[j] for i, j in pairs),
        pairs_cross_organisation=sum(p.org[i] != p.org[j] and p.org[i] >= 0 and p.org[j] >= 0 for i, j in pairs),
        pairs_same_site=sum(p.site[i] == p.site[j] and p.site[i] >= 0 for i, j in pairs),
        score=sum(p.score(i, j) for i, j in pairs),
        search_steps=plan.steps,
    )

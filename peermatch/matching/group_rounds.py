"""Several rounds of groups with nobody meeting twice: the social golfer problem, with levels and professions.

Contract of :func:`plan_group_rounds`: every round passes
:func:`~peermatch.matching.groups.is_valid_grouping` with the pairs of the earlier rounds and the history
counted as met, so no two people share a group twice; each round is formed with the priorities of
:func:`~peermatch.matching.groups.form_groups` and reports its ideal pairs against its bound; who is in the
larger groups (``grow``) or sits out (``leave-out``) rotates; groups get table numbers.  Same input and seed,
same rounds.

Before planning, :func:`rounds_possible` says how many rounds each level can hold: a person meets N-1 new
people a round, so a level of ``s`` people allows at most ``(s - 1) // (N - 1)``.  Beyond that, people who
cannot be seated without meeting someone again sit the round out (or, with ``strict``, nothing is planned).

How: round 1 is the deal of :mod:`peermatch.matching.groups`.  Each level's groups as dealt (before the search
of round 1 swapped people for organisations and sites) become a grid, group ``a`` and seat ``b`` (seats are
dealt by profession, so a profession fills consecutive rows of one seat or two), and round ``t`` seats ``(a, b)``
in group ``a + m_t * b`` for a slope ``m_t`` (arithmetic modulo the number of groups ``k``, or in the finite
field GF(2^e) when ``k`` is a power of two).  Two people on different seats meet in the rounds whose slopes satisfy
``(m - m') * (b - b') = 0``; in a field that never happens twice, and modulo ``k`` only when ``k`` shares a factor
with a slope or seat difference, so for large levels the rounds start with no repeats at all and each profession
stays spread (the seats of a profession move together).  With ``k == N`` the seats themselves form one more
round.  This is the affine-plane construction of resolvable designs.  Repeats the construction leaves, and
exclusions or the history, are taken apart by the tabu search of each round; for small levels where a round
still leaves someone out, a tabu search over all rounds at once (Dotú and Van Hentenryck, "Scheduling social
golfers locally", CPAIOR 2005) swaps two people of one round at a time to remove the remaining repeats.
In levels of more than :data:`~peermatch.matching.group_search.LARGE_LEVEL` people the repeats are few and far
apart, and the tabu search of a round looks at a few dozen partners for each instead of hundreds.

Complexity: per round, the construction is linear in people and the search touches only conflicts, so R rounds
of a large roster cost about R times one round.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from peermatch.errors import Infeasible
from peermatch.matching.graph import Problem
from peermatch.matching.groups import GroupStats, RoundPlan, check_size, ideal_pairs, plan_round, round_stats
from peermatch.models import Person
from peermatch.roster.config import Weights

Level = tuple[int, int]
ROTATION_TRIES = 40
# Irreducible polynomials (bit i is the coefficient of x^i) that make GF(2^e) for the orders used.
_FIELD_POLYNOMIALS = {2: 0b11, 4: 0b111, 8: 0b1011, 16: 0b10011, 32: 0b100101, 64: 0b1000011}


@dataclass(frozen=True)
class GroupRound:
    number: int  # 1-based
    groups: list[tuple[str, ...]]
    tables: list[int]  # the table number of each group, 1-based
    unmatched: dict[str, str]
    ideal_pairs: int
    bound: int
    stats: GroupStats


@dataclass(frozen=True)
class GroupSchedule:
    rounds: list[GroupRound]
    rounds_possible: dict[str, int]  # level label -> most rounds without repeats that level allows
    size: int
    odd: str
    seed: int


def rounds_possible(people: Sequence[Person], size: int) -> dict[str, int]:
    """Per level (by its label): at most ``(s - 1) // (N - 1)`` rounds without anyone meeting twice."""
    counts = Counter(p.level for p in people)
    return {str(level): (s - 1) // (size - 1) for level, s in sorted(counts.items())}


def plan_group_rounds(
    people: Sequence[Person],
    size: int,
    rounds: int,
    *,
    odd: str = "grow",
    max_level_gap: int = 1,
    exclusions: Iterable[tuple[str, str]] = (),
    met: Iterable[tuple[str, str]] = (),
    seed: int = 0,
    weights: Weights | None = None,
    strict: bool = False,
) -> GroupSchedule:
    """``rounds`` rounds of groups of ``size``; see the module docstring for the contract.

    With ``strict``, raise :class:`~peermatch.errors.Infeasible` when a level of people who can fill a group
    cannot hold that many rounds without repeats, instead of letting people sit rounds out.
    """
    check_size(size, odd)
    possible = rounds_possible(people, size)
    short = {label: most for label, most in possible.items() if most < rounds and most > 0}
    if strict and short:
        listed = "; ".join(f"{label}: {most}" for label, most in short.items())
        raise Infeasible(f"with groups of {size}, some levels cannot hold {rounds} rounds without anyone meeting "
                         f"twice ({listed}). To fix it, plan fewer rounds, use smaller groups, or allow levels "
                         "further apart with --max-level-gap")
    base = Problem.from_people(people, weights or Weights(), max_level_gap, [*exclusions, *met])
    plans = _plan(base, size, odd, rounds, random.Random(seed))
    ids = [p.id for p in people]
    return GroupSchedule(
        rounds=[GroupRound(number=t + 1,
                           groups=[tuple(ids[i] for i in g) for g in plan.groups],
                           tables=list(range(1, len(plan.groups) + 1)),
                           unmatched={ids[i]: plan.unmatched[i] for i in sorted(plan.unmatched)},
                           ideal_pairs=ideal_pairs(base, plan.groups),
                           bound=plan.bound,
                           stats=round_stats(base, plan, base.n, size))
                for t, plan in enumerate(plans)],
        rounds_possible=possible,
        size=size,
        odd=odd,
        seed=seed,
    )


def _plan(base: Problem, size: int, odd: str, rounds: int, rng: random.Random) -> list[RoundPlan]:
    forbidden: dict[int, set[int]] = {i: set(js) for i, js in base.forbidden.items()}
    sat_out: Counter[int] = Counter()
    grown: Counter[int] = Counter()
    plans: list[RoundPlan] = []
    grids: dict[Level, list[list[int]]] = {}
    slopes: dict[Level, list[int]] = {}
    for t in range(rounds):
        problem = dataclasses.replace(base, forbidden=forbidden)
        start = {level: _affine_round(grid, slopes[level], forbidden) for level, grid in grids.items()}
        plan = plan_round(problem, range(base.n), size, odd, rng, sat_out, start=start)
        _rotate_larger(problem, plan.groups, size, grown)
        if t == 0:
            grids = _grids(base, plan.dealt, size)
            slopes = {level: [0] for level in grids}
        for i in plan.unmatched:
            sat_out[i] += 1
        for group in plan.groups:
            if len(group) > size:
                grown.update(group)
            for i, j in itertools.combinations(group, 2):
                forbidden.setdefault(i, set()).add(j)
                forbidden.setdefault(j, set()).add(i)
        plans.append(plan)
    _whole_schedule(base, plans, size, rng)
    return plans


def _grids(problem: Problem, groups: list[list[int]], size: int) -> dict[Level, list[list[int]]]:
    """Round one's groups of each level as dealt, as rows of seats: the grid later rounds are built from.

    Seats are in the order the deal gave them (by profession), so a profession keeps to a few seats and every
    rotation spreads it as the deal did.  Round one's groups after its search would not do: each swap for an
    organisation or a site puts a profession on another seat in one row, and the rotations then bring two of
    it together (about 0.6% of the ideal pairs lost a round on 10,000 people).
    """
    by_level: dict[Level, list[list[int]]] = defaultdict(list)
    for group in groups:
        levels = {(problem.scale[i], problem.step[i]) for i in group}
        if len(levels) == 1:
            by_level[levels.pop()].append(group)
    grids = {}
    for level, rows in by_level.items():
        counts = Counter(problem.prof[i] for row in rows for i in row)
        grids[level] = [sorted(row, key=lambda i: (-counts[problem.prof[i]], problem.prof[i], problem.org[i], i))
                        for row in rows]
    return grids


def _affine_round(grid: list[list[int]], used: list[int], forbidden: dict[int, set[int]]) -> list[list[int]]:
    """The grid's next round: the unused slope that repeats fewest pairs, seat ``(a, b)`` in group ``a + m b``."""
    k = len(grid)
    width = max(map(len, grid))
    options = [m for m in range(1, k) if m not in used]
    if k == width and all(len(row) == width for row in grid) and -1 not in used:
        options.insert(0, -1)  # the seats as groups
    if not options:
        return grid
    best: tuple[int, int, list[list[int]]] | None = None
    for m in options[:8]:
        groups = _slope(grid, m)
        repeats = _repeats(groups, forbidden, best[0] if best else None)
        if best is None or repeats < best[0]:
            best = (repeats, m, groups)
        if repeats == 0:
            break
    assert best is not None
    used.append(best[1])
    return best[2]


def _repeats(groups: list[list[int]], forbidden: dict[int, set[int]], enough: int | None) -> int:
    """Pairs in ``groups`` that may not meet, counted up to ``enough``: a slope that repeats as many as the best
    one so far is not taken, so counting further would not change the choice."""
    count = 0
    for g in groups:
        for k, i in enumerate(g):
            mine = forbidden.get(i)
            if mine:
                count += sum(j in mine for j in g[k + 1:])
        if enough is not None and count >= enough:
            break
    return count


def _slope(grid: list[list[int]], m: int) -> list[list[int]]:
    k = len(grid)
    if m == -1:
        return [[row[b] for row in grid] for b in range(k)]
    groups: list[list[int]] = [[] for _ in range(k)]
    field = _FIELD_POLYNOMIALS.get(k)
    for a, row in enumerate(grid):
        for b, person in enumerate(row):
            j = a ^ _gf_multiply(m, b, k, field) if field else (a + m * b) % k
            groups[j].append(person)
    return groups


def _gf_multiply(x: int, y: int, order: int, polynomial: int) -> int:
    """``x * y`` in GF(order), order a power of two, reduced by ``polynomial``; seats beyond the field wrap."""
    y %= order
    product = 0
    while y:
        if y & 1:
            product ^= x
        y >>= 1
        x <<= 1
        if x & order:
            x ^= polynomial
    return product


def _rotate_larger(problem: Problem, groups: list[list[int]], size: int, grown: Counter[int]) -> None:
    """Swap people who were often in a larger group with someone of their level who was less often, where the
    swap repeats nobody and loses no ideal pair."""
    if all(len(g) <= size for g in groups):
        return
    where = {i: g for g, members in enumerate(groups) for i in members}
    peers: dict[Level, list[int]] = defaultdict(list)
    for members in groups:
        if len(members) == size:
            for i in members:
                peers[problem.scale[i], problem.step[i]].append(i)

    def fits(i: int, g: int, leaving: int) -> bool:
        return all(problem.allowed(i, j) for j in groups[g] if j != leaving)

    def ideal(i: int, g: int, leaving: int) -> int:
        return sum(problem.is_ideal(i, j) for j in groups[g] if j not in (i, leaving))

    for g, members in enumerate(groups):
        if len(members) <= size:
            continue
        for x in sorted(members, key=lambda i: (-grown[i], i)):
            level = peers[problem.scale[x], problem.step[x]]
            # The few least often in a larger group; a long search for a fit costs more than it rotates.
            for y in heapq.nsmallest(ROTATION_TRIES, level, key=lambda i: (grown[i], i)):
                if grown[y] >= grown[x]:
                    break
                h = where[y]
                if not (fits(y, g, x) and fits(x, h, y)):
                    continue
                if ideal(y, g, x) + ideal(x, h, y) < ideal(x, g, x) + ideal(y, h, y):
                    continue
                members[members.index(x)] = y
                groups[h][groups[h].index(y)] = x
                where[x], where[y] = h, g
                level[level.index(y)] = x
                break
    for members in groups:
        members.sort()


GOLFER_LIMIT = 64  # levels up to this size get the search over all rounds when a round leaves someone out
GOLFER_STEPS = 1_500


def _whole_schedule(base: Problem, plans: list[RoundPlan], size: int, rng: random.Random) -> None:
    """For each small level a round left people of, search all rounds at once; keep the result if no repeats."""
    levels: dict[Level, list[int]] = defaultdict(list)
    for i in range(base.n):
        levels[base.scale[i], base.step[i]].append(i)
    for members in levels.values():
        everyone = set(members)
        if not size <= len(members) <= GOLFER_LIMIT:
            continue
        rounds = [[g for g in plan.groups if everyone.intersection(g)] for plan in plans]
        if all(sum(map(len, gs)) == len(members) for gs in rounds):
            continue
        first = rounds[0]
        if sum(map(len, first)) != len(members) or any(not everyone.issuperset(g) for gs in rounds for g in gs):
            continue  # the level shares groups with another: its rounds are not its own to rearrange
        sizes = sorted(map(len, first))
        start = [gs if sorted(map(len, gs)) == sizes and all(everyone.issuperset(g) for g in gs)
                 else _shuffled(members, sizes, rng) for gs in rounds]
        found = golfer_search(base, start, rng, GOLFER_STEPS)
        if found is None:
            continue
        for plan, old, new in zip(plans, rounds, found, strict=True):
            plan.groups = [g for g in plan.groups if g not in old] + [sorted(g) for g in new]
            for i in members:
                plan.unmatched.pop(i, None)
            plan.groups.sort(key=lambda g: (base.scale[g[0]], -base.step[g[0]], g))


def _shuffled(members: list[int], sizes: list[int], rng: random.Random) -> list[list[int]]:
    order = list(members)
    rng.shuffle(order)
    cuts = list(itertools.accumulate(sizes))
    return [order[a:b] for a, b in zip([0, *cuts], cuts, strict=False)]


def golfer_search(problem: Problem, rounds: list[list[list[int]]], rng: random.Random,
                  steps: int) -> list[list[list[int]]] | None:
    """Tabu search over whole schedules (Dotú and Van Hentenryck 2005): swap two people of one round, between
    groups, to remove meetings beyond the first; pairs that may never meet count as met once already.

    Each step makes the best swap for someone in a repeat that is not tabu (the two may not move again in that
    round for a few steps) unless it gives the fewest repeats seen; after a long stretch without progress it
    starts again from the best schedule, a few random swaps away.  Returns the rounds with no repeat, or
    ``None`` if ``steps`` run out first.
    """
    people = sorted({i for groups in rounds for g in groups for i in g})
    local = {i: k for k, i in enumerate(people)}
    n = len(people)
    state = [[[local[i] for i in g] for g in groups] for groups in rounds]
    met, where = _recount(problem, people, local, state)
    repeats = sum(max(0, met[i][j] - 1) for i in range(n) for j in range(i + 1, n))
    best, best_state = repeats, [[list(g) for g in groups] for groups in state]
    tabu: dict[tuple[int, int], int] = {}
    stale = 0
    for it in range(steps):
        if repeats == 0:
            break
        choice: tuple[int, int, int, int] | None = None  # gain, round, x, y
        ties = 0
        for t, groups in enumerate(state):
            for members in groups:
                for x in members:
                    if not any(met[x][z] > 1 for z in members if z != x):
                        continue
                    g = where[t][x]
                    for h, others in enumerate(groups):
                        if h == g:
                            continue
                        for y in others:
                            gain = 0
                            for z in members:
                                if z != x:
                                    gain += (met[x][z] > 1) - (met[y][z] > 0)
                            for z in others:
                                if z != y:
                                    gain += (met[y][z] > 1) - (met[x][z] > 0)
                            allowed = tabu.get((t, x), -1) < it and tabu.get((t, y), -1) < it
                            if not allowed and repeats - gain >= best:
                                continue
                            if choice is None or gain > choice[0]:
                                choice, ties = (gain, t, x, y), 1
                            elif gain == choice[0]:
                                ties += 1
                                if rng.randrange(ties) == 0:
                                    choice = (gain, t, x, y)
        if choice is None:
            continue
        gain, t, x, y = choice
        _golfer_swap(state[t], where[t], met, x, y)
        repeats -= gain
        tabu[t, x] = tabu[t, y] = it + rng.randint(3, 10)
        if repeats < best:
            best, best_state, stale = repeats, [[list(g) for g in groups] for groups in state], 0
        else:
            stale += 1
        if stale > 400:  # start again near the best schedule
            stale = 0
            state = [[list(g) for g in groups] for groups in best_state]
            met, where = _recount(problem, people, local, state)
            for _ in range(3):
                t = rng.randrange(len(state))
                g, h = rng.sample(range(len(state[t])), 2)
                _golfer_swap(state[t], where[t], met, rng.choice(state[t][g]), rng.choice(state[t][h]))
            repeats = sum(max(0, met[i][j] - 1) for i in range(n) for j in range(i + 1, n))
    if best:
        return None
    return [[[people[i] for i in g] for g in groups] for groups in best_state]


def _golfer_swap(groups: list[list[int]], where: list[int], met: list[list[int]], x: int, y: int) -> None:
    g, h = where[x], where[y]
    for z in groups[g]:
        if z != x:
            met[x][z] -= 1
            met[z][x] -= 1
            met[y][z] += 1
            met[z][y] += 1
    for z in groups[h]:
        if z != y:
            met[y][z] -= 1
            met[z][y] -= 1
            met[x][z] += 1
            met[z][x] += 1
    groups[g][groups[g].index(x)] = y
    groups[h][groups[h].index(y)] = x
    where[x], where[y] = h, g


def _recount(problem: Problem, people: list[int], local: dict[int, int],
             state: list[list[list[int]]]) -> tuple[list[list[int]], list[list[int]]]:
    n = len(people)
    met = [[0] * n for _ in range(n)]
    for i in people:
        for j in problem.forbidden.get(i, ()):
            if j in local:
                met[local[i]][local[j]] = 1
    where = [[0] * n for _ in state]
    for t, groups in enumerate(state):
        for g, members in enumerate(groups):
            for i in members:
                where[t][i] = g
            for i, j in itertools.combinations(members, 2):
                met[i][j] += 1
                met[j][i] += 1
    return met, where

"""The fast solver: near-optimal pairs for rosters of 100,000 people in seconds.

Contract: :func:`solve_fast` returns a valid pairing (see
:func:`peermatch.matching.solve.is_valid_pairing`): every pair allowed, nobody twice.
With no excluded or past pairs it always reaches the most ideal pairs the
roster can hold (per level ``min(s // 2, s - m)``), because the first phase
only takes pairs that keep that number reachable.  Its total score is not
guaranteed optimal; :func:`peermatch.matching.solve.score_upper_bound` proves how far
from optimal it can be at most, and the tests compare it with the exact path.

How: people who share level, profession, organisation and site are
interchangeable, so the work happens on these *classes* (a few hundred even
for 100,000 people) instead of on people.

1. Per level, ideal pairs between classes, best score first, each step capped
   so the ideal-pair bound stays reachable.
2. Whoever is left: adjacent levels, then same-profession pairs, greedily.
3. Classes become people (shuffled by the seed).  A pair that is excluded or
   has met before swaps a partner with an interchangeable person elsewhere.
4. An exact re-solve (blossom algorithm) of a small window around everyone
   still unmatched and the weakest pairs, for the score.

Whoever is still placed badly after that (people met before who had nobody
identical to swap with) is seated again by :func:`peermatch.matching.sparse.refine`
until the round reaches its bound.

Complexity: phases 1-2 are quadratic in the number of classes per level,
phase 3 linear in people, phase 4 cubic in the window size (bounded).
Reference: Edmonds' blossom algorithm (rustworkx ``max_weight_matching``)
for the window.

No local search follows phase 1: 2-opt swaps between class pairs added at most
45 points to a pairing of 100,000 people (0.0005% of its score) for up to a
sixth of the solver's time (``benchmarks/schedule-results.md``).
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter, defaultdict

import numpy as np

from peermatch.matching.graph import Problem, as_ends, class_scores, row_classes
from peermatch.matching.sparse import match

ClassKey = tuple[int, int, int, int, int]  # scale, step, profession, organisation, site
Plan = dict[tuple[int, int], int]  # (class, class) -> number of pairs


class _Classes:
    """People grouped by everything their score depends on."""

    def __init__(self, problem: Problem, rng: random.Random) -> None:
        self.absent = sorted(problem.absent)
        # Classes numbered as people first appear, each listing its people in roster order (then shuffled).
        present = np.flatnonzero(problem.present())
        kind, first = row_classes(problem.attributes()[present])
        self.keys: list[ClassKey] = [tuple(key) for key in problem.attributes()[present[first]].tolist()]
        ends = np.cumsum(np.bincount(kind, minlength=len(first)))[:-1]
        self.members: list[list[int]] = [
            members.tolist() for members in np.split(present[np.argsort(kind, kind="stable")], ends)
        ] if len(first) else []
        for members in self.members:
            rng.shuffle(members)
        self.rep = [members[0] for members in self.members]
        self.count = [len(members) for members in self.members]
        self.by_level: dict[tuple[int, int], list[int]] = defaultdict(list)
        for c, key in enumerate(self.keys):
            self.by_level[key[0], key[1]].append(c)
        # In a programme: how many of each class already met each profession,
        # so that among equally good partners a class meets a new profession.
        met = problem.met_professions
        self.met: list[Counter[int]] = [
            Counter(itertools.chain.from_iterable(map(met.__getitem__, members))) if met is not None else Counter()
            for members in self.members]

    def newness(self, classes: list[int]) -> np.ndarray:
        """Per class pair, in thousandths: the share of each class for whom the other's profession is new."""
        size = np.array([self.count[c] for c in classes], dtype=np.int64)
        profs = [self.keys[c][2] for c in classes]
        distinct = list(dict.fromkeys(profs))
        # Looked up once per profession, not once per class pair: a level has far fewer professions than classes.
        per_profession = np.array([[self.met[a].get(p, 0) for p in distinct] for a in classes], dtype=np.int64)
        column = {p: k for k, p in enumerate(distinct)}
        seen = per_profession[:, [column[p] for p in profs]]
        fresh = 1000 * (size[:, None] - seen) // size[:, None]
        result: np.ndarray = fresh + fresh.T
        return result


def _cap(prof_count: dict[int, int], p: int, q: int) -> int:
    """How many p-q pairs keep the level's ideal-pair bound reachable."""
    s = sum(prof_count.values())
    top = max(prof_count.values())
    if 2 * top >= s:
        leaders = {r for r, n in prof_count.items() if n == top and n > 0}
        return s if leaders <= {p, q} else 0
    others = max((n for r, n in prof_count.items() if r not in (p, q)), default=0)
    return max(0, math.ceil(s / 2) - others)


def _ideal_level(problem: Problem, cl: _Classes, classes: list[int], left: list[int],
                 plan: Plan, rng: random.Random) -> None:
    """Ideal pairs within one level, best score first, largest class first.

    Taking the largest class first, and pairing it with the largest class it
    scores best with, keeps class sizes balanced, so fewer people are
    stranded without a good partner later.  Every take is capped so that the
    level's ideal-pair bound stays reachable.
    """
    size = len(classes)
    prof = [cl.keys[c][2] for c in classes]
    attrs = np.array([cl.keys[c] for c in classes], dtype=np.int64)
    score = class_scores(problem.weights, attrs, attrs)
    profs = np.array(prof)
    cross = profs[:, None] != profs[None, :]
    tiebreak = np.array(rng.sample(range(size), size), dtype=np.int64)
    counts = np.array([left[c] for c in classes], dtype=np.int64)
    newness = cl.newness(classes) if any(cl.met[c] for c in classes) else np.zeros((size, size), dtype=np.int64)
    prof_count: dict[int, int] = defaultdict(int)
    for at, c in enumerate(classes):
        prof_count[prof[at]] += left[c]

    def take(a: int, b: int) -> bool:
        k = min(int(counts[a]), int(counts[b]), _cap(prof_count, prof[a], prof[b]))
        if k <= 0:
            return False
        counts[a] -= k
        counts[b] -= k
        prof_count[prof[a]] -= k
        prof_count[prof[b]] -= k
        key = (classes[a], classes[b]) if classes[a] < classes[b] else (classes[b], classes[a])
        plan[key] = plan.get(key, 0) + k
        return True

    for value in sorted(set(score[cross].tolist()), reverse=True):
        tier = cross & (score == value)
        while True:
            waiting = counts > 0
            open_ = waiting & (tier & waiting[None, :]).any(axis=1)
            if not open_.any():
                break
            a = int(np.argmax(np.where(open_, counts * size + tiebreak, -1)))
            partners = np.flatnonzero(tier[a] & waiting)
            # Equally good partners: a new profession first, then the largest class.
            order = partners[np.lexsort((-tiebreak[partners], -counts[partners], -newness[a, partners]))]
            if not any(take(a, int(b)) for b in order):
                tier[a, :] = False
                tier[:, a] = False
    # Caps can loosen as counts fall: a last sweep reaches the bound for sure.
    progress = True
    while progress:
        progress = False
        # Counts only fall, so pairs of classes already used up are left out before the sweep.
        waiting = counts > 0
        for a, b in zip(*np.nonzero(np.triu(cross & waiting[:, None] & waiting[None, :])), strict=True):
            if counts[a] and counts[b] and take(int(a), int(b)):
                progress = True
    for at, c in enumerate(classes):
        left[c] = int(counts[at])


def _leftovers(problem: Problem, cl: _Classes, left: list[int], plan: Plan, rng: random.Random) -> None:
    """Pair whoever the ideal phase left: adjacent levels, then one profession."""
    waiting = [c for c in range(len(cl.keys)) if left[c]]
    candidates = []
    for c, d in itertools.combinations_with_replacement(waiting, 2):
        if c == d and left[c] < 2:
            continue
        i, j = cl.rep[c], cl.rep[d]
        gap = problem.gap(i, j)
        if gap is None or gap > problem.max_gap:
            continue
        candidates.append((problem.weight(i, j) if c != d else problem.weight(i, i), rng.random(), c, d))
    candidates.sort(reverse=True)
    for _, _, c, d in candidates:
        k = left[c] // 2 if c == d else min(left[c], left[d])
        if k <= 0:
            continue
        left[c] -= k
        left[d] -= k
        plan[c, d] = plan.get((c, d), 0) + k


def _expand(cl: _Classes, plan: Plan) -> tuple[list[tuple[int, int]], list[int]]:
    queues = [list(members) for members in cl.members]
    pairs = []
    for (c, d), k in sorted(plan.items()):
        for _ in range(k):
            pairs.append((queues[c].pop(), queues[d].pop()))
    unmatched = [i for queue in queues for i in queue]
    return pairs, unmatched


def _repair(problem: Problem, cl: _Classes, pairs: list[tuple[int, int]]) -> list[int]:
    """Fix pairs that are excluded or met before by swapping interchangeable people.

    A swap only ever exchanges two people of one class, so every pair keeps
    its score and each position in ``pairs`` keeps its class.  Returns the
    people whose pair could not be fixed (their pair is removed).
    """
    if not problem.forbidden:
        return []
    # Most rounds need few fixes or none: the class map is built only once one is needed (nothing has moved yet).
    first = next((index for index, pair in enumerate(pairs) if not problem.allowed(*pair)), None)
    if first is None:
        return []
    class_of = np.full(problem.n, -1, dtype=np.int64)
    class_of[np.concatenate(cl.members)] = np.repeat(np.arange(len(cl.members)), cl.count)
    # Where everyone sat before any swap, as 2 * pair index + side; a class's seats are listed when first asked for.
    seat = np.full(problem.n, -1, dtype=np.int64)
    ends = np.array(pairs, dtype=np.int64)
    seat[ends[:, 0]] = 2 * np.arange(len(pairs))
    seat[ends[:, 1]] = 2 * np.arange(len(pairs)) + 1
    slots: dict[int, list[tuple[int, int]]] = {}  # class -> (pair index, side), in pair order

    def seats(person: int) -> list[tuple[int, int]]:
        c = int(class_of[person])
        if c not in slots:
            taken = np.sort(seat[cl.members[c]])
            slots[c] = [(s // 2, s % 2) for s in taken[taken >= 0].tolist()]
        return slots[c]

    broken: set[int] = set()
    for index in range(first, len(pairs)):
        if problem.allowed(*pairs[index]):
            continue
        if not any(_swap(problem, pairs, index, side, seats(pairs[index][side]), broken) for side in (1, 0)):
            broken.add(index)
    loose = [i for index in sorted(broken) for i in pairs[index]]
    pairs[:] = [pair for index, pair in enumerate(pairs) if index not in broken]
    return loose


def _swap(problem: Problem, pairs: list[tuple[int, int]], index: int, side: int,
          same_class: list[tuple[int, int]], broken: set[int]) -> bool:
    """Swap the person at (index, side) with one of their class elsewhere, if both pairs become allowed."""
    stuck, keep = pairs[index][side], pairs[index][1 - side]
    for other, other_side in same_class:
        if other == index or other in broken:
            continue
        swap, partner = pairs[other][other_side], pairs[other][1 - other_side]
        if problem.allowed(keep, swap) and problem.allowed(partner, stuck):
            # Each seat keeps its side, so every seat still holds someone of the class it held before any
            # swap, and the seat lists built from where people first sat stay true for later swaps.
            pairs[index] = (keep, swap) if side == 1 else (swap, keep)
            pairs[other] = (partner, stuck) if other_side == 1 else (stuck, partner)
            return True
    return False


def _polish(problem: Problem, pairs: list[tuple[int, int]], unmatched: list[int],
            window: int, rng: random.Random) -> list[tuple[int, int]]:
    """Re-solve exactly a window around the unmatched and the weakest pairs."""
    weak = [pairs[k] for k in np.flatnonzero(~problem.are_ideal(as_ends(pairs))).tolist()] if pairs else []
    if not unmatched and not weak:
        return pairs
    chosen: list[int] = list(unmatched[:window])
    chosen_pairs: set[tuple[int, int]] = set()
    for pair in weak:
        if len(chosen) + 2 > window:
            break
        chosen_pairs.add(pair)
        chosen.extend(pair)
    near = [p for p in pairs if p not in chosen_pairs]
    rng.shuffle(near)
    levels = {(problem.scale[i], problem.step[i]) for i in chosen}
    for pair in near:
        if len(chosen) + 2 > window:
            break
        i = pair[0]
        if any((problem.scale[i], problem.step[i] + g) in levels for g in range(-problem.max_gap, problem.max_gap + 1)):
            chosen_pairs.add(pair)
            chosen.extend(pair)
    matching = match(problem, chosen, set(problem.edges(chosen)))
    if sum(problem.weights_of(matching)) <= sum(problem.weights_of(list(chosen_pairs))):
        return pairs
    kept = [p for p in pairs if p not in chosen_pairs]
    return kept + matching


def solve_fast(problem: Problem, seed: int, window: int = 120) -> list[tuple[int, int]]:
    """A valid, near-optimal pairing; see the module docstring."""
    rng = random.Random(seed)
    cl = _Classes(problem, rng)
    left = list(cl.count)
    plan: Plan = {}
    for level in sorted(cl.by_level):
        _ideal_level(problem, cl, cl.by_level[level], left, plan, rng)
    _leftovers(problem, cl, left, plan, rng)
    pairs, unmatched = _expand(cl, plan)
    unmatched += cl.absent
    unmatched += _repair(problem, cl, pairs)
    return _polish(problem, pairs, sorted(unmatched), window, rng)

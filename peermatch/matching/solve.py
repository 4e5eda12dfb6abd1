"""Maximum-weight pairing: the exact path, the fast path, and their checker.

Contract of :func:`solve`: given a :class:`~peermatch.matching.graph.Problem` and a
seed, return a :class:`Solution` whose pairs pass :func:`is_valid_pairing`
(every pair allowed by level, exclusions and history; nobody twice), that
maximises, in order, ideal pairs (same level, different professions), people
in a conversation, pairs across professions and total score (see
:mod:`peermatch.matching.graph`), and that is identical for identical input and seed.

* ``exact``: Edmonds' blossom algorithm (networkx ``max_weight_matching``,
  Galil 1986), O(n^3) time and O(n^2) memory on the full candidate graph:
  optimal, but minutes beyond a couple of thousand people.
* ``fast``: :mod:`peermatch.matching.fast`, near-linear in people; always reaches the
  ideal-pair bound when nothing is excluded.
* ``auto`` (default): exact up to :data:`EXACT_LIMIT` people, fast beyond.

Whoever is left over (an odd count, or nobody allowed to meet them) joins the
pair where they add the most, making a group of three, unless the caller
asks to leave them out.  :func:`score_upper_bound` proves how far any pairing
can be from the best possible score, so the fast path reports its gap.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from peermatch.matching.fast import solve_fast
from peermatch.matching.graph import Problem, as_ends, build_graph, class_scores, pair_scores, row_classes
from peermatch.matching.partners import Partners, partner_counts
from peermatch.matching.sparse import EDGE_LIMIT, refine

EXACT_LIMIT = 120
METHODS = ("auto", "exact", "fast")
ODD_POLICIES = ("triad", "leave-out")


@dataclass(frozen=True)
class Solution:
    groups: list[tuple[int, ...]]
    unmatched: list[int]
    method: str
    pair_score: int  # total score of the pairs, before anyone joined a group of three
    score_bound: int  # no pairing of this roster can score more than this
    ideal_bound: int  # no pairing of this roster can hold more ideal pairs than this
    exact: bool = True  # the pairs are a maximum-weight matching: ideal pairs and pairs as many as can be


def is_valid_pairing(problem: Problem, pairs: Iterable[Sequence[int]]) -> bool:
    """True when every pair (or group) is allowed and nobody appears twice."""
    seen: set[int] = set()
    for group in pairs:
        if len(group) < 2:
            return False
        for i in group:
            if i in seen or not 0 <= i < problem.n:
                return False
            seen.add(i)
        if any(not problem.allowed(i, j) for k, i in enumerate(group) for j in group[k + 1:]):
            return False
    return True


def ideal_pairs_at_level(profession_sizes: Collection[int]) -> int:
    """The most ideal pairs one level can hold, given how many people each profession has there.

    ``min(s // 2, s - m)``, ``s`` the level's size and ``m`` its largest
    profession: when one profession is more than half a level, everyone else
    can be paired with it and the rest of it cannot.
    """
    s = sum(profession_sizes)
    return min(s // 2, s - max(profession_sizes, default=0))


def ideal_pairs_possible(problem: Problem) -> int:
    """The most ideal pairs this roster can hold: :func:`ideal_pairs_at_level`, summed over its levels."""
    return sum(ideal_pairs_at_level(counts.values()) for counts in profession_counts(problem).values())


def profession_counts(problem: Problem, among: np.ndarray | None = None) -> dict[tuple[int, int], dict[int, int]]:
    """Per level ``(scale, step)``, how many people each profession has there.

    Counts ``among`` (a mask over the people), by default everyone taking part this round.  Counted per kind of
    person, not per person: a level of a million people is a few hundred kinds.
    """
    rows = problem.attributes()[problem.present() if among is None else among, :3]
    kind, first = row_classes(rows)
    levels: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for (scale, step, profession), n in zip(rows[first].tolist(), np.bincount(kind, minlength=len(first)).tolist(),
                                            strict=True):
        levels[scale, step][profession] = n
    return levels


def pairs_possible(problem: Problem, partners: Partners) -> int:
    """At most how many pairs a round can hold once it holds as many ideal pairs as its levels allow.

    Each level's ideal pairs (:func:`ideal_pairs_at_level`) leave its other people with a possible partner to pair
    otherwise: with each other, or across levels within a stretch of the ladder (a run of levels each within
    ``max_gap`` of the next one holding such people).  Each stretch with an odd count of them leaves one over.
    """
    ideal = {level: ideal_pairs_at_level(counts.values()) for level, counts in profession_counts(problem).items()}
    with_partner = problem.present() & (np.asarray(partners.possible) > 0)
    eligible = {level: sum(counts.values()) for level, counts in profession_counts(problem, with_partner).items()}
    total = sum(ideal.values())
    previous: tuple[int, int] | None = None
    stretch = 0
    for scale, step in sorted(level for level in eligible if eligible[level] > 2 * ideal[level]):
        if previous is None or scale != previous[0] or step - previous[1] > problem.max_gap:
            total += stretch // 2
            stretch = 0
        stretch += eligible[scale, step] - 2 * ideal[scale, step]
        previous = (scale, step)
    return total + stretch // 2


def solve_exact(problem: Problem, seed: int) -> list[tuple[int, int]]:
    """The optimal pairing, by the blossom algorithm on the full graph.

    networkx breaks ties by the order nodes were added, so shuffling that
    order with the seed makes ties follow the seed, reproducibly.
    """
    order = list(range(problem.n))
    random.Random(seed).shuffle(order)
    import networkx as nx  # only here: see build_graph

    matching = nx.max_weight_matching(build_graph(problem, order))
    return sorted((min(i, j), max(i, j)) for i, j in matching)


def score_upper_bound(problem: Problem) -> int:
    """A proven upper bound on the total score of any pairing of ``problem``.

    A pair scores at most the mean of its two members' best possible scores
    for that kind of pair, so a pairing scores at most half the sum of its
    members' bests.  In each level at most ``2 * B`` people (``B`` the
    level's ideal-pair bound) can be in ideal pairs, and at most ``B`` of any
    one profession, so the bound lets the people who gain most from an ideal
    partner have one, and everyone else their best other partner (or none,
    worth 0).  Interchangeable people share their bests, so the work is done
    per class.  Exclusions and history only remove pairs, so ignoring them
    keeps the bound valid.
    """
    if problem.n < 2:
        return 0
    kind, first = row_classes(problem.attributes())
    attrs = problem.attributes()[first]
    classes = [tuple(key) for key in attrs.tolist()]
    size = np.bincount(kind, minlength=len(first))
    by_level: dict[tuple[int, int], list[int]] = defaultdict(list)
    for c, key in enumerate(classes):
        by_level[key[0], key[1]].append(c)
    never = np.iinfo(np.int64).min // 4
    total2 = 0  # twice the bound, so that halves stay whole
    for (scale, step), rows in by_level.items():
        cols = [d for g in range(-problem.max_gap, problem.max_gap + 1)
                for d in by_level.get((scale, step + g), ())]
        r, k = attrs[rows], attrs[cols]
        score = class_scores(problem.weights, r, k)
        col_ids = np.array(cols)
        lonely = (col_ids[None, :] == np.array(rows)[:, None]) & (size[col_ids][None, :] < 2)
        score = np.where(lonely, never, score)  # nobody pairs with themselves
        ideal = (k[None, :, 1] == r[:, 1, None]) & (k[None, :, 2] != r[:, 2, None])
        best_ideal = np.where(ideal, score, never).max(axis=1)
        best_other = np.maximum(np.where(ideal, never, score).max(axis=1), 0)
        total2 += int((size[rows] * best_other).sum())
        profession_sizes: Counter[int] = Counter()
        for c in rows:
            profession_sizes[classes[c][2]] += int(size[c])
        bound = ideal_pairs_at_level(profession_sizes.values())
        # The largest gains, at most `bound` people per profession, 2 * bound in all.
        gains: list[int] = []
        for profession in profession_sizes:
            mine = sorted(
                ((int(best_ideal[at] - best_other[at]), int(size[c]))
                 for at, c in enumerate(rows) if classes[c][2] == profession and best_ideal[at] > never),
                reverse=True)
            room = bound
            for gain, many in mine:
                if room <= 0 or gain <= 0:
                    break
                gains.extend([gain] * min(many, room))
                room -= min(many, room)
        gains.sort(reverse=True)
        total2 += sum(gains[: 2 * bound])
    return total2 // 2


_SCORED_AT_ONCE = 100_000  # pairs


def _join_groups(problem: Problem, attrs: np.ndarray, pairs: list[tuple[int, int]], ends: np.ndarray,
                 loose: list[int]) -> tuple[list[tuple[int, ...]], list[int]]:
    """Place each left-over person in the pair where they add the most.

    Most partners of another profession first, then the most points, then the
    earliest pair.  Only pairs whose first member is within reach of the
    person's level can take them; those are weighed at once, in numpy, on the
    rows of :meth:`Problem.attributes` (``attrs``).  ``ends`` holds ``pairs``
    as an array.
    """
    groups: list[tuple[int, ...]] = list(pairs)
    first, second = ends[:, 0], ends[:, 1]
    levels = attrs[first, :2]
    order = np.lexsort((levels[:, 1], levels[:, 0]))
    starts = np.flatnonzero((np.diff(levels[order], axis=0) != 0).any(axis=1)) + 1
    level_pairs = dict(zip(map(tuple, levels[order[np.r_[0, starts]]].tolist()), np.split(order, starts),
                           strict=True)) if len(pairs) else {}
    open_ = np.ones(len(pairs), dtype=bool)  # nobody has joined the pair yet
    if problem.absent:
        away = list(problem.absent)
        open_ &= ~(np.isin(first, away) | np.isin(second, away))
    still: list[int] = []
    for person in loose:
        me = attrs[person]
        scale, step = int(me[0]), int(me[1])
        near = [level_pairs[scale, step + g] for g in range(-problem.max_gap, problem.max_gap + 1)
                if (scale, step + g) in level_pairs]
        if not near or person in problem.absent:
            still.append(person)
            continue
        candidates = np.concatenate(near)
        # The first members are within reach by level; the second ones and past partners are checked here.
        b = attrs[second[candidates]]
        fits = open_[candidates] & (b[:, 0] == scale) & (np.abs(b[:, 1] - step) <= problem.max_gap)
        if met := list(problem.forbidden.get(person, ())):
            fits &= ~(np.isin(first[candidates], met) | np.isin(second[candidates], met))
        candidates, a, b = candidates[fits], attrs[first[candidates[fits]]], b[fits]
        if not len(candidates):
            still.append(person)
            continue
        cross = (a[:, 2] != me[2]).astype(np.int64) + (b[:, 2] != me[2])
        added = pair_scores(problem.weights, me, a) + pair_scores(problem.weights, me, b)
        index = int(candidates[np.lexsort((candidates, -added, -cross))[0]])
        open_[index] = False
        groups[index] = (*pairs[index], person)
    return groups, still


def solve(problem: Problem, seed: int, method: str = "auto", odd: str = "triad",
          sit_out: int | None = None, edge_limit: int = EDGE_LIMIT) -> Solution:
    """Pair everyone in ``problem``; see the module docstring for the contract.

    ``sit_out`` names the person who should be the odd one out (a schedule
    rotates that role fairly); they join a group of three or are left out.
    ``edge_limit`` caps the fast path's re-seating (:func:`~peermatch.matching.sparse.refine`).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if odd not in ODD_POLICIES:
        raise ValueError(f"odd must be one of {ODD_POLICIES}")
    chosen = method if method != "auto" else ("exact" if problem.n <= EXACT_LIMIT else "fast")
    matching = problem if sit_out is None else problem.without(sit_out)
    ideal_bound = ideal_pairs_possible(matching)
    exact = True
    if chosen == "exact":
        pairs = solve_exact(matching, seed)
    else:
        refined = refine(matching, solve_fast(matching, seed), ideal_bound,
                         pairs_possible(matching, partner_counts(matching)), random.Random(seed), edge_limit)
        pairs, exact = refined.pairs, refined.exact
    # Sorted as an array, and a pair already in order is kept, not copied: half a million new tuples were 30 MB
    # at a million people.
    ends = as_ends(pairs)
    flipped = ends[:, 0] > ends[:, 1]
    ends[flipped] = ends[flipped, ::-1]
    order = np.lexsort((ends[:, 1], ends[:, 0]))
    pairs = [pairs[k][::-1] if flip else pairs[k] for k, flip in zip(order.tolist(), flipped[order].tolist(),
                                                                     strict=True)]
    ends = ends[order]
    matched = np.zeros(problem.n, dtype=bool)
    matched[ends.ravel()] = True
    loose: list[int] = np.flatnonzero(~matched).tolist()
    attrs = problem.attributes()
    # A chunk of pairs at a time: the rows of every pair at once took 50 MB more at a million people.
    chunks = (ends[start:start + _SCORED_AT_ONCE] for start in range(0, len(ends), _SCORED_AT_ONCE))
    pair_score = sum(int(pair_scores(problem.weights, attrs[c[:, 0]], attrs[c[:, 1]]).sum()) for c in chunks)
    if odd == "triad":
        groups, loose = _join_groups(problem, attrs, pairs, ends, loose)
    else:
        groups = list(pairs)
    return Solution(groups=groups, unmatched=loose, method=chosen, pair_score=pair_score,
                    score_bound=score_upper_bound(matching), ideal_bound=ideal_bound, exact=exact)


"""Exact matching on a sparse candidate graph, widened until the round reaches its bound.

The fast solver plans pairs from classes of interchangeable people, before it knows who has met whom.  When
people met before cannot simply swap with someone identical (a roster of many organisations and sites, where
hardly anyone is interchangeable), :func:`refine` seats again, exactly, everyone its pairing could not place well:

1. A *window*: everyone left without a partner, everyone in a pair that is not ideal, and pairs sampled from the
   levels within reach of them.  Pairs outside the window are kept.
2. The window's *candidate graph*: each person's ``k`` best allowed partners in the window (ranked by the tiers
   of :mod:`peermatch.matching.graph`, ties by the seed), plus the pairs the window holds now, so the new
   matching is never worse than the old one.
3. Edmonds' blossom algorithm (rustworkx ``max_weight_matching``, Galil 1986) on that graph, with the exact
   tiered weights of :meth:`~peermatch.matching.graph.Problem.weight`.
4. Until the round holds as many ideal pairs as its level sizes allow and every person who can have a partner
   has one (half of them, per stretch of ladder: :func:`~peermatch.matching.partners.pairs_possible`), the
   window and ``k`` double.  Once the window is everyone and ``k`` reaches everyone's whole candidate list, the
   result is the exact optimum of the round.

rustworkx runs the same blossom algorithm as networkx, in Rust: at 1,000 people and 10,000 edges it takes 0.3 s
where networkx takes 16 s, which is what makes re-seating whole rounds affordable.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import rustworkx as rx

from peermatch.matching.graph import Problem, as_ends, pair_scores

FIRST_K = 8  # candidates per person in the first window
FIRST_WINDOW = 400  # people in the first window, at least
STALL_K = 32  # a window that solves to the same counts twice stops the widening only from this many candidates on
EDGE_LIMIT = 400_000  # the widening stops here: beyond it a round takes more than seconds
_ROWS = 512  # rows of the candidate matrix worked out at once, to bound memory on large levels
_NEVER = -(2**62)  # below any key, and safe to negate


@dataclass(frozen=True)
class Refined:
    pairs: list[tuple[int, int]]
    exact: bool  # the pairs are an optimum: the bound was reached, or the whole graph was solved


def candidate_edges(problem: Problem, people: Sequence[int], k: int, rng: random.Random,
                    everyone_for: Collection[int] = ()) -> tuple[set[tuple[int, int]], bool]:
    """Each person's ``k`` best allowed partners among ``people``, and their ``k`` best partners in pairs that are
    not ideal, as pairs ``(low, high)``; and whether that is every allowed pair among them.

    Ranked as the solvers rank pairs: ideal first, then across professions, then score; ties follow ``rng``.  The
    second list matters to whoever the ideal pairs leave over, whose way into a pair is rarely an ideal one.
    People in ``everyone_for`` (those without a partner) get every allowed partner among ``people``.
    """
    complete = True
    attrs = problem.attributes()
    by_level: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in people:
        if i not in problem.absent:
            by_level[problem.scale[i], problem.step[i]].append(i)
    span = problem.max_score - problem.min_score + 1
    noise = np.array([rng.randrange(4096) for _ in range(problem.n)], dtype=np.int64)
    full = np.zeros(problem.n, dtype=bool)
    full[list(everyone_for)] = True
    edges: set[tuple[int, int]] = set()
    for (scale, step), rows in by_level.items():
        cols = np.array([j for g in range(-problem.max_gap, problem.max_gap + 1)
                         for j in by_level.get((scale, step + g), ())], dtype=np.int64)
        if len(cols) < 2:
            continue
        column = {int(j): at for at, j in enumerate(cols.tolist())}
        take = min(k, len(cols) - 1)
        complete &= take == len(cols) - 1
        for start in range(0, len(rows), _ROWS):
            chunk = np.array(rows[start:start + _ROWS], dtype=np.int64)
            a, b = attrs[chunk][:, None, :], attrs[cols][None, :, :]
            ideal = (a[..., 1] == b[..., 1]) & (a[..., 2] != b[..., 2])
            cross = a[..., 2] != b[..., 2]
            score = pair_scores(problem.weights, a, b) - problem.min_score
            key = ((ideal.astype(np.int64) * 2 + cross) * span + score) * 4096 + noise[cols][None, :]
            key[chunk[:, None] == cols[None, :]] = _NEVER
            for at, i in enumerate(chunk.tolist()):
                for j in problem.forbidden.get(i, ()):
                    if (c := column.get(j)) is not None:
                        key[at, c] = _NEVER
            other = np.where(ideal, _NEVER, key)
            chosen = np.zeros(key.shape, dtype=bool)
            for ranked in (key, other):
                if take < len(cols):
                    np.put_along_axis(chosen, np.argpartition(-ranked, take - 1, axis=1)[:, :take], True, axis=1)
                else:
                    chosen[:] = True
            chosen[full[chunk]] = True
            chosen &= key != _NEVER
            for at, c in zip(*np.nonzero(chosen), strict=True):
                i, j = int(chunk[at]), int(cols[c])
                edges.add((i, j) if i < j else (j, i))
    return edges, complete


def match(problem: Problem, people: Sequence[int], edges: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """The maximum-weight matching of ``people`` over ``edges``, by the exact tiered weights.

    Nodes are added in the order of ``people``, so a caller that shuffles them with its seed makes ties follow it.
    """
    graph = rx.PyGraph()
    node = {i: at for at, i in enumerate(people)}
    graph.add_nodes_from(people)
    ordered = sorted(edges)
    graph.add_edges_from([(node[i], node[j], weight)
                          for (i, j), weight in zip(ordered, problem.weights_of(ordered), strict=True)])
    matched = rx.max_weight_matching(graph, weight_fn=lambda weight: weight)
    return sorted((min(people[u], people[v]), max(people[u], people[v])) for u, v in matched)


def refine(problem: Problem, pairs: list[tuple[int, int]], ideal_bound: int, pair_bound: int,
           rng: random.Random, edge_limit: int = EDGE_LIMIT) -> Refined:
    """Seat again, exactly, whoever ``pairs`` places badly, until the round reaches its bound; see the docstring.

    ``ideal_bound`` and ``pair_bound`` are the most ideal pairs and pairs the round can hold.  Those bounds count
    level sizes only, so a round may be unable to reach them (the ideal pairs a level can hold may strand someone
    no other pair can take): the widening also stops once a window holding every pair near the shortfall solves
    to the same counts as the window before it, or once a window's graph has more than ``edge_limit`` edges.
    """
    present = [i for i in range(problem.n) if i not in problem.absent]
    k, size = FIRST_K, FIRST_WINDOW
    before: tuple[int, int] | None = None
    while True:
        counts = (int(problem.are_ideal(as_ends(pairs)).sum()), len(pairs))
        if counts[0] >= ideal_bound and counts[1] >= pair_bound:
            return Refined(pairs, exact=True)
        if counts == before:
            return Refined(pairs, exact=False)
        window, inside, all_near = _window(problem, pairs, present, size, rng)
        paired = {i for p in pairs for i in p}
        # Whoever has no partner may take anyone, unless the edges are capped below the default (then k each).
        unpaired = [i for i in window if i not in paired] if edge_limit >= EDGE_LIMIT else []
        edges, complete = candidate_edges(problem, window, k, rng, unpaired)
        edges |= set(inside)
        new = match(problem, window, edges)
        if sum(problem.weights_of(new)) > sum(problem.weights_of(inside)):
            pairs = sorted((set(pairs) - set(inside)) | set(new))
        whole = complete and len(window) == len(present)
        if whole or len(edges) > edge_limit:
            return Refined(pairs, exact=whole)
        before = counts if all_near and k >= STALL_K else None
        k, size = 2 * k, 2 * size


def _window(problem: Problem, pairs: list[tuple[int, int]], present: list[int], size: int,
            rng: random.Random) -> tuple[list[int], list[tuple[int, int]], bool]:
    """Who is seated again: the unpaired, the pairs that are not ideal, then pairs near them, then any pairs,
    up to ``size`` people; the pairs among them; and whether every pair near them is in."""
    paired = {i for p in pairs for i in p}
    chosen = [i for i in present if i not in paired]
    inside = [p for p in pairs if not problem.is_ideal(*p)]
    levels = {(problem.scale[i], problem.step[i]) for i in chosen} | {
        (problem.scale[i], problem.step[i]) for p in inside for i in p}
    near: list[tuple[int, int]] = []
    far: list[tuple[int, int]] = []
    reach = range(-problem.max_gap, problem.max_gap + 1)
    for p in pairs:
        if problem.is_ideal(*p):
            close = any((problem.scale[p[0]], problem.step[p[0]] + g) in levels for g in reach)
            (near if close else far).append(p)
    rng.shuffle(near)
    rng.shuffle(far)
    room = max(0, size - len(chosen) - 2 * len(inside)) // 2
    inside += (near + far)[:room]
    people = chosen + [i for p in inside for i in p]
    rng.shuffle(people)
    return people, inside, room >= len(near)

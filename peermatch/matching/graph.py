"""The candidate graph: who may be paired with whom, and at what weight.

People become small integers (:class:`Problem`) so the solvers never compare
strings.  An edge joins two people whose levels are comparable and at most
``max_level_gap`` apart, unless the pair is excluded or has met before.

Edge weights are integers that encode peermatch's priorities as tiers, most
important first:

1. *ideal pairs*: same level, different professions;
2. people in a conversation (every edge counts once);
3. pairs across professions (so two people of one profession are paired
   only when nobody else is left for them);
4. the pair's score from the configured weights;
5. novelty, in a programme of several rounds: a partner from a profession
   (worth 2) or organisation (worth 1) the person has not met yet.

Each tier is a digit in a mixed-radix number whose base exceeds anything the
tiers below can add up to over a whole matching, so a maximum-weight matching
of these weights is the lexicographic optimum.  Python integers are exact and
networkx's blossom algorithm uses integer arithmetic for integer weights.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from peermatch.matching.scoring import points
from peermatch.models import Person
from peermatch.roster.config import Weights

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Problem:
    """The people to pair, coded as integers, with the rules that bind them."""

    scale: list[int]
    step: list[int]
    prof: list[int]
    org: list[int]  # -1 when unknown
    site: list[int]  # -1 when unknown
    weights: Weights = field(default_factory=Weights)
    max_gap: int = 1
    forbidden: Mapping[int, Collection[int]] = field(default_factory=dict)
    # Per person, the profession and organisation codes already met in this programme.
    met_professions: Sequence[Collection[int]] | None = None
    met_organisations: Sequence[Collection[int]] | None = None
    absent: frozenset[int] = frozenset()  # people sitting this round out
    scale_names: Sequence[str] = ()  # the grading scale each code in ``scale`` stands for (from_people fills it)
    # attributes(), made on first use: the solver, the bounds and the statistics of one round all read it.
    _attributes: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    NOVELTY_RANGE = 7  # novelty of a pair is 0..6

    def __post_init__(self) -> None:
        w = self.weights
        levels = [w.same_level - g * w.level_step for g in range(self.max_gap + 1)]
        bonuses = (w.different_profession, w.different_organisation, w.same_site)
        self.min_score = min(levels) + sum(min(0, b) for b in bonuses)
        self.max_score = max(levels) + sum(max(0, b) for b in bonuses)
        self.base = len(self.scale) // 2 + 2
        self.score_radix = self.base * (self.max_score - self.min_score + 1)
        self.novelty_radix = self.base * self.NOVELTY_RANGE

    @property
    def n(self) -> int:
        return len(self.scale)

    @classmethod
    def from_people(
        cls,
        people: Sequence[Person],
        weights: Weights,
        max_gap: int,
        forbidden_pairs: Iterable[tuple[str, str]] = (),
    ) -> Problem:
        """Code ``people`` as integers; ``forbidden_pairs`` (by id) may never be paired."""
        numbered = 0

        def coded(keys: list[str]) -> list[int]:
            # Numbered in order of first appearance, on from the kinds coded before; a blank key is -1.  Worked
            # out once per distinct key: a roster of 100,000 people has a few hundred.
            nonlocal numbered
            table: dict[str, int] = {}
            for key in dict.fromkeys(keys):
                table[key] = numbered if key else -1
                numbered += bool(key)
            return list(map(table.__getitem__, keys))

        scales: dict[str, int] = {}
        forbidden: dict[int, set[int]] = {}
        pairs = list(forbidden_pairs)
        # Only when there are pairs to look up: at a million people the index is 70 MB.
        index = {p.id: i for i, p in enumerate(people)} if pairs else {}
        for a, b in pairs:
            i, j = index.get(a), index.get(b)
            if i is not None and j is not None and i != j:
                forbidden.setdefault(i, set()).add(j)
                forbidden.setdefault(j, set()).add(i)
        return cls(
            scale=[scales.setdefault(p.level.scale, len(scales)) for p in people],
            step=[p.level.step for p in people],
            prof=coded([p.profession_key for p in people]),
            org=coded([p.organisation_key for p in people]),
            site=coded([p.site_key for p in people]),
            weights=weights,
            max_gap=max_gap,
            forbidden=forbidden,
            scale_names=list(scales),
        )

    def gap(self, i: int, j: int) -> int | None:
        if self.scale[i] != self.scale[j]:
            return None
        return abs(self.step[i] - self.step[j])

    def allowed(self, i: int, j: int) -> bool:
        gap = self.gap(i, j)
        return (i != j and gap is not None and gap <= self.max_gap and j not in self.forbidden.get(i, ())
                and i not in self.absent and j not in self.absent)

    def score(self, i: int, j: int) -> int:
        org, site = self.org, self.site
        return points(self.weights, abs(self.step[i] - self.step[j]), self.prof[i] != self.prof[j],
                      org[i] >= 0 and org[j] >= 0 and org[i] != org[j], site[i] >= 0 and site[i] == site[j])

    def is_ideal(self, i: int, j: int) -> bool:
        return self.step[i] == self.step[j] and self.scale[i] == self.scale[j] and self.prof[i] != self.prof[j]

    def are_ideal(self, ends: np.ndarray) -> np.ndarray:
        """:meth:`is_ideal` of many pairs at once (``ends``: a row of two people per pair), as a mask."""
        a, b = self.attributes()[ends[:, 0]], self.attributes()[ends[:, 1]]
        mask: np.ndarray = (a[:, 0] == b[:, 0]) & (a[:, 1] == b[:, 1]) & (a[:, 2] != b[:, 2])
        return mask

    def novelty(self, i: int, j: int) -> int:
        """How new each is to the other's profession (2 each) and organisation (1 each)."""
        if self.met_professions is None or self.met_organisations is None:
            return 0
        professions, organisations = self.met_professions, self.met_organisations
        return (2 * ((self.prof[j] not in professions[i]) + (self.prof[i] not in professions[j]))
                + (self.org[j] not in organisations[i]) + (self.org[i] not in organisations[j]))

    def weight(self, i: int, j: int) -> int:
        """The tiered integer weight of an allowed edge (see the module docstring)."""
        ideal = 1 if self.is_ideal(i, j) else 0
        cross = 1 if self.prof[i] != self.prof[j] else 0
        top = (ideal * self.base + 1) * self.base + cross
        scored = top * self.score_radix + self.score(i, j) - self.min_score
        return scored * self.novelty_radix + self.novelty(i, j)

    def weights_of(self, pairs: Sequence[tuple[int, int]]) -> list[int]:
        """:meth:`weight` of many allowed pairs at once: the tiers in numpy, joined as exact Python integers."""
        if not pairs:
            return []
        ends = as_ends(pairs)
        attrs = self.attributes()
        a, b = attrs[ends[:, 0]], attrs[ends[:, 1]]
        cross = (a[:, 2] != b[:, 2]).astype(np.int64)
        ideal = self.are_ideal(ends).astype(np.int64)
        top = ((ideal * self.base + 1) * self.base + cross).astype(object)
        scored = top * self.score_radix + (pair_scores(self.weights, a, b) - self.min_score).astype(object)
        novelty = [self.novelty(i, j) for i, j in pairs] if self.met_professions is not None else 0
        return list(scored * self.novelty_radix + novelty)

    def attributes(self) -> np.ndarray:
        """Everyone's ``(scale, step, profession, organisation, site)``, a row each, for :func:`pair_scores`.

        Made once per problem and shared, so it must not be written to.
        """
        if self._attributes is None:
            attrs = np.empty((self.n, 5), dtype=np.int64)
            for column, values in enumerate((self.scale, self.step, self.prof, self.org, self.site)):
                attrs[:, column] = values
            attrs.flags.writeable = False
            self._attributes = attrs
        return self._attributes

    def scale_rank(self) -> np.ndarray:
        """Per code in ``scale``, the place of its grading scale's name in alphabetical order."""
        if len(self.scale_names) <= max(self.scale, default=-1):
            raise ValueError("scale_rank needs the scales' names: make the problem with Problem.from_people")
        names = list(self.scale_names)
        rank = np.empty(len(names), dtype=np.int64)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        return rank

    def present(self) -> np.ndarray:
        """Per person, whether they take part this round (not in :attr:`absent`)."""
        mask = np.ones(self.n, dtype=bool)
        mask[list(self.absent)] = False
        return mask

    def without(self, person: int) -> Problem:
        """The same problem with ``person`` allowed to meet nobody (they sit this round out)."""
        return self.sitting_out(self.absent | {person})

    def sitting_out(self, absent: Collection[int]) -> Problem:
        """The same problem with ``absent`` (and nobody else) sitting this round out."""
        round_ = dataclasses.replace(self, absent=frozenset(absent))
        round_._attributes = self._attributes  # who everyone is does not change: one copy for every round
        return round_

    def edges(self, people: Sequence[int] | None = None) -> Iterator[tuple[int, int]]:
        """Every allowed pair among ``people`` (default: everyone), each once."""
        members = range(self.n) if people is None else people
        by_level: dict[tuple[int, int], list[int]] = {}
        for i in members:
            by_level.setdefault((self.scale[i], self.step[i]), []).append(i)
        for (scale, step), group in by_level.items():
            for i, j in itertools.combinations(group, 2):
                if self.allowed(i, j):
                    yield i, j
            for gap in range(1, self.max_gap + 1):
                for j in by_level.get((scale, step + gap), ()):
                    for i in group:
                        if self.allowed(i, j):
                            yield i, j


def build_graph(problem: Problem, people: Sequence[int] | None = None) -> nx.Graph:
    """The candidate graph over ``people``, weighted for the exact solver."""
    # Imported here: only the exact solver builds a whole graph, and pairing thousands of people needs no networkx
    # (13 MB in memory).
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(problem.n) if people is None else people)
    graph.add_weighted_edges_from((i, j, problem.weight(i, j)) for i, j in problem.edges(people))
    return graph


def as_ends(pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """``pairs`` as an array, a row of two people each."""
    return np.fromiter(itertools.chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs)).reshape(-1, 2)


def row_classes(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal rows of ``rows`` (an integer array, a row per person) as classes numbered by first appearance.

    Returns each row's class and each class's first row.  The classes come out in the order a loop over the rows
    would meet them, so callers that number kinds of person that way get the same numbers, in one sort instead of
    a dictionary lookup per person.
    """
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lows = rows.min(axis=0)
    spans = (rows.max(axis=0) - lows + 1).tolist()
    room = int(np.prod(spans, dtype=object))
    if room <= max(4 * len(rows), 1 << 16):
        # Few possible rows (levels, professions, organisations and sites number a few hundred each): each row's
        # number among them is a slot, and the earliest row in each slot is found without sorting the rows.
        key = np.ravel_multi_index(tuple((rows - lows).T), tuple(spans))
        earliest = np.full(room, len(rows), dtype=np.int64)
        np.minimum.at(earliest, key, np.arange(len(rows)))
        used = np.flatnonzero(earliest < len(rows))
        slot_order = np.argsort(earliest[used], kind="stable")
        number = np.empty(room, dtype=np.int64)
        number[used[slot_order]] = np.arange(len(used))
        return number[key], earliest[used[slot_order]]
    if room < 2**62:
        key = np.ravel_multi_index(tuple((rows - lows).T), tuple(spans))
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:  # too many distinct values to number rows by arithmetic: compare them whole
        _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.ravel()], first[order]


def class_scores(weights: Weights, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Scores of every row class with every column class, vectorised.

    Each class is a row ``(scale, step, profession, organisation, site)``
    (organisation and site -1 when unknown); the levels are assumed
    comparable, as :meth:`Problem.score` assumes.
    """
    return pair_scores(weights, rows[:, None, :], cols[None, :, :])


def pair_scores(weights: Weights, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Scores of ``a`` with ``b``, rows as in :func:`class_scores`, broadcast against each other.

    The same points as :meth:`Problem.score`, for many pairs at once.
    """
    org_a, org_b = a[..., 3], b[..., 3]
    site_a, site_b = a[..., 4], b[..., 4]
    return points(weights, np.abs(a[..., 1] - b[..., 1]), a[..., 2] != b[..., 2],
                  (org_a != org_b) & (org_a >= 0) & (org_b >= 0), (site_a == site_b) & (site_a >= 0))

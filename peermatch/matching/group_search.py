"""Local search on one round of groups: swaps and moves between groups, evaluated incrementally.

Contract of :class:`RoundSearch`: it only ever swaps two people of the same level between groups, or moves
one person of a level from a larger group of that level to a smaller one, so every level keeps the number of
groups it has and their sizes stay N or N+1; nobody is added or dropped.  :meth:`RoundSearch.repair` removes
pairs that may not share a group (excluded, or met before) by tabu search; :meth:`RoundSearch.polish` climbs
on the quality of the round.  Both are deterministic for a given ``random.Random``.

A round's value is a sum over the pairs inside its groups, in tiers (each tier's radix exceeds anything the
tiers below can add up to): first no pair that may not meet, then ideal pairs (same level, different
professions), then pairs across professions, then the pair's score from the configured weights (level gap,
organisations, site: :meth:`~peermatch.matching.graph.Problem.score`).  Because the value is a sum over pairs,
a swap of ``x`` (in group ``g``) with ``y`` (in ``h``) changes it by

    V(x, h) - v(x, y) - V(x, g) + V(y, g) - v(y, x) - V(y, h)

where ``V(p, G)`` is the value ``p`` has with the members of ``G``: O(N) to evaluate, whatever the roster size.

References: tabu search with swaps between groups of one round, as for the social golfer problem in Dotú and
Van Hentenryck, "Scheduling social golfers locally" (CPAIOR 2005); the maximally diverse grouping problem and
its swap and move neighbourhoods in Lai and Hao, "Iterated maxima search for the maximally diverse grouping
problem" (EJOR 2016).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from peermatch.matching.graph import Problem

# In a level of more than LARGE_LEVEL people, a round's conflicts are few and far apart and almost anyone of the
# level can take one apart, so :meth:`RoundSearch.repair` looks at LARGE_WIDTH of them instead of hundreds (in
# later rounds of a large schedule that look was most of the time), and ranks them by the whole value rather
# than by conflicts alone: there is no plateau of conflicts to escape, and among the many steps that remove a
# conflict the finer tiers pick one that keeps professions spread.
LARGE_LEVEL = 200
LARGE_WIDTH = 32


class RoundSearch:
    """The groups of one round, the moves between them and their effect on the round's value."""

    def __init__(self, problem: Problem, groups: Sequence[Sequence[int]], largest: int,
                 bench: Sequence[int] = ()) -> None:
        self.problem = problem
        self.groups: list[list[int]] = [list(g) for g in groups]
        self.where: dict[int, int] = {i: g for g, members in enumerate(self.groups) for i in members}
        self.bench = set(bench) - set(self.where)  # in no group; :meth:`repair` may swap them in for someone
        self.level = {i: (problem.scale[i], problem.step[i]) for i in (*self.where, *self.bench)}
        self.peers: dict[tuple[int, int], list[int]] = {}
        for i in sorted(self.level):
            self.peers.setdefault(self.level[i], []).append(i)
        spread = problem.max_score - problem.min_score + 1
        pairs = len(self.where) * largest // 2 + 1
        self.cross_radix = spread * pairs
        self.ideal_radix = self.cross_radix * (pairs + 1)
        self.conflict_radix = self.ideal_radix * (pairs + 1)
        self._values: dict[tuple[int, int], int] = {}  # a pair's value never changes during a search

    def value(self, i: int, j: int) -> int:
        key = (i, j) if i < j else (j, i)
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = self._value(i, j)
        return found

    def _value(self, i: int, j: int) -> int:
        p = self.problem
        if j in p.forbidden.get(i, ()):
            return -self.conflict_radix
        points = p.score(i, j) - p.min_score
        if p.prof[i] != p.prof[j]:
            points += self.cross_radix
            if p.step[i] == p.step[j] and p.scale[i] == p.scale[j]:
                points += self.ideal_radix
        return points

    def with_group(self, i: int, g: int) -> int:
        return sum(self.value(i, j) for j in self.groups[g] if j != i)

    def conflicted(self, among: Iterable[int] | None = None) -> set[int]:
        """Who shares a group with someone they may not meet (among the members of the groups ``among``)."""
        forbidden = self.problem.forbidden
        found: set[int] = set()
        # Pair by pair inside each group: a group has few pairs, while later rounds give everyone many people
        # they may not meet.
        for g in range(len(self.groups)) if among is None else among:
            members = self.groups[g]
            for k, i in enumerate(members):
                mine = forbidden.get(i, ())
                for j in members[k + 1:]:
                    if j in mine:
                        found.add(i)
                    if i in forbidden.get(j, ()):
                        found.add(j)
        return found

    def swap_gain(self, x: int, y: int) -> int:
        g, h = self.where[x], self.where.get(y)
        if h is None:  # y comes off the bench, x goes on it
            return self.with_group(y, g) - self.value(y, x) - self.with_group(x, g)
        v = self.value(x, y) + self.value(y, x)
        return self.with_group(x, h) + self.with_group(y, g) - self.with_group(x, g) - self.with_group(y, h) - v

    def move_gain(self, x: int, h: int) -> int:
        return self.with_group(x, h) - self.with_group(x, self.where[x])

    def can_move(self, x: int, h: int) -> bool:
        """A move keeps sizes N or N+1 and the level's groups even: from a group of its level one larger than ``h``."""
        g = self.where[x]
        if g == h or len(self.groups[g]) != len(self.groups[h]) + 1:
            return False
        level = self.level[x]
        return all(self.level[i] == level for i in (*self.groups[g], *self.groups[h]))

    def swap(self, x: int, y: int) -> None:
        """Exchange ``x`` and ``y``: either may be on the bench (then the other takes their place there)."""
        if x not in self.where:
            x, y = y, x
        g, h = self.where[x], self.where.get(y)
        self.groups[g][self.groups[g].index(x)] = y
        self.where[y] = g
        if h is None:
            del self.where[x]
            self.bench.discard(y)
            self.bench.add(x)
        else:
            self.groups[h][self.groups[h].index(y)] = x
            self.where[x] = h

    def move(self, x: int, h: int) -> None:
        g = self.where[x]
        self.groups[g].remove(x)
        self.groups[h].append(x)
        self.where[x] = h

    def is_large(self, x: int) -> bool:
        return len(self.peers[self.level[x]]) > LARGE_LEVEL

    def _candidates(self, x: int, rng: random.Random, width: int) -> list[int]:
        peers = self.peers[self.level[x]]
        if len(peers) <= width:
            return peers
        return rng.sample(peers, width)

    def _best_step(self, x: int, rng: random.Random, width: int, tabu: dict[tuple[int, int], int], it: int,
                   floor: int, benched: bool = False, coarse: bool = False) -> tuple[int, str, int] | None:
        """The best swap or move for ``x`` not made tabu, unless it beats ``floor`` (aspiration).

        With ``benched``, swaps with people in no group count too (the bench is group -1).  With ``coarse``,
        only the change in conflicts ranks the steps and ties are broken at random, as in the social golfer
        searches: the finer tiers would otherwise steer a search that is stuck on a plateau of conflicts.
        """
        g = self.where[x]
        best: tuple[int, str, int] | None = None
        best_key, ties = 0, 0
        half = self.conflict_radix // 2
        for y in self._candidates(x, rng, width):
            h = self.where.get(y, -1)
            if h == g or (h < 0 and not benched):
                continue
            steps = [(self.swap_gain(x, y), "swap", y)]
            if h >= 0 and self.can_move(x, h):
                steps.append((self.move_gain(x, h), "move", h))
            for gain, kind, target in steps:
                made_tabu = tabu.get((x, h), -1) > it or (kind == "swap" and tabu.get((y, g), -1) > it)
                if made_tabu and gain <= floor:
                    continue
                key = (gain + half) // self.conflict_radix if coarse else gain
                if best is None or key > best_key:
                    best, best_key, ties = (gain, kind, target), key, 1
                elif coarse and key == best_key:
                    ties += 1
                    if rng.randrange(ties) == 0:
                        best = (gain, kind, target)
        return best

    def repair(self, rng: random.Random, steps: int, width: int = 400, explore: bool = False,
               bad: set[int] | None = None) -> int:
        """Tabu search until no pair in a group may not meet, or ``steps`` run out; the conflicts left.

        Each step makes the best swap or move, for a few people in conflict, that is not tabu (a person may not
        return to a group they left for a few steps) unless it gives the best round seen.  The best round seen
        is the one kept.  With ``explore`` (for small rounds) it goes on after the last conflict, from people
        whose group could be better, for all ``steps``: tabu search escapes what hill climbing cannot.
        ``bad`` is :meth:`conflicted` if the caller has it already.  People of levels over LARGE_LEVEL get the
        narrow look of LARGE_WIDTH.
        """
        bad = self.conflicted() if bad is None else set(bad)
        if not bad and not explore:
            return 0
        tabu: dict[tuple[int, int], int] = {}
        done: list[tuple[str, int, int]] = []  # (kind, person, group left) to undo back to the best round
        total = best_total = 0
        best_at = 0
        half = self.conflict_radix // 2
        # Only groups that held a conflict or that a step changed can hold one at the end.
        touched_all = {self.where[i] for i in bad}
        for it in range(steps):
            found: tuple[tuple[int, str, int], int] | None = None
            rank: tuple[int, int] = (0, 0)
            pool = sorted(bad) if bad else [i for i in sorted(self.where) if self._could_improve(i)]
            for x in rng.sample(pool, min(len(pool), 8 if bad else 3)):
                large = self.is_large(x)
                step = self._best_step(x, rng, LARGE_WIDTH if large else width, tabu, it, best_total - total,
                                       benched=True, coarse=bool(bad) and not large)
                if step is None:
                    continue
                # Conflicts first; then, where the finer tiers count, the rest of the value.
                key = (step[0] + half) // self.conflict_radix
                mine = (key, step[0] - key * self.conflict_radix if large or not bad else 0)
                if found is None or mine > rank:
                    found, rank = (step, x), mine
            if found is None:
                continue
            (gain, kind, target), x = found
            g = self.where[x]
            h = self.where.get(target, -1) if kind == "swap" else target
            if kind == "swap":
                self.swap(x, target)
                tabu[(target, h)] = it + rng.randint(3, 12)
                done.append(("swap", x, target))
            else:
                self.move(x, h)
                done.append(("move", x, g))
            tabu[(x, g)] = it + rng.randint(3, 12)
            total += gain
            if total > best_total:
                best_total, best_at = total, len(done)
            touched = (g, h) if h >= 0 else (g,)
            touched_all.update(touched)
            bad = (bad - {x, target} - {i for k in touched for i in self.groups[k]}) | self.conflicted(touched)
            if not bad and not explore:
                break
        for kind, x, other in reversed(done[best_at:]):
            if kind == "swap":
                self.swap(x, other)
            else:
                self.move(x, other)
        return len(self.conflicted(sorted(touched_all)))

    def polish(self, rng: random.Random, steps: int, width: int = 12, patience: int = 100) -> int:
        """Hill climbing: the best improving swap or move for a person in a group that could be better.

        Swapping someone in from the bench counts, so a better round may change who sits out.

        Stops after ``patience`` people in a row had nothing better, or after ``steps``; returns the moves made.
        """
        people = [i for i in sorted(self.where) if self._could_improve(i)]
        made = idle = 0
        for _ in range(steps):
            if not people or idle >= patience:
                break
            x = rng.choice(people)
            if x not in self.where:
                idle += 1
                continue
            step = self._best_step(x, rng, width, {}, 0, 0, benched=True)
            if step is None or step[0] <= 0:
                idle += 1
                continue
            idle = 0
            made += 1
            if step[1] == "swap":
                self.swap(x, step[2])
            else:
                self.move(x, step[2])
        return made

    def _could_improve(self, i: int) -> bool:
        """Someone sharing a group with a colleague of their profession or organisation, or across levels."""
        p = self.problem
        return any(p.prof[j] == p.prof[i] or (p.org[i] >= 0 and p.org[j] == p.org[i]) or self.level[j] != self.level[i]
                   for j in self.groups[self.where[i]] if j != i)

"""Who can partner whom: how many people each person may still meet, in linear time.

The one count behind three questions: why someone was left without a partner (``pair``), who has no eligible
partner at all (``check``), and who has fewer possible new partners than the rounds of a programme
(``schedule`` and ``check --rounds``).  It is the rule of :meth:`~peermatch.matching.graph.Problem.allowed`,
counted per level: the people within ``max_gap`` levels on the same ladder, less those excluded or already met.
Nothing here looks at pairs of people, so a roster of 100,000 with 400 lone people is counted in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peermatch.matching.graph import Problem, row_classes


@dataclass(frozen=True)
class Partners:
    """Per person (by index in the problem): who is within reach, and who of them they may still meet."""

    in_reach: list[int]  # others within max_gap levels on the same ladder, taking part this round
    possible: list[int]  # of those, the ones not excluded and not met before

    def why_none(self, person: int) -> str | None:
        """``"alone"`` (nobody within reach), ``"excluded"`` (everyone within reach excluded or met), or None."""
        if self.possible[person]:
            return None
        return "alone" if not self.in_reach[person] else "excluded"


def partner_counts(problem: Problem) -> Partners:
    """Everyone's possible partners under ``problem``'s rules; see the module docstring.

    People sitting the round out (``problem.absent``) may meet nobody and count for nobody.
    """
    absent = problem.absent
    level, first = row_classes(problem.attributes()[:, :2])
    sizes = np.bincount(level[problem.present()], minlength=len(first)).tolist()
    keys = [tuple(key) for key in problem.attributes()[first, :2].tolist()]
    size_of = dict(zip(keys, sizes, strict=True))
    gaps = range(-problem.max_gap, problem.max_gap + 1)
    others = [sum(size_of.get((scale, step + g), 0) for g in gaps) - 1 for scale, step in keys]
    # One count object per level, shared by everyone at it: a new int per person would be 64 MB at a million.
    in_reach = list(map(others.__getitem__, level.tolist()))
    for i in absent:
        in_reach[i] = 0
    possible = list(in_reach)
    for i, met in problem.forbidden.items():
        if i not in absent:
            possible[i] -= sum(1 for j in set(met) if j != i and j not in absent
                               and (gap := problem.gap(i, j)) is not None and gap <= problem.max_gap)
    return Partners(in_reach=in_reach, possible=possible)

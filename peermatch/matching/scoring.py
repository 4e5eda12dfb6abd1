"""How good a pair is: integer points from the configured weights, and why.

The score is what a coordinator sees beside each group.  Which pairs the
solver *prefers* is decided in tiers (see :mod:`peermatch.matching.graph`): first the
number of pairs at the same level across professions, then the number of
people in a conversation, then the number of pairs across professions, and
only then the total score.  The weights order choices within those tiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from peermatch.models import Person
from peermatch.roster.config import Rules, Weights

# One pair (Python integers and booleans) or many at once (numpy arrays, broadcast against each other).
Many = TypeVar("Many", int, np.ndarray)


def points(weights: Weights, gap: Many, cross_profession: Many, different_organisation: Many,
           same_site: Many) -> Many:
    """The score of a pair ``gap`` levels apart with these bonuses: the one formula every score comes from.

    The flags are booleans, or arrays of them; a bonus counts when its flag is true.
    """
    w = weights
    score: Many = (w.same_level - gap * w.level_step + w.different_profession * cross_profession
                   + w.different_organisation * different_organisation + w.same_site * same_site)
    return score


@dataclass(frozen=True)
class Scorer:
    weights: Weights = field(default_factory=Weights)
    max_level_gap: int = 1

    def score(self, a: Person, b: Person) -> int:
        """Points for pairing ``a`` with ``b`` (assumes their levels are comparable)."""
        return points(self.weights, a.level.gap(b.level) or 0, a.profession_key != b.profession_key,
                      different_organisations(a, b), same_site(a, b))

    def reasons(self, a: Person, b: Person) -> tuple[str, ...]:
        """The score in words, e.g. ``same level (Band 6) · Nurse × Social Worker``."""
        gap = a.level.gap(b.level)
        if gap == 0:
            words = [f"same level ({a.level})"]
        elif gap is None:
            words = [f"levels not comparable ({a.level} · {b.level})"]
        else:
            apart = "one level" if gap == 1 else f"{gap} levels"
            low, high = sorted((a.level, b.level))
            words = [f"{apart} apart ({low} · {high})"]
        if a.profession_key != b.profession_key:
            words.append(f"{a.profession} × {b.profession}")
        else:
            words.append(f"same profession ({a.profession})")
        if different_organisations(a, b):
            words.append("different organisations")
        elif a.organisation_key and a.organisation_key == b.organisation_key:
            words.append("same organisation")
        if same_site(a, b):
            words.append(f"same site ({a.site})")
        return tuple(words)


def scorer_for(weights: Weights, rules: Rules) -> Scorer:
    return Scorer(weights=weights, max_level_gap=rules.max_level_gap)


def different_organisations(a: Person, b: Person) -> bool:
    # An unknown organisation is neither the same nor different: no bonus.
    return bool(a.organisation_key and b.organisation_key and a.organisation_key != b.organisation_key)


def same_site(a: Person, b: Person) -> bool:
    return bool(a.site_key and a.site_key == b.site_key)

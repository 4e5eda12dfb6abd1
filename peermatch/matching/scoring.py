"""How good a pair is: integer points from the configured weights, and why.

The score is what a coordinator sees beside each group.  Which pairs the
solver *prefers* is decided in tiers (see :mod:`peermatch.matching.graph`): first the
number of pairs at the same level across professions, then the number of
people in a conversation, then the number of pairs across professions, and
only then the total score.  The weights order choices within those tiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from peermatch.models import Person
from peermatch.roster.config import Rules, Weights


@dataclass(frozen=True)
class Scorer:
    weights: Weights = field(default_factory=Weights)
    max_level_gap: int = 1

    def level_gap(self, a: Person, b: Person) -> int | None:
        """Levels apart, or ``None`` when the two may not be paired for their levels."""
        gap = a.level.gap(b.level)
        if gap is None or gap > self.max_level_gap:
            return None
        return gap

    def score(self, a: Person, b: Person) -> int:
        """Points for pairing ``a`` with ``b`` (assumes their levels are comparable)."""
        w = self.weights
        gap = a.level.gap(b.level) or 0
        points = w.same_level - gap * w.level_step
        if a.profession_key != b.profession_key:
            points += w.different_profession
        if different_organisations(a, b):
            points += w.different_organisation
        if same_site(a, b):
            points += w.same_site
        return points

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

"""The most ideal pairs a level's groups can hold: the bound that groups are measured against.

An *ideal pair* in a group is two members at the same level and of different professions, the natural
extension of ideal pairs in ``pair``.  Per level, with ``s`` people in ``k`` groups whose sizes differ by at
most one (groups of N and N+1) and profession counts ``c_p``, no grouping holds more than

    even_pairs(s, k) - sum_p even_pairs(c_p, k)

ideal pairs, where ``even_pairs(x, k)`` is the number of pairs among ``x`` people split over ``k`` groups as
evenly as possible.  :func:`level_bound` is that one definition; everything that reports a bound calls it.

Complexity: O(number of professions) per level.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import comb


def even_pairs(people: int, groups: int) -> int:
    """Pairs inside ``groups`` groups holding ``people`` people as evenly as possible (sizes differ by at most one).

    Also the fewest pairs any split of ``people`` over ``groups`` groups can have: the sum of ``C(x_g, 2)`` is
    convex, so moving one person from a group of ``x`` to a group of ``y <= x - 2`` removes ``x - 1 - y > 0``
    pairs, and only an even split admits no such move.
    """
    if groups <= 0 or people <= 1:
        return 0
    q, r = divmod(people, groups)
    return r * comb(q + 1, 2) + (groups - r) * comb(q, 2)


def level_bound(profession_counts: Iterable[int], groups: int) -> int:
    """No grouping of a level's people into ``groups`` groups of near-even size has more ideal pairs than this.

    Proof sketch.  Sizes that differ by at most one and add up to ``s`` are fixed by ``s`` and ``k``, so the
    level's groups hold exactly ``even_pairs(s, k)`` same-level pairs.  Each of them is either ideal or joins two
    people of one profession.  A profession of ``c_p`` people split over the ``k`` groups forms at least
    ``even_pairs(c_p, k)`` same-profession pairs (see :func:`even_pairs`: the even split is the minimum), whatever
    the other professions do.  So the ideal pairs are at most the difference.  Exclusions and past meetings only
    remove groupings, so the bound ignores them.  It is tight when the professions can all be spread evenly at
    once, which the striped deal of :mod:`peermatch.matching.groups` achieves whenever nothing is excluded.
    """
    counts = [c for c in profession_counts if c > 0]
    return even_pairs(sum(counts), groups) - sum(even_pairs(c, groups) for c in counts)


def profile_bound(profession_counts: Iterable[int], sizes: Iterable[int]) -> int:
    """The same bound for groups holding ``sizes`` of the level's people, however uneven.

    The groups hold exactly ``sum C(a, 2)`` same-level pairs and, as in :func:`level_bound`, at least
    ``even_pairs(c_p, k)`` same-profession pairs per profession.  With even sizes it equals :func:`level_bound`.
    """
    held = [a for a in sizes if a > 0]
    return sum(comb(a, 2) for a in held) - sum(even_pairs(c, len(held)) for c in profession_counts if c > 0)


def scattered_bound(profession_counts: Iterable[int], largest_group: int) -> int:
    """A bound for a level too small to fill groups of its own, whose people join groups of other levels.

    Its people may end up in any groups of at most ``largest_group`` members, so it can hold no more ideal
    pairs than all its cross-profession pairs, nor more same-level pairs than the people packed into full
    groups would make.
    """
    counts = [c for c in profession_counts if c > 0]
    s = sum(counts)
    cross = comb(s, 2) - sum(comb(c, 2) for c in counts)
    full, rest = divmod(s, max(largest_group, 1))
    return min(cross, full * comb(largest_group, 2) + comb(rest, 2))

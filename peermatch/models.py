"""The values that flow through peermatch: people in, groups out.

Plain frozen dataclasses, no pandas: pandas stays at the edges (reading the
roster, writing CSV).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peermatch.levels import Level


@dataclass(slots=True)
class Person:
    """One participant, as read from the roster and normalised.

    Display fields keep the spelling most of the roster used; the ``*_key``
    fields are the folded forms used for every comparison.  Treat it as
    read-only: it is not frozen only because building 100,000 frozen
    instances costs a third of the time it takes to read the roster.
    """

    id: str
    name: str
    email: str
    grade: str
    level: Level
    profession: str
    organisation: str
    site: str
    row: int
    profession_key: str
    organisation_key: str
    site_key: str


@dataclass(frozen=True)
class LeftOut:
    """Someone in the roster who takes no part, and why (by row, not by name)."""

    id: str
    row: int
    reason: str


@dataclass
class Roster:
    path: Path
    people: list[Person]
    left_out: list[LeftOut] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    columns: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Group:
    """A conversation: a pair, or a group of three when the count is odd."""

    members: tuple[str, ...]
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    people: int
    groups: int
    pairs_same_level: int
    pairs_cross_profession: int
    pairs_cross_organisation: int
    ideal_pairs: int
    ideal_pairs_possible: int
    unmatched: int
    left_out: int
    total_score: int  # over all groups, a group of three counting its three pairings
    pair_score: int  # over the pairs alone, before anyone joined a group of three
    score_bound: int  # no pairing of this roster can have a pair_score above this
    solver: str
    seed: int


@dataclass
class PairResult:
    """What ``peermatch pair`` produces: everything a renderer or writer needs."""

    roster: Roster
    groups: list[Group]
    unmatched: list[str]
    summary: Summary
    unmatched_reasons: dict[str, str] = field(default_factory=dict)

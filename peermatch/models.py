"""The values that flow through peermatch: people in, groups out.

Plain frozen dataclasses, no pandas: pandas stays at the edges (reading the
roster, writing CSV).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True, order=True)
class Level:
    """A position on a ladder of grades.

    Ordering sorts by scale, then seniority, which is what tables want.
    """

    scale: str
    step: int
    label: str = field(compare=False)

    def gap(self, other: Level) -> int | None:
        """Steps between two levels, or ``None`` when they cannot be compared."""
        if self.scale != other.scale:
            return None
        return abs(self.step - other.step)

    def __str__(self) -> str:
        return self.label


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


@dataclass(frozen=True, slots=True)  # slots: 20 MB less for a million people's groups
class Group:
    """A conversation: a pair (or a group of three when the count is odd), or a group of any size (--group-size)."""

    members: tuple[str, ...]
    score: int
    reasons: tuple[str, ...]
    joined: str | None = None  # in a group one larger than planned (a pair's third), who joined it


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
    score_bound: int | None  # no pairing of this roster can have a pair_score above this (None for groups)
    solver: str
    seed: int
    # 2: pairs.  Larger: groups of this size (some one larger), and the pair counts above are over every pair of
    # members inside a group, ideal_pairs_possible being the most any grouping of the roster holds.
    group_size: int = 2


@dataclass
class PairResult:
    """What ``peermatch pair`` produces: everything a renderer or writer needs."""

    roster: Roster
    groups: list[Group]
    unmatched: list[str]
    summary: Summary
    unmatched_reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduledGroup:
    """One conversation in a round of a schedule."""

    members: tuple[str, ...]
    score: int
    reasons: tuple[str, ...]
    table: int | None  # a table number at a one-day event, else None
    uid: str  # the calendar UID: stable across reruns, kept in the history
    joined: str | None = None  # in a group one larger than planned (a pair's third), who joined it
    # The calendar entry's version: SEQUENCE goes up each time a rerun changes the conversation, and DTSTAMP is
    # when that version was recorded (UTC); None until the history has a version of it.
    sequence: int = 0
    stamp: datetime | None = None


@dataclass(frozen=True)
class CancelledEntry:
    """A calendar entry sent for a conversation that a later plan of the round no longer has (``Round.cancelled``),
    or that goes on without ``members`` (``Round.uninvited``).

    Calendars already hold it, so it is cancelled rather than dropped: the same UID and, for a whole entry, a
    SEQUENCE one above the last version sent and STATUS:CANCELLED; for people taken off an entry, the SEQUENCE of
    the version that left them out.  The history keeps it with its round, so every rerun writes the same
    cancellation, until a plan brings these people back into the conversation and the entry comes back.
    """

    uid: str
    members: tuple[str, ...]  # the ids it is cancelled for; people no longer in the roster get no ATTENDEE line
    sequence: int
    stamp: datetime  # DTSTAMP: when it was cancelled for them (UTC)
    starts: datetime  # the start the invitation gave, local time in Europe/London, no tzinfo
    minutes: int  # the length it gave


@dataclass
class Round:
    number: int  # 1-based within this schedule
    label: str  # the history's name for the round (its date, or --round PREFIX-n)
    starts: datetime  # local time in Europe/London, no tzinfo
    groups: list[ScheduledGroup]
    unmatched: list[str]
    prompt: str  # the conversation prompt for this round
    unmatched_reasons: dict[str, str] = field(default_factory=dict)  # id -> why they sit this round out
    cancelled: list[CancelledEntry] = field(default_factory=list)  # entries of an earlier plan of this round
    # People an earlier plan's entry was sent to whom the changed conversation holding that entry no longer has: each
    # record is the entry's cancellation for them alone (the entry goes on for the others).
    uninvited: list[CancelledEntry] = field(default_factory=list)


@dataclass
class Schedule:
    """What ``peermatch schedule`` produces."""

    roster: Roster
    rounds: list[Round]
    duration_minutes: int
    location: str
    summary: dict[str, Any] = field(default_factory=dict)
    professions_met: dict[str, int] = field(default_factory=dict)  # person id -> distinct professions met
    warnings: list[str] = field(default_factory=list)  # one line each, rows and ids only (never names)


def group_uid(label: str, members: Iterable[str]) -> str:
    """A calendar UID that is the same whenever the same group meets in the same round."""
    digest = hashlib.sha256("\x1f".join([label, *sorted(members)]).encode()).hexdigest()[:24]
    return f"{digest}@peermatch"

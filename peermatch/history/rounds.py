"""What the history says of a round: its groups as recorded (one by one, or column by column for a large pairing)
and a round's summary line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain


@dataclass(frozen=True, slots=True)  # slots: 20 MB less for a round of a million people
class RecordedGroup:
    members: tuple[str, ...]
    table: int | None
    uid: str
    odd_one: str | None  # who joined the group, making it one larger than planned (a pair's third), else None
    sequence: int = 0  # the calendar entry's SEQUENCE
    stamp: str | None = None  # its DTSTAMP, UTC "2027-01-11T09:00:00Z": when this version was recorded
    version: str = ""  # a digest of what the entry says; blank when not known (recorded before it was kept)


@dataclass(frozen=True)
class GroupColumns:
    """A round's groups column by column: entry ``k`` of each column is group ``k``'s.

    How a pairing of a million people is recorded: a RecordedGroup for each of its 500,000 groups took seconds
    to make.  A column left None is the default for every group (no table, no feedback, SEQUENCE 0, no DTSTAMP, no
    version).
    """

    members: Sequence[tuple[str, ...]]
    uids: Sequence[str]
    odd_ones: Sequence[str | None]
    tables: Sequence[int | None] | None = None
    sequences: Sequence[int] | None = None
    stamps: Sequence[str | None] | None = None
    versions: Sequence[str] | None = None
    met: Sequence[bool | None] | None = None  # feedback, from an imported spreadsheet

    @classmethod
    def of(cls, groups: Sequence[RecordedGroup]) -> GroupColumns:
        return cls(members=[g.members for g in groups], uids=[g.uid for g in groups],
                   odd_ones=[g.odd_one for g in groups], tables=[g.table for g in groups],
                   sequences=[g.sequence for g in groups], stamps=[g.stamp for g in groups],
                   versions=[g.version for g in groups])

    def check(self, label: str, unmatched: Sequence[str]) -> None:
        """ValueError unless every group has two or more people, each person is in one group or unmatched once,
        and who joined a group is one of its members."""
        columns = (self.uids, self.odd_ones, self.tables, self.sequences, self.stamps, self.versions, self.met)
        if any(column is not None and len(column) != len(self.members) for column in columns):
            raise ValueError(f"round {label!r}: every column needs one entry per group")
        people = set(chain.from_iterable(self.members))
        # Fewer ids than members: someone is in two groups or twice in one.
        if min(map(len, self.members), default=2) < 2 or len(people) < sum(map(len, self.members)):
            raise ValueError(f"round {label!r}: a group needs two or more people, each in one group only")
        joined = zip(self.members, self.odd_ones, strict=True)
        if any(odd is not None and odd not in members for members, odd in joined):
            raise ValueError(f"round {label!r}: the odd one must be a member of their group")
        if people.intersection(unmatched) or len(set(unmatched)) < len(unmatched):
            raise ValueError(f"round {label!r}: an unmatched person is also in a group, or listed twice")


@dataclass(frozen=True)
class RoundInfo:
    label: str
    starts: str | None  # "2027-01-11T09:00"
    kind: str  # "pair", "schedule" or "import"
    groups: int
    people: int  # in a group or unmatched
    met: int  # groups reported as having met
    not_met: int  # groups reported as not having met
    recorded_at: str

"""What a run leaves in the history: its groups, by id, under a round label."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import tee
from operator import attrgetter
from typing import TypeVar, overload

from peermatch.history.cancellations import RecordedCancellation
from peermatch.history.rounds import GroupColumns, RecordedGroup
from peermatch.history.store import History
from peermatch.models import CancelledEntry, Group, PairResult, Person, Round, Schedule, ScheduledGroup, group_uid

_STAMP = "%Y-%m-%dT%H:%M:%SZ"
T = TypeVar("T")
_LOCAL = "%Y-%m-%dT%H:%M"


def pair_label(chosen: str | None = None) -> str:
    """The label ``pair`` records its round under: the one chosen, or ``pair-`` and today's date.

    A namespace of its own, so a pairing never replaces a scheduled round of the same date; a second pairing on the
    same day replaces the first, so the commands that predict ``pair`` (check, explain) leave that round out.
    """
    return (chosen or f"pair-{date.today().isoformat()}").strip()


def _profiles(people: Sequence[Person]) -> dict[str, tuple[str, str]]:
    """Each person's folded profession and organisation by id: only what reports need, never names or emails.

    Everyone with the same two shares one tuple, so the dict costs no more than one of the people themselves (a
    tuple each took 100 MB at a million people), and the history looks each member up without Python code.
    """
    shared: dict[tuple[str, str], tuple[str, str]] = {}
    profiles = map(attrgetter("profession_key", "organisation_key"), people)
    return dict(zip(map(attrgetter("id"), people), map(shared.setdefault, *tee(profiles)), strict=True))


class _PerGroup(Sequence[T]):
    """One value per group of a pairing, made each time the history reads it: a list of a million people's
    calendar UIDs took 46 MB, and the history reads them once."""

    def __init__(self, groups: Sequence[Group], value: Callable[[Group], T]) -> None:
        self._groups, self._value = groups, value

    def __len__(self) -> int:
        return len(self._groups)

    def __iter__(self) -> Iterator[T]:
        return map(self._value, self._groups)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self._value(group) for group in self._groups[index]]
        return self._value(self._groups[index])


def record_pair_result(store: History, label: str, result: PairResult) -> None:
    groups = GroupColumns(members=[group.members for group in result.groups],
                          uids=_PerGroup(result.groups, lambda group: group_uid(label, group.members)),
                          odd_ones=_PerGroup(result.groups, attrgetter("joined")))
    store.record_round(label, kind="pair", starts=None, groups=groups, unmatched=result.unmatched,
                       profiles=_profiles(result.roster.people))


def conversation_version(schedule: Schedule, round_: Round, group: ScheduledGroup) -> str:
    """A digest of what a conversation's calendar entry says: when, how long, where, the prompt, the table and who.

    Ids only, never names: a rerun that changes none of these leaves the entry's SEQUENCE and DTSTAMP alone.
    """
    parts = [round_.starts.isoformat(), str(schedule.duration_minutes), schedule.location, round_.prompt,
             str(group.table), *group.members]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def carry_versions(store: History, schedule: Schedule, recorded: datetime) -> Schedule:
    """The schedule with each conversation's calendar UID, SEQUENCE and DTSTAMP carried over from the history, and
    each round's cancelled calendar entries and people taken off entries.

    When a round is planned again, each new group takes over the calendar entry of the recorded group it shares
    the most people with (the same people first), so the entry already in their calendars is updated rather than
    left beside a new one.  An entry that says the same as before keeps its SEQUENCE and DTSTAMP, so an unchanged
    plan gives the same files; one that changed gets SEQUENCE + 1 and ``recorded`` (the time of this run, UTC) as
    DTSTAMP; a group with nobody from the recorded round gets a new entry, SEQUENCE 0.

    A recorded entry no new group takes over (its people are all in other groups now, or left) is cancelled:
    SEQUENCE + 1, DTSTAMP ``recorded``, and the start it gave, so calendars can remove it.  An entry
    cancelled by an earlier rerun stays cancelled as it was, unless a group of exactly its people meets again: then
    that group takes the entry back (SEQUENCE + 1) rather than a second one beside it.

    People an entry was sent to whom the changed conversation taking it over no longer has are taken off it: they
    are sent its cancellation (``Round.uninvited``, at the entry's new SEQUENCE), since the updated invitation goes
    to the others only, and they stay off it unless a later plan puts them back in that conversation.  ``summary``
    counts both.
    """
    moment = recorded.astimezone(UTC).replace(microsecond=0)
    rounds, cancelled_now, uninvited_now = [], 0, 0
    for round_ in schedule.rounds:
        carried = _carried(schedule, round_, _recorded(store, round_.label), moment)
        rounds.append(dataclasses.replace(round_, groups=carried.groups, cancelled=carried.cancelled,
                                          uninvited=carried.uninvited))
        cancelled_now += carried.cancelled_now
        uninvited_now += carried.uninvited_now
    summary = schedule.summary | {
        "calendar_entries_cancelled": sum(len(r.cancelled) for r in rounds),
        "calendar_entries_cancelled_now": cancelled_now,
        "people_uninvited": sum(len(entry.members) for r in rounds for entry in r.uninvited),
        "people_uninvited_now": uninvited_now}
    return dataclasses.replace(schedule, rounds=rounds, summary=summary)


@dataclasses.dataclass(frozen=True)
class _Recorded:
    """What the history holds for a round being planned again: its entries, those cancelled, who was taken off
    an entry, and its start."""

    groups: list[RecordedGroup]
    cancelled: list[RecordedCancellation]
    uninvited: list[RecordedCancellation]
    starts: datetime | None


def _recorded(store: History, label: str) -> _Recorded:
    starts = store.round_starts(label)
    return _Recorded(store.calendar_versions(label), store.cancelled_entries(label), store.uninvited_entries(label),
                     datetime.strptime(starts, _LOCAL) if starts else None)


@dataclasses.dataclass(frozen=True)
class _Carried:
    groups: list[ScheduledGroup]
    cancelled: list[CancelledEntry]
    uninvited: list[CancelledEntry]
    cancelled_now: int  # how many of ``cancelled`` this run cancelled
    uninvited_now: int  # how many people this run took off an entry


def _entry(recorded: RecordedCancellation, members: tuple[str, ...]) -> CancelledEntry:
    return CancelledEntry(recorded.uid, members, recorded.sequence,
                          datetime.strptime(recorded.stamp, _STAMP).replace(tzinfo=UTC),
                          datetime.strptime(recorded.starts, _LOCAL), recorded.minutes)


def _carried(schedule: Schedule, round_: Round, recorded: _Recorded, moment: datetime) -> _Carried:
    old = recorded.groups
    exact = {frozenset(g.members): k for k, g in enumerate(old)}
    where = {member: k for k, g in enumerate(old) for member in g.members}
    claimed: dict[int, int] = {}  # old group -> new group that takes over its entry
    for n, group in enumerate(round_.groups):  # the same people first
        k = exact.get(frozenset(group.members))
        if k is not None:
            claimed[k] = n
    taken = {n: k for k, n in claimed.items()}
    # Then the same people as a cancelled entry: it is in their calendars, cancelled, and comes back.
    gone = {frozenset(entry.members): entry for entry in recorded.cancelled}
    back = {n: entry for n, group in enumerate(round_.groups)
            if n not in taken and (entry := gone.get(frozenset(group.members))) is not None}
    for n, group in enumerate(round_.groups):  # then the most people shared, the earlier recorded group on a tie
        if n in taken or n in back:
            continue
        shared: dict[int, int] = {}
        for member in group.members:
            k = where.get(member)
            if k is not None and k not in claimed:
                shared[k] = shared.get(k, 0) + 1
        if shared:
            k = min(shared, key=lambda k: (-shared[k], k))
            claimed[k], taken[n] = n, k
    # A new entry never takes a UID calendars already hold, cancelled or not.
    used = {g.uid for g in old if g.uid} | {entry.uid for entry in [*recorded.cancelled, *recorded.uninvited]}
    groups = []
    for n, group in enumerate(round_.groups):
        version = conversation_version(schedule, round_, group)
        k = taken.get(n)
        before = old[k] if k is not None else None
        # A version not recorded (a round from before versions were kept) is taken as unchanged for the same people.
        same = before is not None and (before.version == version
                                       or (not before.version and set(before.members) == set(group.members)))
        if before is not None and before.uid and before.stamp and same:
            groups.append(dataclasses.replace(group, uid=before.uid, sequence=before.sequence,
                                              stamp=datetime.strptime(before.stamp, _STAMP).replace(tzinfo=UTC)))
        elif before is not None and before.uid:
            groups.append(dataclasses.replace(group, uid=before.uid, sequence=before.sequence + 1, stamp=moment))
        elif n in back:
            groups.append(dataclasses.replace(group, uid=back[n].uid, sequence=back[n].sequence + 1, stamp=moment))
        else:
            uid, attempt = group.uid, 0
            while uid in used:  # an entry a changed group took over may carry the UID these people once had
                attempt += 1
                uid = group_uid(f"{round_.label}\x1f{attempt}", group.members)
            used.add(uid)
            groups.append(dataclasses.replace(group, uid=uid, sequence=0, stamp=moment))
    starts = recorded.starts or round_.starts  # what the invitations being cancelled gave
    returned = {entry.uid for entry in back.values()}
    cancelled = [_entry(entry, entry.members) for entry in recorded.cancelled if entry.uid not in returned]
    # An entry nobody took over.  A group forget-person shrank has no UID left (nor was one ever sent for it).
    cancelled_now = [CancelledEntry(g.uid, g.members, g.sequence + 1, moment, starts, schedule.duration_minutes)
                     for k, g in enumerate(old) if k not in claimed and g.uid]
    # Who was taken off an entry earlier stays off it, unless the conversation holding it has them back.
    live = {group.uid: set(group.members) for group in groups}
    uninvited = [_entry(entry, members) for entry in recorded.uninvited
                 if (members := tuple(m for m in entry.members if m not in live.get(entry.uid, ())))]
    # An entry a changed conversation took over goes on without some of the people it was sent to.
    uninvited_now = [CancelledEntry(group.uid, off, group.sequence, moment, starts, schedule.duration_minutes)
                     for n, group in enumerate(groups)
                     if (k := taken.get(n)) is not None and old[k].uid == group.uid
                     and (off := tuple(m for m in old[k].members if m not in live[group.uid]))]
    return _Carried(groups, cancelled + cancelled_now, uninvited + uninvited_now, len(cancelled_now),
                    sum(len(entry.members) for entry in uninvited_now))


def record_schedule(store: History, schedule: Schedule) -> None:
    profiles = _profiles(schedule.roster.people)
    for rnd in schedule.rounds:
        groups = [RecordedGroup(members=g.members, table=g.table, uid=g.uid, odd_one=g.joined, sequence=g.sequence,
                                stamp=g.stamp.astimezone(UTC).strftime(_STAMP) if g.stamp else None,
                                version=conversation_version(schedule, rnd, g))
                  for g in rnd.groups]
        store.record_round(rnd.label, kind="schedule", starts=rnd.starts.strftime(_LOCAL),
                           groups=groups, unmatched=rnd.unmatched, profiles=profiles,
                           cancelled=[_recorded_entry(entry) for entry in rnd.cancelled],
                           uninvited=[_recorded_entry(entry) for entry in rnd.uninvited])


def _recorded_entry(entry: CancelledEntry) -> RecordedCancellation:
    return RecordedCancellation(entry.uid, entry.members, entry.sequence, entry.stamp.astimezone(UTC).strftime(_STAMP),
                                entry.starts.strftime(_LOCAL), entry.minutes)

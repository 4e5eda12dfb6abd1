"""What a run leaves in the history: its groups, by id, under a round label."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime

from peermatch.history.store import History, RecordedGroup
from peermatch.models import PairResult, Person, Round, Schedule, ScheduledGroup, group_uid

_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def pair_label(chosen: str | None = None) -> str:
    """The label ``pair`` records its round under: the one chosen, or ``pair-`` and today's date.

    A namespace of its own, so a pairing never replaces a scheduled round of the same date; a second pairing on the
    same day replaces the first, so the commands that predict ``pair`` (check, explain) leave that round out.
    """
    return (chosen or f"pair-{date.today().isoformat()}").strip()


def _profiles(people: Sequence[Person]) -> dict[str, tuple[str, str]]:
    # Only what reports need: folded profession and organisation, never names or emails.
    return {p.id: (p.profession_key, p.organisation_key) for p in people}


def record_pair_result(store: History, label: str, result: PairResult) -> None:
    groups = [RecordedGroup(members=g.members, table=None, uid=group_uid(label, g.members), odd_one=g.joined)
              for g in result.groups]
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
    """The schedule with each conversation's calendar UID, SEQUENCE and DTSTAMP carried over from the history.

    When a round is planned again, each new group takes over the calendar entry of the recorded group it shares
    the most people with (the same people first), so the entry already in their calendars is updated rather than
    left beside a new one.  An entry that says the same as before keeps its SEQUENCE and DTSTAMP, so an unchanged
    plan gives the same files; one that changed gets SEQUENCE + 1 and ``recorded`` (the time of this run, UTC) as
    DTSTAMP; a group with nobody from the recorded round gets a new entry, SEQUENCE 0.
    """
    moment = recorded.astimezone(UTC).replace(microsecond=0)
    rounds = []
    for round_ in schedule.rounds:
        old = store.calendar_versions(round_.label)
        rounds.append(dataclasses.replace(round_, groups=_carried(schedule, round_, old, moment)))
    return dataclasses.replace(schedule, rounds=rounds)


def _carried(schedule: Schedule, round_: Round, old: list[RecordedGroup], moment: datetime) -> list[ScheduledGroup]:
    exact = {frozenset(g.members): k for k, g in enumerate(old)}
    where = {member: k for k, g in enumerate(old) for member in g.members}
    claimed: dict[int, int] = {}  # old group -> new group that takes over its entry
    for n, group in enumerate(round_.groups):  # the same people first
        k = exact.get(frozenset(group.members))
        if k is not None:
            claimed[k] = n
    taken = {n: k for k, n in claimed.items()}
    for n, group in enumerate(round_.groups):  # then the most people shared, the earlier recorded group on a tie
        if n in taken:
            continue
        shared: dict[int, int] = {}
        for member in group.members:
            k = where.get(member)
            if k is not None and k not in claimed:
                shared[k] = shared.get(k, 0) + 1
        if shared:
            k = min(shared, key=lambda k: (-shared[k], k))
            claimed[k], taken[n] = n, k
    used = {g.uid for g in old if g.uid}  # a new entry never takes a UID calendars already hold
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
        else:
            uid, attempt = group.uid, 0
            while uid in used:  # an entry a changed group took over may carry the UID these people once had
                attempt += 1
                uid = group_uid(f"{round_.label}\x1f{attempt}", group.members)
            used.add(uid)
            groups.append(dataclasses.replace(group, uid=uid, sequence=0, stamp=moment))
    return groups


def record_schedule(store: History, schedule: Schedule) -> None:
    profiles = _profiles(schedule.roster.people)
    for rnd in schedule.rounds:
        groups = [RecordedGroup(members=g.members, table=g.table, uid=g.uid, odd_one=g.joined, sequence=g.sequence,
                                stamp=g.stamp.astimezone(UTC).strftime(_STAMP) if g.stamp else None,
                                version=conversation_version(schedule, rnd, g))
                  for g in rnd.groups]
        store.record_round(rnd.label, kind="schedule", starts=rnd.starts.strftime("%Y-%m-%dT%H:%M"),
                           groups=groups, unmatched=rnd.unmatched, profiles=profiles)

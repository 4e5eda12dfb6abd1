"""What a run leaves in the history: its groups, by id, under a round label."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from peermatch.history.store import History, RecordedGroup
from peermatch.models import PairResult, Person, Schedule, group_uid


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


def record_schedule(store: History, schedule: Schedule) -> None:
    profiles = _profiles(schedule.roster.people)
    for rnd in schedule.rounds:
        groups = [RecordedGroup(members=g.members, table=g.table, uid=g.uid, odd_one=g.joined) for g in rnd.groups]
        store.record_round(rnd.label, kind="schedule", starts=rnd.starts.strftime("%Y-%m-%dT%H:%M"),
                           groups=groups, unmatched=rnd.unmatched, profiles=profiles)

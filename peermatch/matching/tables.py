"""Rounds of groups (``schedule --group-size N``) as a :class:`~peermatch.models.Schedule` every output takes.

The rounds come from :func:`peermatch.matching.group_rounds.plan_group_rounds`, told who has met before (the
history), so nobody meets anyone twice.  This module numbers the tables at an event, gives each group its calendar
UID, words and score, picks the round's prompt, and sums up the programme: ideal pairs within groups against the
bound, and professions met.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from peermatch.matching.group_rounds import GroupSchedule
from peermatch.matching.pairing import GroupWords
from peermatch.matching.schedule import Interval
from peermatch.matching.scoring import scorer_for
from peermatch.models import Roster, Round, Schedule, ScheduledGroup, group_uid
from peermatch.roster.config import Config


def group_schedule(roster: Roster, config: Config, planned: GroupSchedule, *, starts: Sequence[datetime],
                   labels: Sequence[str], interval: Interval, seed: int, prompts: Sequence[str] = ("",),
                   prompt_offset: int = 0,
                   known_uid: Callable[[str, Sequence[str]], str | None] | None = None) -> Schedule:
    """The rounds ``planned`` as a schedule: one round per start time, in order."""
    people, size = roster.people, config.groups.size
    index = {p.id: i for i, p in enumerate(people)}
    words = GroupWords(scorer_for(config.weights, config.rules), people)
    met: dict[str, set[str]] = {p.id: set() for p in people}
    rounds = []
    for number, (planned_round, moment, label) in enumerate(zip(planned.rounds, starts, labels, strict=True),
                                                            start=1):
        groups = []
        for table, members in zip(planned_round.tables, planned_round.groups, strict=True):
            ordered = tuple(sorted(members, key=index.__getitem__))
            score, reasons = words([index[m] for m in ordered])
            uid = (known_uid(label, ordered) if known_uid else None) or group_uid(label, ordered)
            groups.append(ScheduledGroup(members=ordered, score=score, reasons=reasons,
                                         table=table if interval.is_event else None, uid=uid))
            for a, b in itertools.permutations(ordered, 2):
                met[a].add(people[index[b]].profession_key)
        prompt = prompts[(prompt_offset + number - 1) % len(prompts)]
        rounds.append(Round(number=number, label=label, starts=moment, groups=groups,
                            unmatched=list(planned_round.unmatched), prompt=prompt))
    professions_met = {pid: len(kinds) for pid, kinds in met.items()}
    summary = {
        "people": len(people),
        "rounds": len(rounds),
        "interval": str(interval),
        "group_size": size,
        "conversations": sum(len(r.groups) for r in rounds),
        "larger_groups": sum(len(g.members) > size for r in rounds for g in r.groups),
        "ideal_pairs": sum(r.ideal_pairs for r in planned.rounds),
        "ideal_pairs_possible": sum(r.bound for r in planned.rounds),
        "ideal_pairs_per_round_possible": max((r.bound for r in planned.rounds), default=0),
        "rounds_possible": planned.rounds_possible,
        "unmatched": sum(len(r.unmatched) for r in rounds),
        "professions_met": dict(sorted(Counter(professions_met.values()).items())),
        "seed": seed,
    }
    return Schedule(roster=roster, rounds=rounds, duration_minutes=config.schedule.duration_minutes,
                    location=config.schedule.location, summary=summary, professions_met=professions_met)


def too_many_rounds(possible: dict[str, int], size: int, rounds: int) -> list[str]:
    """For each level (``possible``: label -> rounds it allows) that cannot hold ``rounds``, why and what helps."""
    return [f"level {label}: groups of {size} allow {most} round{'s' * (most != 1)} before two people there would "
            f"meet again, and {rounds} are planned: in later rounds some of them sit out. Plan fewer rounds "
            f"(--rounds {most}), choose a smaller --group-size, or refuse such a plan with --strict"
            for label, most in possible.items() if 0 < most < rounds]

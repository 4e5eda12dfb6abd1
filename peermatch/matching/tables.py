"""Rounds of groups (``schedule --group-size N``) as a :class:`~peermatch.models.Schedule` every output takes.

The groups of each round come from :func:`peermatch.matching.groups.form_groups`, told who has met so far (the
history, then every pair of people who shared a group in an earlier round), so nobody meets anyone twice.  Whoever
sat a round out under ``--odd leave-out`` is told to the next round, which seats them first: the remainder rotates.
This module numbers the tables at an event, gives each group its calendar UID, words and score, picks the round's
prompt, and sums up the programme: ideal pairs within groups against the bound, and professions met.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from peermatch.matching.checking import rounds_possible
from peermatch.matching.groups import Grouping, form_groups
from peermatch.matching.pairing import GroupWords
from peermatch.matching.schedule import Interval
from peermatch.matching.scoring import scorer_for
from peermatch.models import Level, Person, Roster, Round, Schedule, ScheduledGroup, group_uid
from peermatch.roster.config import Config


def plan_group_rounds(roster: Roster, config: Config, *, rounds: int, seed: int, odd: str = "triad",
                      past: Iterable[frozenset[str]] = (), exclude: Iterable[tuple[str, str]] = (),
                      sat_out: Counter[str] | None = None,
                      progress: Callable[[int, int], None] | None = None) -> list[Grouping]:
    """``rounds`` rounds of groups of ``config.groups.size``, nobody meeting twice across them and ``past``."""
    people, size = roster.people, config.groups.size
    met = {(min(pair), max(pair)) for pair in past if len(pair) == 2}
    rested: Counter[str] = Counter(sat_out or {})
    rng = random.Random(seed)
    planned = []
    for number in range(1, rounds + 1):
        grouping = form_groups(people, size, odd="leave-out" if odd == "leave-out" else "grow",
                               max_level_gap=config.rules.max_level_gap,
                               exclusions=[*config.rules.exclude, *exclude], met=sorted(met),
                               seed=rng.randrange(2**31), weights=config.weights, sat_out=rested)
        for members in grouping.groups:
            met.update((min(a, b), max(a, b)) for a, b in itertools.combinations(members, 2))
        rested.update(list(grouping.unmatched))  # the ids: the values say why
        planned.append(grouping)
        if progress:
            progress(number, rounds)
    return planned


def group_schedule(roster: Roster, config: Config, groupings: Sequence[Grouping], *, starts: Sequence[datetime],
                   labels: Sequence[str], interval: Interval, seed: int, prompts: Sequence[str] = ("",),
                   prompt_offset: int = 0,
                   known_uid: Callable[[str, Sequence[str]], str | None] | None = None) -> Schedule:
    """The rounds ``groupings`` as a schedule: one round per start time, in order."""
    people, size = roster.people, config.groups.size
    index = {p.id: i for i, p in enumerate(people)}
    words = GroupWords(scorer_for(config.weights, config.rules), people)
    met: dict[str, set[str]] = {p.id: set() for p in people}
    rounds = []
    for number, (grouping, moment, label) in enumerate(zip(groupings, starts, labels, strict=True), start=1):
        groups = []
        # The solver lists groups senior level first, members in roster order: table 1 is the most senior.
        for table, members in enumerate(grouping.groups, start=1):
            ordered = tuple(sorted(members, key=index.__getitem__))
            score, reasons = words([index[m] for m in ordered])
            uid = (known_uid(label, ordered) if known_uid else None) or group_uid(label, ordered)
            groups.append(ScheduledGroup(members=ordered, score=score, reasons=reasons,
                                         table=table if interval.is_event else None, uid=uid))
            for a, b in itertools.permutations(ordered, 2):
                met[a].add(people[index[b]].profession_key)
        prompt = prompts[(prompt_offset + number - 1) % len(prompts)]
        rounds.append(Round(number=number, label=label, starts=moment, groups=groups,
                            unmatched=list(grouping.unmatched), prompt=prompt))
    professions_met = {pid: len(kinds) for pid, kinds in met.items()}
    summary = {
        "people": len(people),
        "rounds": len(rounds),
        "interval": str(interval),
        "group_size": size,
        "conversations": sum(len(r.groups) for r in rounds),
        "larger_groups": sum(len(g.members) > size for r in rounds for g in r.groups),
        "ideal_pairs": sum(g.ideal_pairs for g in groupings),
        "ideal_pairs_possible": sum(g.bound for g in groupings),
        "ideal_pairs_per_round_possible": max((g.bound for g in groupings), default=0),
        "unmatched": sum(len(r.unmatched) for r in rounds),
        "professions_met": dict(sorted(Counter(professions_met.values()).items())),
        "seed": seed,
    }
    return Schedule(roster=roster, rounds=rounds, duration_minutes=config.schedule.duration_minutes,
                    location=config.schedule.location, summary=summary, professions_met=professions_met)


def too_many_rounds(people: Sequence[Person], size: int, rounds: int) -> list[str]:
    """For each level that cannot hold ``rounds`` rounds of groups of ``size`` without a repeat, why, and what helps.

    A level of ``s`` allows :func:`~peermatch.matching.checking.rounds_possible` rounds; beyond them, groups are
    formed only where nobody has met, and the rest of the level sits out (or joins a neighbouring level's groups).
    """
    at_level: Counter[Level] = Counter(p.level for p in people)
    said = []
    for level, count in sorted(at_level.items()):
        possible = rounds_possible(count, size)
        if count >= size and possible < rounds:
            said.append(f"level {level}: {count} people allow {possible} round{'s' * (possible != 1)} in groups of "
                        f"{size} before two of them would meet again, and {rounds} are planned: later rounds leave "
                        f"some of them out. Plan fewer rounds (--rounds {possible}), or choose a smaller --group-size")
    return said

"""Several rounds at once: a programme over months, or rotations at an event.

Contract of :func:`plan_schedule`: every round is solved with the same
priorities as ``pair`` (ideal pairs first), no two people meet twice across
the rounds or the history, ties go to partners from professions (then
organisations) a person has not met yet in the programme, and the odd-one-out
role rotates: nobody is the odd one twice while someone else has never been.
Rounds are planned one after another, each optimally for the small rosters
the exact solver takes, so the programme holds at least as many ideal pairs
as planning the rounds one at a time with exact matching.

Before planning, :func:`shortfalls` names anyone with fewer possible new
partners than rounds: such a plan cannot keep the no-repeat rule.
"""

from __future__ import annotations

import calendar
import dataclasses
import itertools
import random
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peermatch.errors import Infeasible
from peermatch.matching.graph import Problem
from peermatch.matching.pairing import GroupWords
from peermatch.matching.scoring import scorer_for
from peermatch.matching.shortfalls import seat_short, shortfall_message, shortfalls, sitting_out_reason, suggest_fix
from peermatch.matching.solve import EXACT_LIMIT, Solution, ideal_pairs_possible, solve
from peermatch.models import Person, Roster, Round, Schedule, ScheduledGroup, group_uid
from peermatch.roster.config import Config

DEFAULT_TIME = time(9, 0)
_EVERY = re.compile(r"^\s*(\d+)\s*(w|wk|wks|weeks?|d|days?|m|mo|mos|months?|min|mins|minutes?)\s*$", re.I)


@dataclass(frozen=True)
class Interval:
    """The time between rounds."""

    amount: int
    unit: str  # "weeks", "days", "months" or "minutes"

    def after(self, start: datetime, steps: int) -> datetime:
        if self.unit == "months":
            return add_months(start, self.amount * steps)
        size = {"weeks": timedelta(weeks=1), "days": timedelta(days=1), "minutes": timedelta(minutes=1)}[self.unit]
        return start + size * self.amount * steps

    @property
    def is_event(self) -> bool:
        """Rounds minutes apart are rotations at one event: groups get table numbers."""
        return self.unit == "minutes"

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"every {self.amount} {unit}"


def add_months(moment: datetime, months: int) -> datetime:
    """The same day of the month, ``months`` later (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def parse_start(text: str) -> tuple[datetime, bool]:
    """A start like ``2027-01-11`` (09:00) or ``2027-03-04 10:00``; and whether it gave a time."""
    value = text.strip()
    try:
        if len(value) <= 10:
            return datetime.combine(date.fromisoformat(value), DEFAULT_TIME), False
        return datetime.fromisoformat(value.replace(" ", "T", 1)).replace(tzinfo=None, second=0, microsecond=0), True
    except ValueError:
        raise ValueError(f"--start {text!r} is not a date like 2027-01-11 or a time like '2027-03-04 10:00'") from None


def parse_every(text: str, start_has_time: bool) -> Interval:
    """``2w``, ``10d``, ``1m`` (a month) or ``20m`` (minutes, when --start gives a time of day).

    A bare ``m`` means minutes when the start has a time of day (an event)
    and months otherwise (a programme); ``mo`` and ``min`` are never ambiguous.
    """
    match = _EVERY.match(text)
    if not match or int(match[1]) < 1:
        raise ValueError(f"--every {text!r} is not an interval like 2w, 10d, 1m or 20m")
    amount, unit = int(match[1]), match[2].lower()
    if unit == "m":
        return Interval(amount, "minutes" if start_has_time else "months")
    for prefix, name in (("w", "weeks"), ("d", "days"), ("mi", "minutes"), ("m", "months")):
        if unit.startswith(prefix):
            return Interval(amount, name)
    raise AssertionError(unit)  # the pattern admits nothing else


def round_label(prefix: str | None, number: int, starts: datetime, interval: Interval) -> str:
    if prefix:
        return f"{prefix}-{number}"
    return starts.strftime("%Y-%m-%dT%H:%M") if interval.is_event else starts.date().isoformat()


def _odd_candidates(problem: Problem, odd_counts: Counter[int], rng: random.Random, most: int) -> list[int]:
    """Who might be the odd one out this round: the fairest and the cheapest, one of each kind.

    Fair: those who have been the odd one least often.  Cheap: someone from
    a level with an odd head count and from its largest profession, because
    setting them aside costs that level no ideal pair.  A kind is a level,
    profession and organisation: two of a kind would give the same round.
    """
    people = list(range(problem.n))
    rng.shuffle(people)
    sizes: Counter[tuple[int, int]] = Counter()
    profession_sizes: Counter[tuple[int, int, int]] = Counter()
    for i in people:
        sizes[problem.scale[i], problem.step[i]] += 1
        profession_sizes[problem.scale[i], problem.step[i], problem.prof[i]] += 1

    def cheapness(i: int) -> tuple[bool, int]:
        level = (problem.scale[i], problem.step[i])
        return (sizes[level] % 2 == 0, -profession_sizes[(*level, problem.prof[i])])

    def kinds(order: list[int]) -> list[int]:
        first: dict[tuple[int, ...], int] = {}
        for i in order:
            first.setdefault((problem.scale[i], problem.step[i], problem.prof[i], problem.org[i]), i)
        return list(first.values())

    fairest = kinds(sorted(people, key=lambda i: (odd_counts[i], cheapness(i))))[: most // 2 or 1]
    cheapest = kinds(sorted(people, key=lambda i: (cheapness(i), odd_counts[i])))[: most // 2 or 1]
    return list(dict.fromkeys(fairest + cheapest))


def _solve_round(problem: Problem, seed: int, method: str, odd: str, odd_counts: Counter[int],
                 rng: random.Random, fair: bool) -> Solution:
    """Solve one round; with an odd head count and ``fair``, choose who is the odd one out.

    Ideal pairs come first, as everywhere in peermatch.  The round's own
    optimum is kept when its odd one out is among those who have been the
    odd one least often; otherwise a few of those are tried in their place,
    and the best round wins: most ideal pairs, then most pairs, then the fairest choice.
    """
    natural = solve(problem, seed, method=method, odd=odd)
    if problem.n % 2 == 0 or not fair:
        return natural
    fewest = min(odd_counts[i] for i in range(problem.n))

    def odd_one(solution: Solution) -> int | None:
        joined = [g[2] for g in solution.groups if len(g) == 3]
        leftover = joined + solution.unmatched
        return leftover[0] if leftover else None

    def quality(solution: Solution, person: int | None) -> tuple[int, int, int, int]:
        # As many pairs as the round's own optimum: a fairer odd one out never costs a group of three.
        pairs = [(g[0], g[1]) for g in solution.groups]
        fairness = -odd_counts[person] if person is not None else 0
        return (sum(problem.is_ideal(a, b) for a, b in pairs), len(pairs), fairness,
                sum(problem.weight(a, b) for a, b in pairs))

    person = odd_one(natural)
    if person is None or odd_counts[person] == fewest:
        return natural
    best = (quality(natural, person), natural)
    candidates = _odd_candidates(problem, odd_counts, rng, most=FAIR_TRIES)
    for candidate in (c for c in candidates if odd_counts[c] == fewest):
        solution = solve(problem, seed, method=method, odd=odd, sit_out=candidate)
        score = quality(solution, candidate)
        if score > best[0]:
            best = (score, solution)
    return best[1]


def plan_schedule(
    roster: Roster,
    config: Config,
    *,
    starts: Sequence[datetime],
    labels: Sequence[str],
    interval: Interval,
    seed: int,
    past: set[frozenset[str]] = frozenset(),  # type: ignore[assignment]
    odd_counts: Counter[str] | None = None,
    exclude: Iterable[tuple[str, str]] = (),
    method: str = "auto",
    odd: str = "triad",
    prompts: Sequence[str] = ("",),
    prompt_offset: int = 0,
    known_uid: Callable[[str, Sequence[str]], str | None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    strict: bool = False,
) -> Schedule:
    """Plan one round per start time; see the module docstring for the contract.

    Anyone with fewer possible new partners than rounds meets everyone they can and sits out the other rounds
    (a warning in ``Schedule.warnings`` says who, by row, and the checked fix); ``strict`` refuses instead.

    ``progress(done, total)`` is called after each round planned, counting every
    attempt; a plan that is as good as possible early ends the count short of total.
    """
    people = roster.people
    ids = [p.id for p in people]
    forbidden = [(min(pair), max(pair)) for pair in past if len(pair) == 2]
    base = Problem.from_people(people, config.weights, config.rules.max_level_gap,
                               forbidden + list(config.rules.exclude) + list(exclude))
    short = shortfalls(people, base, len(starts))
    warnings = []
    seated: list[dict[int, int]] = [{} for _ in starts]
    if short:
        fix = suggest_fix(base, people, len(starts), short)  # as `check --rounds` does
        if strict:
            raise Infeasible(shortfall_message(short, len(starts), fix, planned=False))
        warnings.append(shortfall_message(short, len(starts), fix, planned=True))
        seated = seat_short(base, short, len(starts))
    sitting_out = {s.index: sitting_out_reason(s.partners) for s in short}
    words = GroupWords(scorer_for(config.weights, config.rules), people)
    ideal_per_round = ideal_pairs_possible(base)

    # Rounds are planned one after another, so an early choice can strand
    # people late in a small level.  The first attempt lets each round's
    # optimum decide who is left over, exactly as planning round by round;
    # for rosters the exact solver takes, reproducible restarts also rotate
    # the odd-one-out role fairly.  The plan kept has the most ideal pairs,
    # then the fewest people without a partner, then the fairest rotation,
    # then the best score, so it is never worse than round-by-round planning.
    # Small rosters are cheap to re-plan and the most likely to strand
    # someone; a large roster gets one fair attempt, as each round costs seconds.
    restarts = RESTARTS_SMALL if len(people) <= SMALL else RESTARTS if len(people) <= EXACT_LIMIT else 0
    # The first plan is plain round-by-round planning (no rotation, no
    # novelty tie-break), so the plan kept is never worse than it.
    fairness = [False] + [True] * restarts if restarts else [True]
    history_odd = odd_counts or Counter()
    best: _Plan | None = None
    total = len(fairness) * len(starts)
    for attempt, fair in enumerate(fairness):
        def on_round(number: int, planned: int = attempt * len(starts)) -> None:
            if progress:
                progress(planned + number, total)

        candidate = _plan_rounds(people, base, words, starts, labels, interval,
                                 random.Random(f"{seed}:{attempt}"), method, odd, history_odd,
                                 prompts, prompt_offset, known_uid, fair=fair, novelty=fair, on_round=on_round,
                                 seated=seated, sitting_out=sitting_out)
        if best is None or candidate.quality > best.quality:
            best = candidate
        if fair and best.unfairness <= 1 and best.ideal == ideal_per_round * len(starts):
            break  # as good as a plan can be
    assert best is not None
    rounds, ideal = best.rounds, best.ideal
    professions_met = {pid: len(met) for pid, met in zip(ids, best.professions, strict=True)}
    summary = {
        "people": len(people),
        "rounds": len(rounds),
        "interval": str(interval),
        "conversations": sum(len(r.groups) for r in rounds),
        "ideal_pairs": ideal,
        "ideal_pairs_per_round_possible": ideal_per_round,
        "unmatched": sum(len(r.unmatched) for r in rounds),
        "groups_of_three": sum(len(g.members) == 3 for r in rounds for g in r.groups),
        "professions_met": dict(sorted(Counter(professions_met.values()).items())),
        "per_round": best.per_round,
        "seed": seed,
    }
    return Schedule(roster=roster, rounds=rounds, duration_minutes=config.schedule.duration_minutes,
                    location=config.schedule.location, summary=summary, professions_met=professions_met,
                    warnings=warnings)


RESTARTS = 2  # fair plans tried after the plain round-by-round one
RESTARTS_SMALL = 8
SMALL = 30
FAIR_TRIES = 6  # the fairest odd ones out tried in a round


@dataclass
class _Plan:
    rounds: list[Round]
    per_round: list[dict[str, int | bool]]  # each round's ideal pairs and score beside their proven bounds
    professions: list[tuple[int, ...]]  # per person (by index), the professions (coded) of everyone they met
    ideal: int
    unmatched: int
    unfairness: int  # most minus fewest times anyone has been the odd one out
    breadth: int  # distinct professions met, summed over people
    score: int

    @property
    def quality(self) -> tuple[int, int, int, int, int]:
        return (self.ideal, -self.unmatched, -self.unfairness, self.breadth, self.score)


def _plan_rounds(people: Sequence[Person], base: Problem, words: GroupWords, starts: Sequence[datetime],
                 labels: Sequence[str], interval: Interval, rng: random.Random, method: str, odd: str,
                 odd_counts: Counter[str], prompts: Sequence[str], prompt_offset: int,
                 known_uid: Callable[[str, Sequence[str]], str | None] | None, *, fair: bool,
                 novelty: bool, on_round: Callable[[int], None], seated: Sequence[dict[int, int]],
                 sitting_out: dict[int, str]) -> _Plan:
    """Plan the rounds one after another; ``seated[r]`` are round r's pairs fixed for people who are short
    of partners (:func:`~peermatch.matching.shortfalls.seat_short`), and the others in ``sitting_out`` sit it out."""
    ids = [p.id for p in people]
    index = {pid: i for i, pid in enumerate(ids)}
    odd_so_far: Counter[int] = Counter({index[p]: n for p, n in odd_counts.items() if p in index})
    # One problem for the whole plan, updated as people meet rather than coded afresh each round: whoever
    # met is forbidden from then on, and with novelty each person's professions and organisations met so
    # far break ties.  Arrays and tuples of ints, not sets: everyone meets a handful of people, 100,000
    # small sets take several times the memory, and the garbage collector never looks inside an array.
    forbidden: dict[int, array[int]] = {i: array("l", partners) for i, partners in base.forbidden.items()}
    professions: list[tuple[int, ...]] = [()] * len(people)
    organisations: list[tuple[int, ...]] | None = [()] * len(people) if novelty else None
    problem = dataclasses.replace(base, forbidden=forbidden, met_professions=professions if novelty else None,
                                  met_organisations=organisations)
    prof, org = problem.prof, problem.org
    # Level's own order (scale, then step), without calling its comparison methods 50,000 times a round.
    level_of = [(p.level.scale, p.level.step) for p in people]
    tables = interval.is_event
    rounds: list[Round] = []
    quality: list[dict[str, int | bool]] = []
    ideal = score = 0
    for number, (moment, label) in enumerate(zip(starts, labels, strict=True), start=1):
        fixed = seated[number - 1]
        away = frozenset(sitting_out) | frozenset(fixed)
        this_round = problem.sitting_out(away) if away else problem
        solution = _solve_round(this_round, rng.randrange(2**31), method, odd, odd_so_far, rng, fair)
        solved: list[tuple[int, ...]] = solution.groups + [(i, j) for i, j in fixed.items() if i < j]
        unmatched = [i for i in solution.unmatched if i not in fixed]
        # The solver's pairs, before anyone joined, are what count as ideal.
        round_ideal = sum(problem.is_ideal(members[0], members[1]) for members in solved)
        ideal += round_ideal
        quality.append({"round": number, "ideal_pairs": round_ideal,
                        "ideal_pairs_bound": solution.ideal_bound + round_ideal - sum(
                            problem.is_ideal(g[0], g[1]) for g in solution.groups),
                        "groups_of_three": sum(len(members) == 3 for members in solved),
                        "unmatched": len(unmatched), "pair_score": solution.pair_score,
                        "score_bound": solution.score_bound, "optimal": solution.exact})
        for members in solved:
            for i, j in itertools.permutations(members, 2):
                partners = forbidden.get(i)
                if partners is None:
                    partners = forbidden[i] = array("l")
                partners.append(j)
                if prof[j] not in professions[i]:
                    professions[i] = (*professions[i], prof[j])
                if organisations is not None and org[j] not in organisations[i]:
                    organisations[i] = (*organisations[i], org[j])
        odd_so_far.update(members[2] for members in solved if len(members) == 3)
        odd_so_far.update(i for i in unmatched if i not in sitting_out)
        # Tuples, not lists: the collector stops tracking tuples of ints, and 50,000 tracked lists would make
        # it sweep the whole heap more often.
        ordered = [tuple(sorted(members)) for members in solved]
        member_ids = [tuple(map(ids.__getitem__, members)) for members in ordered]
        described = [words(members) for members in ordered]
        score += sum(points for points, _ in described)
        # By level, best score first, then members.
        keys = [(level_of[members[0]], -points, names)
                for members, (points, _), names in zip(ordered, described, member_ids, strict=True)]
        groups = []
        for table, k in enumerate(sorted(range(len(keys)), key=keys.__getitem__), start=1):
            names, (points, reasons), members = member_ids[k], described[k], solved[k]
            uid = (known_uid(label, names) if known_uid else None) or group_uid(label, names)
            groups.append(ScheduledGroup(members=names, score=points, reasons=reasons, table=table if tables else None,
                                         uid=uid, joined=ids[members[2]] if len(members) == 3 else None))
        prompt = prompts[(prompt_offset + number - 1) % len(prompts)]
        rounds.append(Round(number=number, label=label, starts=moment, groups=groups,
                            unmatched=[ids[i] for i in unmatched], prompt=prompt,
                            unmatched_reasons={ids[i]: sitting_out[i] for i in unmatched if i in sitting_out}))
        on_round(number)

    odd_times = [odd_so_far[i] for i in range(len(people))]
    return _Plan(rounds=rounds, per_round=quality, professions=professions, ideal=ideal,
                 unmatched=sum(len(r.unmatched) for r in rounds),
                 unfairness=max(odd_times, default=0) - min(odd_times, default=0),
                 breadth=sum(len(met) for met in professions), score=score)

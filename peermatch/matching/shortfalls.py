"""People with fewer possible new partners than a programme has rounds, and how a plan works around them.

A Band 9 director with two possible partners cannot meet someone new in each of six rounds.  Rather than refuse
the whole programme, :func:`seat_short` has such a person meet each of their possible partners once, in pairs
(never as the third member of a group, which would use up two partners at once), and sit the other rounds out;
everyone else is planned as usual.  ``schedule --strict`` refuses instead, and ``check --rounds`` reports the
same people with the same counts: both call :func:`shortfalls`.

A suggested fix is one that has been checked: :func:`suggest_fix` finds the smallest ``--max-level-gap`` (or
number of rounds) under which nobody is short, and says what it would change in each round of a plan made
with it.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from peermatch.matching.graph import Problem
from peermatch.matching.partners import partner_counts
from peermatch.matching.solve import solve
from peermatch.models import Person
from peermatch.text import shown_id

WIDEST_GAP_TRIED = 4  # wider than this, levels have little in common: suggest fewer rounds or repeats instead


@dataclass(frozen=True)
class Shortfall:
    person: Person
    index: int  # in the roster and the problem
    partners: int  # possible new partners under the rules


# The suggestion's plan re-seats each round on at most this many candidate edges.  Its rounds come with a wider
# gap and bounds they often cannot reach, so uncapped re-seating widened to the whole roster: a one-person shortfall
# in 4,000 staff took 25 s to suggest, in 10,000 over ten minutes.  Capped, it stays within seconds at any size.
SIDE_EFFECT_EDGES = 50_000


def shortfalls(people: Sequence[Person], problem: Problem, rounds: int) -> list[Shortfall]:
    """Everyone with fewer possible new partners than rounds to plan (linear: see :mod:`.partners`)."""
    possible = partner_counts(problem).possible
    return [Shortfall(person, i, n) for i, (person, n) in enumerate(zip(people, possible, strict=True)) if n < rounds]


def seat_short(problem: Problem, short: Sequence[Shortfall], rounds: int) -> list[dict[int, int]]:
    """Per round, the pairs fixed for people who are short: ``{short person: partner}``, both ways.

    Round after round, each short person (fewest partners first) meets the best of their possible partners not
    yet met and not already seated that round, ideal pairs first; once they have met everyone they can, they sit
    the remaining rounds out.  Everyone meets each partner in a different round, so nobody meets twice.
    """
    left: dict[int, list[int]] = {}
    for entry in sorted(short, key=lambda s: (s.partners, s.index)):
        i = entry.index
        mine = [j for j in _within_reach(problem, i) if problem.allowed(i, j)]
        left[i] = sorted(mine, key=lambda j: (-problem.weight(i, j), j))
    seated: list[dict[int, int]] = []
    for _ in range(rounds):
        fixed: dict[int, int] = {}
        for i, partners in left.items():
            if i in fixed:
                continue
            j = next((j for j in partners if j not in fixed), None)
            if j is None:
                continue
            fixed[i], fixed[j] = j, i
            partners.remove(j)
            if j in left:
                left[j].remove(i)
        seated.append(fixed)
    return seated


def _within_reach(problem: Problem, i: int) -> list[int]:
    # Only for the few who are short: a scan of the roster per short person stays linear in practice.
    return [j for j in range(problem.n) if j != i and (gap := problem.gap(i, j)) is not None and gap <= problem.max_gap]


def suggest_fix(problem: Problem, people: Sequence[Person], rounds: int, short: Sequence[Shortfall]) -> str:
    """The smallest change checked to leave nobody short, and what it costs; see the module docstring."""
    fixes = []
    for gap in range(problem.max_gap + 1, WIDEST_GAP_TRIED + 1):
        wider = dataclasses.replace(problem, max_gap=gap)
        if not shortfalls(people, wider, rounds):
            effect = _side_effect(wider, people, problem.max_gap, rounds)
            fixes.append(f"--max-level-gap {gap} leaves nobody short ({effect})")
            break
    if (fewest := min(s.partners for s in short)) > 0:
        fixes.append(f"--rounds {fewest} leaves nobody short")
    if not fixes:
        return ("nobody within reach is left for some: let people meet again after a while with "
                "[history] avoid_repeats_within")
    return "; or ".join(fixes)


def _side_effect(wider: Problem, people: Sequence[Person], gap: int, rounds: int) -> str:
    """``this would pair 21 to 25 Band 3 staff with Band 5 staff each round``: the levels most often brought together
    further apart than ``gap``, counted in every round of a plan made with the wider gap.

    The plan is measured, not guessed: each round is solved as ``schedule`` solves it (groups of three included),
    given who met in the rounds before, with the re-seating of each round capped at :data:`SIDE_EFFECT_EDGES`.
    A round counts the junior people of those two levels who meet someone of
    the senior one, and, in all, the meetings further apart than today (a group of three holds three meetings).
    """
    met: dict[int, set[int]] = {i: set(partners) for i, partners in wider.forbidden.items()}
    juniors: list[dict[tuple[str, str], set[int]]] = []
    meetings: list[int] = []
    for _ in range(rounds):
        counted: dict[tuple[str, str], set[int]] = {}
        further = 0
        for group in solve(dataclasses.replace(wider, forbidden=met), 0, edge_limit=SIDE_EFFECT_EDGES).groups:
            for a, b in itertools.combinations(group, 2):
                if (g := wider.gap(a, b)) is not None and g > gap:
                    junior, senior = sorted((a, b), key=lambda i: people[i].level)
                    counted.setdefault((str(people[junior].level), str(people[senior].level)), set()).add(junior)
                    further += 1
                met.setdefault(a, set()).add(b)
                met.setdefault(b, set()).add(a)
        juniors.append(counted)
        meetings.append(further)
    overall: Counter[tuple[str, str]] = Counter()
    for counted in juniors:
        overall.update({levels: len(who) for levels, who in counted.items()})
    if not overall:
        return f"no round of the {rounds} would pair anyone further apart than today"
    (low, high), _ = overall.most_common(1)[0]
    most = [len(counted.get((low, high), ())) for counted in juniors]
    effect = f"this would pair {_per_round(most, f'{low} staff with {high} staff')}"
    if meetings != most:
        words = _per_round(meetings, "meetings further apart than today", "meeting further apart than today")
        effect += f"; in all, {words}"
    return effect


def _per_round(counts: Sequence[int], what: str, one: str | None = None) -> str:
    """``23 <what> each round``, ``21 to 25 <what> each round`` or ``1 to 2 <what> in 4 of the 6 rounds``.

    ``one`` replaces ``what`` when no round counts more than one (``1 meeting ...``).
    """
    used = [n for n in counts if n]
    low, high = min(used), max(used)
    many = f"{low}" if low == high else f"{low} to {high}"
    when = "each round" if len(used) == len(counts) else f"in {len(used)} of the {len(counts)} rounds"
    return f"{many} {one if one and high == 1 else what} {when}"


def shortfall_message(short: Sequence[Shortfall], rounds: int, fix: str, *, planned: bool) -> str:
    """One line for a terminal or a cron log: rows, ids and levels, never names."""
    listed = "; ".join(_shortfall_entry(s) for s in short[:10])
    more = f"; and {len(short) - 10} more" if len(short) > 10 else ""
    who = "person has" if len(short) == 1 else "people have"
    outcome = (" They meet everyone they can and sit out the other rounds." if planned
               else "")
    return (f"{len(short)} {who} fewer possible new partners than the {rounds} rounds planned: {listed}{more}."
            f"{outcome} To change that: {fix}")


def _shortfall_entry(short: Shortfall) -> str:
    """``row 5 (id A2, Band 6, 2 possible)``: a row, never a name, as the message may land in a cron log.

    The id is left out when it is the row number or the email (a roster without an id column).
    """
    person = short.person
    own_id = shown_id(person.id, person.row, person.email)
    return f"row {person.row} ({f'id {own_id}, ' if own_id else ''}{person.level}, {short.partners} possible)"


def sitting_out_reason(partners: int) -> str:
    """Why a short person has no partner in a round: the JSON ``unmatched_reasons`` and the terminal say it."""
    if partners == 0:
        return "nobody within reach is left to meet: sits out every round"
    return f"has {partners} possible new partner{'s' * (partners != 1)}, met in other rounds: sits this round out"

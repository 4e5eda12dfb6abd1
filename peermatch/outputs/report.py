"""Programme coverage from the history: what a coordinator shows their director.

The history keeps, for every member of every group, the id and the profession as it was when the round was recorded
(folded: lower case, spaces tidied).  That is enough for every figure here.  A round imported from a spreadsheet
without a profession column has none: for those members the profession the history recorded for the same id in
another round is used, else the roster's.  A roster, when given, also spells professions its own way ("Social
Worker" rather than "social worker").  The history's profession wins over the roster's, because the report is
about who met whom at the time.

What counts as a conversation: every group of every round, planned or held.  A group reported as not having met
(``peermatch history met``) is counted as planned and not met, and brings no one together; so are groups without
feedback unless ``only_met`` is set, in which case only groups reported as having met bring people together.  A group
of n people brings together every pair of them, n(n-1)/2 (three for a group of three, ten for a table of five), so
the matrix counts pairs of people, not groups.

The report holds counts, professions and round labels, never person ids, so it can be passed on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from peermatch.history.store import History
from peermatch.text import fold

NOT_RECORDED = "(not recorded)"


@dataclass(frozen=True)
class RoundCoverage:
    label: str
    starts: str | None  # "2027-01-11T09:00"; None for a pairing recorded without a date
    date: str  # the day it starts, or for an undated pairing the day it was recorded
    kind: str  # "pair", "schedule" or "import"
    groups: int
    people: int  # in a group or unmatched
    met: int
    not_met: int
    awaiting: int  # groups with no feedback yet
    upcoming: bool  # starts after the report's moment, and nobody has reported on it yet


@dataclass(frozen=True)
class Coverage:
    history: str  # the history file's name (not its folder: the report may be passed on)
    as_of: str  # "2027-03-01T12:00": rounds after this are upcoming
    only_met: bool  # True: only conversations reported as held bring people together
    rounds: tuple[RoundCoverage, ...]
    rounds_held: int  # rounds that have started, or have feedback
    conversations: int  # groups planned, in every round
    met: int
    not_met: int
    awaiting: int
    people: int  # everyone the history names, in a group or unmatched
    people_reached: int  # in at least one conversation that counts
    people_met: int  # in at least one conversation reported as held
    pairings: int  # pairs of people brought together (a group of n is n(n-1)/2 pairings)
    pairings_across_professions: int
    professions_met: tuple[int, ...]  # [k]: how many people met people of exactly k distinct professions
    professions: tuple[str, ...]  # the matrix's rows and columns, in order
    matrix: tuple[tuple[int, ...], ...]  # [i][j]: pairings between professions i and j; symmetric
    roster: str | None  # the roster's file name when one was used for professions
    not_recorded: int  # people whose profession neither the history nor the roster knows

    @property
    def across_share(self) -> float:
        """The share of pairings across professions, 0 when there are none."""
        return self.pairings_across_professions / self.pairings if self.pairings else 0.0


def coverage(history: History, *, as_of: datetime | None = None, only_met: bool = False,
             roster_professions: Mapping[str, str] | None = None, roster_name: str | None = None) -> Coverage:
    """The coverage of every round in ``history``; see the module docstring.

    ``roster_professions`` maps a person id to their profession as the roster spells it.
    """
    moment = (as_of or datetime.now()).strftime("%Y-%m-%dT%H:%M")
    infos = history.rounds()
    rounds = tuple(RoundCoverage(
        label=info.label, starts=info.starts, date=(info.starts or info.recorded_at)[:10], kind=info.kind,
        groups=info.groups, people=info.people, met=info.met, not_met=info.not_met,
        awaiting=info.groups - info.met - info.not_met, upcoming=(info.starts or info.recorded_at)[:16] > moment
        and not (info.met or info.not_met))  # feedback says the round took place, whatever its date
        for info in infos)
    everyone: set[str] = set()
    reached: set[str] = set()
    confirmed: set[str] = set()
    unknown: set[str] = set()
    met_professions: dict[str, set[str]] = defaultdict(set)
    pairings: Counter[tuple[str, str]] = Counter()
    groups = _groups(history.export_rows())
    profession_of = _Professions(groups, roster_professions or {})
    for group in groups:
        for person_id, _ in group.members:
            everyone.add(person_id)
            if group.met is True:
                confirmed.add(person_id)
        if group.unmatched or group.met is False or (only_met and group.met is not True):
            continue
        named = [(person_id, profession_of(person_id, recorded)) for person_id, recorded in group.members]
        for k, (person_id, profession) in enumerate(named):
            reached.add(person_id)
            if profession == NOT_RECORDED:
                unknown.add(person_id)
            met = met_professions[person_id]
            for j, (_, other) in enumerate(named):
                if j != k and other != NOT_RECORDED:
                    met.add(other)
                if j > k:
                    pairings[(profession, other) if profession <= other else (other, profession)] += 1
    professions = sorted({p for pair in pairings for p in pair}, key=lambda p: (p == NOT_RECORDED, fold(p), p))
    index = {profession: k for k, profession in enumerate(professions)}
    matrix = [[0] * len(professions) for _ in professions]
    for (first, second), count in pairings.items():
        matrix[index[first]][index[second]] += count
        if first != second:
            matrix[index[second]][index[first]] += count
    distribution = Counter(len(met_professions.get(person_id, ())) for person_id in everyone)
    return Coverage(
        history=history.path.name, as_of=moment, only_met=only_met, rounds=rounds,
        rounds_held=sum(not r.upcoming for r in rounds), conversations=sum(r.groups for r in rounds),
        met=sum(r.met for r in rounds), not_met=sum(r.not_met for r in rounds),
        awaiting=sum(r.awaiting for r in rounds), people=len(everyone), people_reached=len(reached),
        people_met=len(confirmed), pairings=sum(pairings.values()),
        pairings_across_professions=sum(count for (a, b), count in pairings.items()
                                        if a != b and NOT_RECORDED not in (a, b)),
        professions_met=tuple(distribution.get(k, 0) for k in range(max(distribution, default=-1) + 1)),
        professions=tuple(professions), matrix=tuple(map(tuple, matrix)),
        roster=roster_name, not_recorded=len(unknown))


def coverage_json(report: Coverage) -> dict[str, object]:
    """The report as plain JSON values, for ``--format json``."""
    return {
        "history": report.history, "as_of": report.as_of, "only_met": report.only_met, "roster": report.roster,
        "rounds": [vars(r) for r in report.rounds],
        "totals": {"rounds": len(report.rounds), "rounds_held": report.rounds_held,
                   "conversations": report.conversations, "met": report.met, "not_met": report.not_met,
                   "awaiting_feedback": report.awaiting},
        "people": {"in_history": report.people, "reached": report.people_reached, "met": report.people_met},
        "pairings": {"total": report.pairings, "across_professions": report.pairings_across_professions},
        "professions_met": [{"professions": k, "people": count} for k, count in enumerate(report.professions_met)],
        "matrix": {"professions": list(report.professions), "counts": [list(row) for row in report.matrix]},
        "professions_not_recorded": report.not_recorded,
    }


@dataclass(frozen=True)
class _Group:
    unmatched: bool  # True: not a group but the people of a round left without one
    met: bool | None
    members: list[tuple[str, str]]  # (id, profession as recorded)


def _groups(rows: Sequence[Mapping[str, object]]) -> list[_Group]:
    """The history's export rows (a round's groups in order, then its unmatched) gathered into groups."""
    groups: list[_Group] = []
    key: tuple[object, object] = (None, None)
    for row in rows:
        if (row["round"], row["group"]) != key:
            key = (row["round"], row["group"])
            unmatched = row["group"] is None
            groups.append(_Group(unmatched, None if unmatched or row["met"] == "" else row["met"] == "yes", []))
        groups[-1].members.append((str(row["person_id"]), str(row["profession"])))
    return groups


class _Professions:
    """A member's profession as the report shows it: see the module docstring for where it comes from."""

    def __init__(self, groups: Sequence[_Group], roster: Mapping[str, str]) -> None:
        self._spelling = {fold(profession): profession for profession in sorted(roster.values())}
        self._shown: dict[str, str] = {}  # as recorded -> as shown: professions are few, members many
        blank = {person_id for group in groups if not group.unmatched for person_id, recorded in group.members
                 if not recorded}
        # Oldest first, so the most recent profession recorded for an id is the one kept.
        elsewhere = {person_id: recorded for group in groups for person_id, recorded in group.members
                     if recorded and person_id in blank}
        self._fallback = {person_id: roster[person_id] for person_id in blank if person_id in roster} | elsewhere

    def __call__(self, person_id: str, recorded: str) -> str:
        found = recorded or self._fallback.get(person_id, "")
        if not found:
            return NOT_RECORDED
        shown = self._shown.get(found)
        if shown is None:
            shown = self._shown[found] = self._spelling.get(fold(found), found)
        return shown


def notes(report: Coverage) -> list[str]:
    """What a reader should know about where the figures come from, in plain sentences."""
    said = []
    if report.only_met:
        said.append("Only conversations reported as held count (--only-met); planned ones without feedback do not.")
    else:
        said.append("Every planned conversation counts unless it was reported as not held; record feedback with "
                    "`peermatch history met` to tell them apart.")
    if report.roster is None:
        said.append("Professions are spelled as the history keeps them (lower case); add --roster with the roster "
                    "for its spelling.")
    else:
        said.append(f"Professions are the history's, spelled as in {report.roster}.")
    if report.not_recorded:
        where = "the history or the roster" if report.roster else "the history; add --roster to look them up"
        said.append(f"{report.not_recorded} {'person has' if report.not_recorded == 1 else 'people have'} no "
                    f"profession in {where}: they show as {NOT_RECORDED}.")
    return said

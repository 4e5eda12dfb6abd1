"""Everything peermatch shows in a terminal; the only module that imports rich.

rich leaves out colour and animation by itself when the output is not a
terminal (cron, pipes) and honours ``NO_COLOR``.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from peermatch.models import PairResult, Person, Round, Schedule, Summary
from peermatch.text import size_words


def console(stream: TextIO | None = None) -> Console:
    """A console on ``stream`` (default stdout); messages go to a stderr console."""
    return Console(file=stream or sys.stdout, highlight=False, soft_wrap=False)


def error_console() -> Console:
    return Console(stderr=True, highlight=False)


def error(out: Console, message: str) -> None:
    out.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)


def note(out: Console, message: str) -> None:
    out.print(f"[dim]{escape(message)}[/]", soft_wrap=True)


def warning(out: Console, message: str) -> None:
    out.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def _who(person: Person) -> str:
    return f"{person.name} ({person.id})" if person.name else person.id


def _group_table(title: str, number_heading: str, caption: str | None = None) -> Table:
    table = Table(title=escape(title), title_justify="left", caption=escape(caption) if caption else None,
                  caption_justify="left")
    table.add_column(number_heading, justify="right", style="dim")
    for heading in ("Name", "Level", "Profession", "Organisation"):
        table.add_column(heading)
    table.add_column("Score", justify="right")
    return table


def _add_group(table: Table, label: str, members: list[Person], score: int) -> None:
    """One line per person, the group's number and score on its first line, a rule after it."""
    for k, member in enumerate(members):
        table.add_row(label if k == 0 else "", escape(_who(member)), escape(str(member.level)),
                      escape(member.profession), escape(member.organisation or "—"),
                      str(score) if k == 0 else "", end_section=k == len(members) - 1)


def pair_table(result: PairResult, limit: int | None = None) -> Table:
    """One line per person, groups separated by rules: easy to read aloud."""
    people = {p.id: p for p in result.roster.people}
    table = _group_table("Peer-learning groups", "#")
    shown = result.groups if limit is None else result.groups[:limit]
    for number, group in enumerate(shown, start=1):
        _add_group(table, str(number), [people[m] for m in group.members], group.score)
    return table


def pair_summary(result: PairResult) -> Table:
    s = result.summary
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    if s.group_size == 2:
        threes = sum(len(g.members) == 3 for g in result.groups)
        groups = f"{s.groups - threes} pairs" + (f", {threes} of three" if threes else "")
        counted, ideal = "", "(same level, different professions)"
    else:
        groups = group_sizes_text([len(g.members) for g in result.groups])
        pairs = sum(len(g.members) * (len(g.members) - 1) // 2 for g in result.groups)
        counted = f" of {pairs} pairs of people within groups"
        ideal = "(pairs within a group at the same level, in different professions)"
    rows = [
        ("People", f"{s.people}" + (f" ({s.left_out} left out)" if s.left_out else "")),
        ("Groups", groups),
        ("Same level", f"{s.pairs_same_level}{counted}"),
        ("Across professions", f"{s.pairs_cross_profession}{counted}"),
        ("Across organisations", f"{s.pairs_cross_organisation}{counted}"),
        ("Ideal pairs", f"{s.ideal_pairs} of {s.ideal_pairs_possible} possible {ideal}"),
        ("Unmatched", str(s.unmatched)),
        ("Score", _score_text(s)),
        ("Solver", f"{s.solver}, seed {s.seed}"),
    ]
    for label, value in rows:
        grid.add_row(label, escape(value))
    return grid


def _score_text(s: Summary) -> str:
    if s.score_bound is None:
        return f"{s.pair_score} (every pair of members within a group)"
    if s.solver == "exact":
        return f"{s.pair_score} (optimal: exact solver)"
    gap = 0.0 if s.score_bound <= 0 else 100 * (s.score_bound - s.pair_score) / s.score_bound
    return f"{s.pair_score} (proven within {gap:.2f}% of the best possible, {s.score_bound})"


def group_sizes_text(sizes: list[int]) -> str:
    """``12 groups of five, 2 of six``: the most common size first."""
    counts = Counter(sizes)
    if not counts:
        return "0 groups"
    (size, count), *rest = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return f"{count} group{'s' * (count != 1)} of {size_words(size)}" + "".join(
        f", {more} of {size_words(other)}" for other, more in rest)


def render_pair(out: Console, result: PairResult, *, limit: int | None = None) -> None:
    """The table of groups, then the summary."""
    out.print(pair_table(result, limit))
    if limit is not None and len(result.groups) > limit:
        out.print(f"[dim]… {len(result.groups) - limit} more groups: write them all with --out pairs.csv[/]")
    people = {p.id: p for p in result.roster.people}
    for person_id in result.unmatched:
        reason = result.unmatched_reasons.get(person_id, "")
        out.print(f"[yellow]Unmatched:[/] {escape(_who(people[person_id]))}: {escape(reason)}")
    out.print()
    out.print(pair_summary(result))


def _round_heading(rnd: Round) -> str:
    return f"Round {rnd.number} · {rnd.starts:%a %d %b %Y %H:%M} · {rnd.label}"


def schedule_round_table(schedule: Schedule, rnd: Round, limit: int | None = None) -> Table:
    people = {p.id: p for p in schedule.roster.people}
    event = any(g.table is not None for g in rnd.groups)
    table = _group_table(_round_heading(rnd), "Table" if event else "#", rnd.prompt)
    shown = rnd.groups if limit is None else rnd.groups[:limit]
    for number, group in enumerate(shown, start=1):
        _add_group(table, str(group.table or number), [people[m] for m in group.members], group.score)
    return table


def _per_round_text(per_round: list[dict[str, Any]]) -> str:
    """Each round's ideal pairs against its proven bound, and how far its score can be from the best possible."""
    ideal = ", ".join(f"{r['ideal_pairs']}/{r['ideal_pairs_bound']}" for r in per_round)
    gaps = ", ".join(str(r["score_bound"] - r["pair_score"]) for r in per_round)
    return f"ideal pairs of the most possible: {ideal}; score within {gaps} points of the best possible"


def _by_whom(count: int, now: int) -> str:
    return "all by this run" if now == count else f"{now} by this run" if now else "by earlier runs"


def cancelled_text(cancelled: int, now: int) -> str:
    """One line on the calendar entries of conversations a rerun no longer has."""
    entries = f"{cancelled} calendar entr{'y' if cancelled == 1 else 'ies'}"
    return f"{entries}, no longer planned ({_by_whom(cancelled, now)})"


def uninvited_text(people: int, now: int) -> str:
    """One line on the people a rerun took off the entries of conversations that changed."""
    return f"{people} {'person' if people == 1 else 'people'}, off conversations that changed ({_by_whom(people, now)})"


def render_schedule(out: Console, schedule: Schedule, *, limit: int | None = None) -> None:
    people = {p.id: p for p in schedule.roster.people}
    for rnd in schedule.rounds:
        out.print(schedule_round_table(schedule, rnd, limit))
        if limit is not None and len(rnd.groups) > limit:
            out.print(f"[dim]… {len(rnd.groups) - limit} more groups: write them all with --out schedule.csv[/]")
        for person_id in rnd.unmatched:
            why = rnd.unmatched_reasons.get(person_id)
            out.print(f"[yellow]No partner this round:[/] {escape(_who(people[person_id]))}"
                      + (f" [dim]({escape(why)})[/]" if why else ""))
        out.print()
    s = schedule.summary
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    met = ", ".join(f"{count} met {n} profession{'s' if n != 1 else ''}" for n, count in s["professions_met"].items())
    if s.get("group_size", 2) == 2:
        sizes = f"{s['groups_of_three']} groups of three"
        ideal = f"{s['ideal_pairs']} (at most {s['ideal_pairs_per_round_possible']} a round)"
    else:
        sizes = group_sizes_text([len(g.members) for r in schedule.rounds for g in r.groups])
        ideal = (f"{s['ideal_pairs']} of {s['ideal_pairs_possible']} possible (pairs within a group at the same "
                 "level, in different professions)")
    rows = [
        ("People", str(s["people"])),
        ("Rounds", f"{s['rounds']}, {s['interval']}"),
        ("Conversations", f"{s['conversations']} ({sizes})"),
        ("Ideal pairs", ideal),
        ("Without a partner", str(s["unmatched"])),
        *([("Each round", _per_round_text(s["per_round"]))] if s.get("per_round") else []),
        ("Professions met", met or "—"),
        ("Seed", str(s["seed"])),
    ]
    if s.get("calendar_entries_cancelled"):
        rows.append(("Cancelled", cancelled_text(s["calendar_entries_cancelled"], s["calendar_entries_cancelled_now"])))
    if s.get("people_uninvited"):
        rows.append(("Taken off", uninvited_text(s["people_uninvited"], s["people_uninvited_now"])))
    if "history" in s:
        rows.append(("History", str(s["history"])))
    for label, value in rows:
        grid.add_row(label, escape(value))
    out.print(grid)

"""How ``peermatch explain`` shows its answer in a terminal: a rendering module, so it may use rich.

People are shown as ``pair`` shows them, by name and id: the coordinator asked about them.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from peermatch.matching.explain import PairExplanation, PairingCheck, PersonExplanation
from peermatch.models import Person
from peermatch.text import and_list

_NOT_A_PROMISE = ("`pair` chooses the pairs for the whole roster at once, so a good candidate is not a promise: "
                  "add --seed N to see what `peermatch pair --seed N` chooses")


def _who(person: Person) -> str:
    return f"{person.name} ({person.id})" if person.name else person.id


def _profile(person: Person) -> str:
    parts = [str(person.level), person.profession, person.organisation, person.site]
    return " · ".join(part for part in parts if part) + f" · row {person.row}"


def _command(group_size: int) -> str:
    return "`pair`" if group_size == 2 else f"`pair --group-size {group_size}`"


def candidates_table(explained: PersonExplanation) -> Table:
    title = (f"Best candidates for {_who(explained.person)}, in the order `pair` prefers them" if
             explained.group_size == 2 else
             f"Best candidates to share a group of {explained.group_size} with {_who(explained.person)}, in the "
             "order groups are filled")
    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("Name")
    table.add_column("Score", justify="right")
    table.add_column("Why")
    for number, candidate in enumerate(explained.candidates, start=1):
        mark = "[green]★[/] " if candidate.ideal else ""
        table.add_row(str(number), mark + escape(_who(candidate.person)), str(candidate.score),
                      escape(" · ".join(candidate.reasons)))
    return table


def _pairing(out: Console, check: PairingCheck | None, names: dict[str, str]) -> None:
    if check is None:
        out.print(f"[dim]{escape(_NOT_A_PROMISE)}.[/]", soft_wrap=True)
        return
    command = _command(check.group_size)
    if check.together:
        where = "together" if check.group_size == 2 else "in one group"
        out.print(f"[bold green]With seed {check.seed}, {escape(command)} puts them {where}.[/]", soft_wrap=True)
        if check.group_size == 2:
            return
    for person_id, members in check.groups.items():
        name = names.get(person_id, person_id)
        if members:
            others = [names.get(m, m) for m in members if m != person_id]
            partners = ", ".join(others) if check.group_size == 2 else and_list(others)
            out.print(escape(f"With seed {check.seed}, {command} puts {name} with {partners}."), soft_wrap=True)
            if person_id in check.group_reasons:
                out.print(f"  [dim]{escape(' · '.join(check.group_reasons[person_id]))}[/]", soft_wrap=True)
        else:
            reason = check.unmatched_reasons.get(person_id) or "no partner"
            out.print(escape(f"With seed {check.seed}, {command} leaves {name} unmatched: {reason}."), soft_wrap=True)
        if check.together:
            return  # one group: listing it once says it all


def render_person(out: Console, explained: PersonExplanation, names: dict[str, str]) -> None:
    me = explained.person
    out.print(f"[bold]{escape(_who(me))}[/]: {escape(_profile(me))}", soft_wrap=True)
    gap = explained.max_level_gap
    reach = "at the same level" if gap == 0 else f"at most {gap} level{'s' * (gap > 1)} apart"
    size = explained.group_size
    together = "be paired with them" if size == 2 else f"share a group of {size} with them"
    looks = ("which is what `pair` looks for first" if explained.group_size == 2 else
             f"the pairs {_command(explained.group_size)} fills groups with first")
    out.print(escape(f"{explained.eligible} people may {together} ({reach}); {explained.ideal} of them are "
                     f"at the same level in another profession (★), {looks}."), soft_wrap=True)
    if explained.candidates:
        out.print(candidates_table(explained))
        if explained.eligible > len(explained.candidates):
            out.print(f"[dim]… {explained.eligible - len(explained.candidates)} more: see them all with --top "
                      f"{explained.eligible}[/]")
    else:
        out.print(f"[yellow]Nobody may be paired with them:[/] allow levels further apart with --max-level-gap "
                  f"{gap + 1} (or max_level_gap in [rules]), or review their exclusions.", soft_wrap=True)
    out.print()
    if explained.ruled_out:
        out.print(f"[bold]Ruled out ({len(explained.ruled_out)})[/]")
        for ruled in explained.ruled_out:
            out.print(f"  {escape(_who(ruled.person))}: {escape('; '.join(ruled.reasons))}", soft_wrap=True)
    if explained.too_far:
        levels = ", ".join(f"{level}: {count}" for level, count in explained.too_far.items())
        out.print(escape(f"Too many levels apart (max_level_gap = {gap}): {levels}"), soft_wrap=True)
    if explained.not_comparable:
        out.print(escape(f"On another ladder of grades, so never compared with them: {explained.not_comparable}"),
                  soft_wrap=True)
    out.print()
    _pairing(out, explained.pairing, names)


def render_pair(out: Console, explained: PairExplanation, names: dict[str, str]) -> None:
    for person in (explained.a, explained.b):
        out.print(f"[bold]{escape(_who(person))}[/]: {escape(_profile(person))}", soft_wrap=True)
    out.print()
    for rule in explained.rules:
        style = "red" if rule.blocks else "default"
        out.print(f"  [{style}]•[/] [bold]{rule.rule}[/]: [{style}]{escape(rule.text)}[/]", soft_wrap=True)
    out.print()
    if explained.score is not None:
        out.print(f"[bold]Score {explained.score}[/]: {escape(' · '.join(explained.reasons))}", soft_wrap=True)
    if not explained.considered:
        blocking = list(dict.fromkeys(rule.rule for rule in explained.rules if rule.blocks))
        rules = " and ".join(blocking)
        never = "never puts them together" if explained.group_size == 2 else "never puts them in one group"
        out.print(f"[bold red]{escape(_command(explained.group_size))} {never}[/], because of the {escape(rules)} "
                  f"rule{'s' * (len(blocking) > 1)} above.", soft_wrap=True)
        return
    command = escape(_command(explained.group_size))
    where = "together" if explained.group_size == 2 else "in one group"
    if explained.ideal:
        out.print(f"[bold green]{command} may put them {where}[/]: an ideal pair (same level, different "
                  "professions), the kind it looks for first.", soft_wrap=True)
    elif explained.group_size == 2:
        out.print("[bold yellow]`pair` may put them together[/], but only as a fallback: it first looks for partners "
                  "at the same level in another profession, then for partners in another profession.", soft_wrap=True)
    else:
        out.print(f"[bold yellow]{command} may put them in one group[/], but it spreads each profession over a "
                  "level's groups and keeps levels apart, so only where the roster leaves no better place.",
                  soft_wrap=True)
    _pairing(out, explained.pairing, names)

"""How ``peermatch history`` shows the history in a terminal: a rendering module, so it may use rich.

Ids are shown as they are stored; the history holds no names or emails, so there are none to show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from peermatch.history.rounds import RoundInfo

_MET = {None: "—", True: "yes", False: "no"}


def rounds_table(rounds: Sequence[RoundInfo]) -> Table:
    """One line per round, oldest first, with the feedback received so far; fits 80 columns."""
    # No inner rules: with seven columns, the space is better spent on labels and dates.
    table = Table(title="Rounds in the history", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    table.add_column("Round", no_wrap=True)  # a label is typed back into `history show`: keep it whole
    table.add_column("Starts", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Groups", justify="right", no_wrap=True)
    table.add_column("People", justify="right", no_wrap=True)
    table.add_column("Feedback", no_wrap=True)  # when it was recorded is in --format json; the table stays narrow
    for info in rounds:
        feedback = f"{info.met} met, {info.not_met} not" if info.met or info.not_met else "—"
        table.add_row(escape(info.label), escape((info.starts or "—").replace("T", " ")), info.kind,
                      str(info.groups), str(info.people), feedback)
    return table


def render_rounds(out: Console, path: Path, rounds: Sequence[RoundInfo]) -> None:
    if not rounds:
        out.print(f"No rounds in {escape(str(path))} yet.", soft_wrap=True)
        return
    out.print(rounds_table(rounds))
    out.print(f"[dim]{len(rounds)} round{'s' * (len(rounds) != 1)} in {escape(str(path))}[/]", soft_wrap=True)


def round_table(info: RoundInfo, groups: Sequence[Mapping[str, Any]]) -> Table:
    """One line per group: its members (who joined it marked: a pair's third), table, feedback and calendar UID."""
    when = f" ({info.starts.replace('T', ' ')})" if info.starts else ""
    table = Table(title=f"Round {escape(info.label)}{escape(when)}", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("Members")
    table.add_column("Table", justify="right")
    table.add_column("Met")
    table.add_column("UID", style="dim")
    for group in groups:
        joined = "(joined as third)" if len(group["members"]) == 3 else "(joined the group)"
        members = [f"{member} {joined}" if member == group["odd_one"] else member for member in group["members"]]
        table.add_row(str(group["group"]), escape(", ".join(members)),
                      "" if group["table"] is None else str(group["table"]), _MET[group["met"]],
                      escape(group["uid"]))
    return table


def render_round(out: Console, info: RoundInfo, groups: Sequence[Mapping[str, Any]], unmatched: Sequence[str]) -> None:
    out.print(round_table(info, groups))
    if unmatched:
        out.print(f"[yellow]Unmatched:[/] {escape(', '.join(unmatched))}", soft_wrap=True)
    out.print(f"[dim]{info.groups} groups, {info.people} people; feedback: {info.met} met, "
              f"{info.not_met} did not[/]", soft_wrap=True)


def done(out: Console, message: str) -> None:
    """What a command did, in one plain line (cron logs keep it)."""
    out.print(escape(message), soft_wrap=True, highlight=False)

"""How ``peermatch report`` shows programme coverage in a terminal: a rendering module, so it may use rich.

The profession × profession grid is a heat map that also reads without colour (cron mail, ``NO_COLOR``, a
black-and-white printout): each cell shows its count beside a shading block, ``░ ▒ ▓ █`` from few to many.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from peermatch.outputs.report import Coverage, notes

SHADES = ("░", "▒", "▓", "█")
# Light to dark blue backgrounds, with text dark on the light ones and white on the dark ones.
_BACKGROUNDS = ("black on #deebf7", "black on #9ecae1", "white on #4292c6", "white on #08519c")
MAX_COLUMNS = 12  # more would not fit a wide terminal, nor be read at a glance
_BAR_WIDTH = 30
_NAME_WIDTH = 28


def shade(count: int, most: int) -> int:
    """Which of the four shades ``count`` gets when the busiest cell has ``most``; -1 for none."""
    return -1 if count <= 0 or most <= 0 else min(3, math.ceil(4 * count / most) - 1)


def summary_grid(report: Coverage) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    upcoming = len(report.rounds) - report.rounds_held
    rows = [
        ("Rounds", f"{report.rounds_held} held" + (f", {upcoming} to come" if upcoming else "")),
        ("Conversations", f"{report.conversations} planned: {report.met} took place, {report.not_met} did not, "
                          f"{report.awaiting} without feedback"),
        ("People", f"{report.people_reached} of {report.people} brought together "
                   f"({report.people_met} in a conversation that took place)"),
        ("Across professions", f"{report.pairings_across_professions} of {report.pairings} pairings "
                               f"({report.across_share:.0%})"),
    ]
    for label, value in rows:
        grid.add_row(label, escape(value))
    return grid


def rounds_table(report: Coverage) -> Table:
    table = Table(title="Rounds", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Round", no_wrap=True)
    table.add_column("Date", no_wrap=True)
    table.add_column("Groups", justify="right")
    table.add_column("People", justify="right")
    table.add_column("Met", justify="right")
    table.add_column("Not met", justify="right")
    table.add_column("No feedback", justify="right")
    for r in report.rounds:
        table.add_row(escape(r.label), r.date + (" (to come)" if r.upcoming else ""), str(r.groups), str(r.people),
                      str(r.met), str(r.not_met), str(r.awaiting), style="dim" if r.upcoming else None)
    return table


def distribution_table(report: Coverage) -> Table:
    table = Table(title="Distinct professions each person met", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column("Professions", justify="right")
    table.add_column("People", justify="right")
    table.add_column("")
    most = max(report.professions_met, default=0)
    for k, count in enumerate(report.professions_met):
        bar = "█" * (round(_BAR_WIDTH * count / most) if most else 0)
        table.add_row(str(k), str(count), f"[blue]{bar}[/]")
    return table


def busiest(report: Coverage, limit: int = MAX_COLUMNS) -> list[int]:
    """The indexes of the ``limit`` professions with the most pairings, kept in the report's order."""
    totals = [sum(row) for row in report.matrix]
    chosen = sorted(range(len(totals)), key=lambda k: (-totals[k], k))[:limit]
    return sorted(chosen)


def matrix_grid(report: Coverage, shown: Sequence[int]) -> Table:
    """Rows and columns are professions; columns are numbered to stay narrow, the rows say which is which."""
    title = "Conversations between professions (pairs of people)"
    caption = f"{' '.join(SHADES)}: fewer to more conversations; · none"
    # As wide as its title and caption, so that a grid of two professions does not wrap them.
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, caption=caption,
                  caption_justify="left", min_width=max(len(title), len(caption)))
    most = max((report.matrix[i][j] for i in shown for j in shown), default=0)
    digits = len(str(most))
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Profession", no_wrap=True, max_width=_NAME_WIDTH)
    for number in range(1, len(shown) + 1):
        table.add_column(str(number), justify="right", no_wrap=True, min_width=digits + 1)
    for number, i in enumerate(shown, start=1):
        cells = []
        for j in shown:
            count = report.matrix[i][j]
            level = shade(count, most)
            cells.append("[dim]·[/]" if level < 0 else f"[{_BACKGROUNDS[level]}]{SHADES[level]}{count:>{digits}}[/]")
        table.add_row(str(number), escape(report.professions[i]), *cells)
    return table


def columns_that_fit(report: Coverage, width: int) -> int:
    """How many professions the grid can show in ``width`` characters (never fewer than four)."""
    cell = len(str(max((max(row) for row in report.matrix), default=0))) + 1 + 2  # shade, digits, padding
    return max(4, min(MAX_COLUMNS, (width - _NAME_WIDTH - 10) // cell))


def render_report(out: Console, report: Coverage) -> None:
    if not report.rounds:
        out.print(f"No rounds in {escape(report.history)} yet: run `peermatch pair` or `peermatch schedule` first.",
                  soft_wrap=True)
        return
    out.print(summary_grid(report))
    out.print()
    out.print(rounds_table(report))
    if report.professions_met:
        out.print(distribution_table(report))
    if report.professions:
        shown = busiest(report, columns_that_fit(report, out.width))
        out.print(matrix_grid(report, shown))
        if len(shown) < len(report.professions):
            out.print(f"[dim]Showing the {len(shown)} professions with the most conversations of "
                      f"{len(report.professions)}; --out report.html and --format json have them all.[/]",
                      soft_wrap=True)
    for note in notes(report):
        out.print(f"[dim]{escape(note)}[/]", soft_wrap=True)

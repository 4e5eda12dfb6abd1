"""How ``peermatch check`` shows its report in a terminal: a rendering module, so it may use rich.

The report names rows and ids, never names or emails (nor ids that are really emails): it is often pasted into an
email to HR.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from peermatch.matching.check_findings import Finding
from peermatch.matching.checking import CheckResult, shown_columns
from peermatch.roster.cells import DELIMITER_NAMES
from peermatch.roster.workbook import WORKBOOK

ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with a byte-order mark (as Excel saves 'CSV UTF-8')",
             "cp1252": "Windows-1252 (as Excel saves plain 'CSV')", "utf-16": "UTF-16 (as Excel saves 'Unicode text')"}


def file_layout(encoding: str, delimiter: str) -> str:
    """How a roster file was read, in words: "UTF-8, comma-separated" or "an Excel workbook"."""
    if encoding == WORKBOOK:
        return "an Excel workbook (.xlsx)"
    return f"{ENCODINGS.get(encoding, encoding)}, {DELIMITER_NAMES.get(delimiter, repr(delimiter))}-separated"
_FIELD_LABELS = {"first_name": "first name", "last_name": "last name", "active": "opt-out"}
_WHEN_MISSING = {
    "id": "their email, or else their row number, is their id",
    "name": "people are shown by id",
    "email": "—",
    "organisation": "no bonus for pairs across organisations",
    "site": "no bonus for pairs at one site",
    "active": "everyone takes part",
}


def columns_table(result: CheckResult) -> Table:
    table = Table(title="How the roster was read", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Field", no_wrap=True)
    table.add_column("Column")
    for field, heading in shown_columns(result.columns).items():
        shown = escape(repr(heading)) if heading else f"[dim]not found: {escape(_WHEN_MISSING.get(field, '—'))}[/]"
        label = f"opt-out ({field.split('_')[1]})" if field.startswith("active_") else _FIELD_LABELS.get(field, field)
        table.add_row(label, shown)
    return table


def level_profession_table(result: CheckResult) -> Table:
    """Professions down, levels across (there are fewer levels than professions), with totals."""
    table = Table(title="People per profession and level", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column("Profession")
    for level in result.levels:
        table.add_column(escape(level.level), justify="right")
    table.add_column("Total", justify="right", style="bold")
    for profession, total in result.professions.items():
        cells = [str(level.professions.get(profession, "")) for level in result.levels]
        table.add_row(escape(profession), *cells, str(total))
    table.add_section()
    table.add_row("[bold]Total[/]", *(str(level.people) for level in result.levels), str(result.people))
    if result.group_size > 2:
        # What groups of N can do at each level: the bound, and the rounds before anyone meets someone again.
        table.add_row(f"[dim]Groups of {result.group_size}[/]", *(f"[dim]{level.groups}[/]" for level in result.levels),
                      f"[dim]{sum(level.groups for level in result.levels)}[/]")
        table.add_row("[dim]Rounds possible[/]", *(f"[dim]{level.rounds_possible}[/]" for level in result.levels), "")
    table.add_row("[dim]Most ideal pairs[/]", *(f"[dim]{level.ideal_pairs_possible}[/]" for level in result.levels),
                  f"[dim]{result.ideal_pairs_possible}[/]")
    return table


def _findings(out: Console, heading: str, findings: Sequence[Finding], style: str) -> None:
    if not findings:
        return
    out.print(f"[bold]{heading} ({len(findings)})[/]")
    for item in findings:
        where = f" [dim](fix in the {item.fix})[/]" if item.fix else ""
        out.print(f"  [{style}]•[/] {escape(item.message)}{where}", soft_wrap=True)
    out.print()


def verdict(result: CheckResult) -> str:
    most = result.ideal_pairs_possible
    ideal = f"{result.people} people; at most {most} pair{'s' * (most != 1)} at the same level across professions"
    if result.group_size > 2:
        ideal = f"{ideal} within groups of {result.group_size}"
        filled = [level.rounds_possible for level in result.levels if level.groups]
        if filled:
            ideal += f"; at most {min(filled)} round{'s' * (min(filled) != 1)} without anyone meeting someone twice"
    if not result.fit:
        problems = len(result.errors)
        which = f"one of these {problems} problems" if problems > 1 else "this problem"
        places = {item.fix for item in result.errors if item.fix}
        where = "the roster or the config" if len(places) > 1 or "roster or config" in places else (
            f"the {places.pop()}" if places else "the roster")
        fix = f"Fix {'them' if problems > 1 else 'it'} in {where}"
        if not result.columns:
            return f"Not fit to pair: `peermatch pair` would stop at {which}. {fix}: no row can be read until then."
        if not result.people:
            return (f"Not fit to pair: `peermatch pair` would stop at {which}. {fix}: no row is fit to pair, so "
                    "--skip-invalid would leave nobody.")
        return (f"Not fit to pair: `peermatch pair` would stop at {which}. {fix}, or leave those rows out with "
                "--skip-invalid.")
    if result.warnings:
        count = len(result.warnings)
        return (f"Fit to pair ({ideal}), with {count} warning{'s' * (count > 1)}: `peermatch pair` will run, and "
                "the warnings say what would give more people a good partner.")
    return f"Fit to pair ({ideal}). Next: peermatch pair {result.path}" + (
        f" --config {result.config}" if result.config else "") + (
        f" --group-size {result.group_size}" if result.group_size > 2 else "")


def render_check(out: Console, result: CheckResult) -> None:
    out.print(escape(f"Roster {result.path}: {file_layout(result.encoding, result.delimiter)}"), soft_wrap=True)
    out.print(escape(f"Config: {result.config or 'none (the defaults)'}; people at most {result.max_level_gap} "
                     f"level{'s' * (result.max_level_gap != 1)} apart may be paired"), soft_wrap=True)
    if result.columns:
        out.print(columns_table(result))
    if result.levels:
        out.print(level_profession_table(result))
    elif result.columns:
        out.print("[bold]People per profession and level:[/] nobody in the roster is fit to pair")
    out.print()
    if result.left_out:
        out.print(f"[bold]Left out ({len(result.left_out)})[/]")
        for entry in result.left_out:
            named = f"row {entry.row}, id {entry.id}" if entry.id else f"row {entry.row}"
            out.print(f"  {escape(named)}: {escape(entry.reason)}", soft_wrap=True)
        out.print()
    _findings(out, "Errors", result.errors, "red")
    if result.errors and result.columns:
        out.print("[dim]The counts above leave out the rows with errors.[/]")
        out.print()
    _findings(out, "Warnings", result.warnings, "yellow")
    style = "bold green" if result.fit and not result.warnings else "bold yellow" if result.fit else "bold red"
    out.print(f"[{style}]{escape(verdict(result))}[/]", soft_wrap=True)

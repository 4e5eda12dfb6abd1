"""Pairs who must never meet (a manager and their report, say), from a CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from peermatch.errors import RosterError
from peermatch.models import Roster
from peermatch.roster.cells import read_cells
from peermatch.text import numbers_text, rows_text


def read_exclusions(path: Path, roster: Roster | None = None) -> list[tuple[str, str]]:
    """Id pairs from the first two columns of ``path``; a heading row is optional.

    The file is read like a roster (any encoding or delimiter Excel writes).
    A heading row such as ``id_a,id_b`` is read as one more pair, which is
    harmless: no two people in a roster have those ids.

    Given the ``roster``, rows naming an id that is not in it are reported in
    ``roster.warnings``: a mistyped id would otherwise quietly fail to keep two
    people apart.  The warning names rows, never ids (an id may be an email).
    The first row is not reported, as it is usually the headings.
    """
    cells = read_cells(path)
    if cells.frame.shape[1] < 2:
        raise RosterError(f"{path}: an exclusions file needs two columns of ids, one pair per row")
    pairs: list[tuple[str, str]] = []
    rows: list[int] = []
    for offset, (first, second) in enumerate(cells.frame.iloc[:, :2].itertuples(index=False)):
        a, b = str(first).strip(), str(second).strip()
        if not a and not b:
            continue
        row = cells.header_row + offset
        if not a or not b:
            raise RosterError(f"{path}, row {row}: an exclusion needs two ids, one in each of the first two columns")
        pairs.append((a, b))
        rows.append(row)
    if roster is not None:
        known = {person.id for person in roster.people} | {entry.id for entry in roster.left_out}
        unknown = [row for row, (a, b) in zip(rows, pairs, strict=True)
                   if row != cells.header_row and not {a, b} <= known]
        if unknown:
            roster.warnings.append(_unknown_ids_warning(path, unknown))
    return pairs


def _unknown_ids_warning(path: Path, rows: list[int]) -> str:
    one = len(rows) == 1
    return (f"{path}: {rows_text(rows)} {'names' if one else 'name'} an id that is not in the "
            f"roster, so {'that exclusion has' if one else 'those exclusions have'} no effect; check the ids "
            "for typing mistakes")


def warn_unknown_config_exclusions(pairs: Sequence[tuple[str, str]], config_path: Path | None, roster: Roster) -> None:
    """Report in ``roster.warnings`` the ``[rules] exclude`` pairs naming an id that is not in the roster.

    As for the file, a mistyped id would quietly fail to keep two people apart.  Pairs are named by their place in
    the list (1 for the first), never by id.
    """
    if not pairs:  # as usual: no set of everyone's ids (a million of them) to make
        return
    known = {person.id for person in roster.people} | {entry.id for entry in roster.left_out}
    places = [k for k, (a, b) in enumerate(pairs, start=1) if not {a, b} <= known]
    if not places:
        return
    shown, one = numbers_text(places), len(places) == 1
    roster.warnings.append(
        f"{config_path or 'the configuration'}: [rules] exclude: {'pair' if one else 'pairs'} {shown} "
        f"(counting from 1) {'names' if one else 'name'} an id that is not in the roster, so "
        f"{'that exclusion has' if one else 'those exclusions have'} no effect; check the ids for typing mistakes")

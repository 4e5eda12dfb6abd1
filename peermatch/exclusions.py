"""Pairs who must never meet (a manager and their report, say), from a CSV."""

from __future__ import annotations

from pathlib import Path

from peermatch.errors import RosterError
from peermatch.roster import read_cells


def read_exclusions(path: Path) -> list[tuple[str, str]]:
    """Id pairs from the first two columns of ``path``; a heading row is optional.

    The file is read like a roster (any encoding or delimiter Excel writes).
    A heading row such as ``id_a,id_b`` is read as one more pair, which is
    harmless: no two people in a roster have those ids.
    """
    cells = read_cells(path)
    if cells.frame.shape[1] < 2:
        raise RosterError(f"{path}: an exclusions file needs two columns of ids, one pair per row")
    pairs: list[tuple[str, str]] = []
    for offset, (first, second) in enumerate(cells.frame.iloc[:, :2].itertuples(index=False)):
        a, b = str(first).strip(), str(second).strip()
        if not a and not b:
            continue
        if not a or not b:
            row = cells.header_row + offset
            raise RosterError(f"{path}, row {row}: an exclusion needs two ids, one in each of the first two columns")
        pairs.append((a, b))
    return pairs

"""The CSV outputs as Excel workbooks, for ``--out pairs.xlsx``: every cell peermatch takes from a roster is text.

A text cell in a workbook is never run as a formula, whatever it starts with, so the workbook holds names as they
are, without the apostrophe the CSV puts before "=", "+", "-", "@" (which a mail merge reading the CSV shows
literally).  Numbers peermatch writes itself (group, size, score, round, table) stay numbers, so they sort.

The workbook is made from the CSV bytes the same command writes, so both always hold the same columns and rows;
the CSV's apostrophes are taken off again.  (A value that itself began with an apostrophe and then one of those
four characters loses that apostrophe: no roster value is expected to.)  The same input gives the same bytes: the
file's dates are fixed, as the calendar's DTSTAMP is.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime

from peermatch.outputs.export import FORMULA_START

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,15}")
_FIXED = datetime(2000, 1, 1)  # the created/modified dates written into every workbook, so reruns match byte for byte
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def wants_workbook(path: object) -> bool:
    """Whether an output path asks for a workbook (.xlsx) rather than a CSV."""
    return str(path).lower().endswith(WORKBOOK_SUFFIXES)


def csv_to_workbook(data: bytes | Iterable[bytes], *, sheet: str, numeric: Sequence[str] = ()) -> bytes:
    """One sheet named ``sheet`` holding the rows of the UTF-8 CSV ``data`` (as peermatch's writers make it).

    Columns named in ``numeric`` hold whole numbers where the CSV has them; every other cell is a text cell.
    """
    from openpyxl import Workbook  # only a workbook output needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.writer.excel import ExcelWriter

    text = (data if isinstance(data, bytes) else b"".join(data)).decode("utf-8-sig")
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, [])
    numbers = {k for k, name in enumerate(header) if name in numeric}
    book = Workbook(write_only=True)
    book.properties.created = book.properties.modified = _FIXED
    page = book.create_sheet(sheet)

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(page, value=value)
        cell.data_type = "s"  # openpyxl would take a leading "=" for a formula: this cell is text, always
        return cell

    page.append([text_cell(name) for name in header])
    for row in rows:
        page.append([int(value) if k in numbers and _WHOLE_NUMBER.fullmatch(value)
                     else text_cell(_unescaped(value)) for k, value in enumerate(row)])
    out = io.BytesIO()
    # Workbook.save would stamp the file's "modified" date with the clock; ExcelWriter is what it calls after that.
    ExcelWriter(book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _fixed_times(out.getvalue())


def _unescaped(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_START else value


def _fixed_times(data: bytes) -> bytes:
    """The zip archive ``data`` with every entry dated 1980-01-01: openpyxl dates them with the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, entry.external_attr
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()

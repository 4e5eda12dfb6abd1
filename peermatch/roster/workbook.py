"""Read one sheet of an Excel workbook (.xlsx, .xlsm) into text cells, as a coordinator sees them in Excel.

openpyxl, not pandas' own ``read_excel``: pandas turns every cell into a number or a date first, and it cannot see a
cell's number format, so an id shown as ``000123`` (the number 123 formatted ``000000``) would arrive as "123".
openpyxl gives each value with its format, and peermatch writes workbooks with it too.  Values become the text Excel
shows: whole numbers without ".0", numbers formatted with leading zeros padded, TRUE/FALSE, dates as 2027-01-11.
Text cells ("8a", "06") are kept exactly as typed.  Formulas give the value Excel saved with them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from peermatch.errors import RosterUnreadable
from peermatch.text import fold, strip_unsafe

WORKBOOK = "xlsx"  # what Cells.encoding says of a workbook
_ZERO_PADDED = re.compile(r"0{2,}")  # a number format like 000000: an id or a code shown with leading zeros


def sheet_rows(path: Path, sheet: str | None) -> tuple[list[list[str]], str]:
    """The rows of ``sheet`` (default: the first) as lists of text, and the sheet's name.

    Raises :class:`RosterUnreadable` (exit 66) when the file is not a workbook openpyxl can open, or has no such
    sheet; the message names the file and lists the sheets, never a cell.
    """
    import openpyxl  # only workbooks need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a damaged workbook raises whatever the zip or XML reader finds
        reason = type(error).__name__ if not str(error) else str(error).splitlines()[0][:80]
        raise RosterUnreadable(f"{path}: cannot read the workbook, it may be damaged ({strip_unsafe(reason)}); "
                               "open it in Excel and save it again, or save it as 'CSV UTF-8'") from None
    try:
        names = book.sheetnames
        if sheet is None:
            if not names:
                raise RosterUnreadable(f"{path}: the workbook has no sheets")
            name = names[0]
        else:
            matches = [n for n in names if n == sheet] or [n for n in names if fold(n) == fold(sheet)]
            if not matches:
                listed = ", ".join(repr(strip_unsafe(n)) for n in names)
                raise RosterUnreadable(f"{path}: there is no sheet {strip_unsafe(sheet)!r} in the workbook "
                                       f"(its sheets: {listed}); name one with --sheet")
            name = matches[0]
        try:
            rows = [[_text(cell.value, getattr(cell, "number_format", None)) for cell in row]
                    for row in book[name].iter_rows()]
        except Exception as error:  # as above: damage inside a sheet shows only when it is read
            raise RosterUnreadable(f"{path}: cannot read the sheet {strip_unsafe(name)!r}, it may be damaged "
                                   f"({type(error).__name__}); open it in Excel and save it again") from None
    finally:
        book.close()
    return rows, name


def _text(value: Any, number_format: str | None) -> str:
    """A cell's value as Excel shows it in a plain ("General") column."""
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_unsafe(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if number_format and _ZERO_PADDED.fullmatch(number_format):
            return str(value).zfill(len(number_format))
        return str(value)
    if isinstance(value, float):
        return f"{value:.15g}"  # 0.1 + 0.2 as Excel shows it, 0.3
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if isinstance(value, timedelta):
        return str(value)
    return strip_unsafe(str(value))

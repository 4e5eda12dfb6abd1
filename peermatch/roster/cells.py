"""Decode and split any CSV a coordinator hands over (rosters, exclusion lists, history spreadsheets) into cells.

What Excel and HR systems write: UTF-8 with or without a byte-order mark, Windows-1252, or UTF-16 with a byte-order
mark (Excel's "Unicode text"), separated by commas, semicolons, tabs or pipes; or one sheet of an Excel workbook
(roster/workbook.py), whose Cells say encoding "xlsx" and no delimiter.  Escape sequences, control characters
and bidirectional controls are removed from the text here, once, so that no value read from a spreadsheet reaches a
terminal, log or file with them.  Nothing is interpreted here: the cells come back as text, the heading row first, with
the spreadsheet row number of that heading so that every later message counts rows as Excel does.  A file that is
not text raises :class:`RosterUnreadable` (exit 66); text that cannot be split into cells, :class:`RosterError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from peermatch.errors import RosterError, RosterUnreadable, UsageError
from peermatch.roster.workbook import WORKBOOK, sheet_rows
from peermatch.text import strip_unsafe

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_RECORDS = 100
_SNIFF_CHARS = 100_000  # under csv's field size limit, so an unclosed quote cannot make the sniffer raise
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_UNCLOSED_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


@dataclass(frozen=True)
class Cells:
    """A CSV split into text cells: the heading row first, nothing interpreted."""

    frame: pd.DataFrame
    encoding: str
    delimiter: str
    header_row: int  # the spreadsheet row of frame.iloc[0]


def read_cells(path: Path, sheet: str | None = None) -> Cells:
    """Decode and split any CSV a coordinator hands over (rosters, exclusion lists), or read one sheet of a workbook.

    ``sheet`` names the sheet of a workbook to read (default: the first); it is refused for a text file.
    """
    raw = _read_bytes(path)
    if raw.startswith(b"PK\x03\x04"):  # a zip archive, as every .xlsx is
        return _workbook_cells(path, sheet)
    if sheet is not None:
        raise UsageError(f"{path}: --sheet is for Excel workbooks (.xlsx), and this is a text file")
    text, encoding = _read_text(path, raw)
    del raw  # the file's bytes are not needed again: a hundred megabytes at a million people
    # pandas would take a leading blank line for the heading row, yet Excel counts it as a row.
    blank_lines = _LEADING_BLANK_LINES.match(text)
    assert blank_lines is not None  # the pattern matches the empty string
    header_row = 1 + len(_LINE_BREAK.findall(blank_lines.group()))
    delimiter, width = _sniff(text[blank_lines.end():blank_lines.end() + _SNIFF_CHARS])
    # pandas reads UTF-8 bytes: a text buffer (StringIO) would hold four bytes a character, 500 MB for a roster
    # of a million people.  The text goes before pandas builds its cells.
    body = text[blank_lines.end():].encode("utf-8")
    del text
    frame = _parse(path, body, delimiter, width, header_row)
    if frame.empty:  # pandas skips what it takes for byte-order marks: nothing else was there
        raise RosterUnreadable(f"{path}: the file is empty")
    return Cells(frame, encoding, delimiter, header_row)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise RosterUnreadable(f"{path}: cannot read the file ({error.strerror or error})") from None


def _workbook_cells(path: Path, sheet: str | None) -> Cells:
    rows, name = sheet_rows(path, sheet)
    # Excel counts the empty rows above the headings, and rows below the last filled one are only formatting.
    filled = [number for number, row in enumerate(rows) if any(cell.strip() for cell in row)]
    if not filled:
        raise RosterUnreadable(f"{path}: the sheet {name!r} is empty")
    rows = rows[filled[0]:filled[-1] + 1]
    width = max(len(row) for row in rows)
    frame = pd.DataFrame([row + [""] * (width - len(row)) for row in rows], columns=range(width), dtype=str)
    return Cells(frame, WORKBOOK, "", filled[0] + 1)


def _read_text(path: Path, raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterUnreadable(f"{path}: this is an old-style .xls workbook, or one protected by a password; save it "
                               "from Excel as 'Excel Workbook (.xlsx)' without a password, or as 'CSV UTF-8'")
    # Excel's "Unicode text" is UTF-16 with a byte-order mark, whose every other byte is a NUL: decode it first.
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in raw:
        raise RosterUnreadable(f"{path}: not a text file (it contains NUL bytes)")
    # A BOM says the exporter wrote UTF-8: bytes that do not decode are damage, and reading them as cp1252 would
    # quietly turn every accented name into mojibake.
    encodings = ("utf-16",) if utf16 else ("utf-8-sig",) if raw.startswith(codecs.BOM_UTF8) else ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise RosterUnreadable(f"{path}: not a text file (it contains NUL characters)")
        # Once, here, for every value of every spreadsheet peermatch reads: what is left can go to a terminal,
        # a log, a CSV, a workbook, a calendar or an email.
        text = strip_unsafe(text)
        # A tool that adds a byte-order mark to a file that has one leaves a second, which is no heading either.
        text = text.lstrip("\ufeff")
        if not text.replace("\ufeff", "").strip():
            raise RosterUnreadable(f"{path}: the file is empty")
        return text, encoding
    if utf16:
        raise RosterUnreadable(f"{path}: damaged UTF-16 text (it does not decode); save it from Excel again")
    raise RosterUnreadable(f"{path}: not a text file (neither UTF-8 nor Windows-1252 text)")


def _sniff(text: str) -> tuple[str, int]:
    """The delimiter giving the steadiest cell count (above one) over many records, and the widest record.

    One line is not enough: a heading row without commas above "Smith, Jo" fools it.
    """
    sample = io.StringIO(text[:_SNIFF_CHARS], newline=None)
    best, choice, widest = (0.0, 1), ",", 1
    for delimiter in DELIMITERS:
        sample.seek(0)
        records = filter(None, csv.reader(sample, delimiter=delimiter))
        widths = [len(record) for record in itertools.islice(records, _SNIFF_RECORDS)]
        mode, hits = max(Counter(widths).items(), key=lambda item: (item[1], item[0]))
        if mode > 1 and (hits / len(widths), mode) > best:
            best, choice, widest = (hits / len(widths), mode), delimiter, max(widths)
    return choice, widest


def _parse(path: Path, body: bytes, delimiter: str, width: int, header_row: int) -> pd.DataFrame:
    # No header and explicit names: short rows are padded with "" instead of raising or turning a column into the
    # index, and the heading row keeps its place in the count of rows.
    def read(width: int) -> pd.DataFrame:
        with warnings.catch_warnings():
            # A first record wider than ``width`` is cut short with nothing but a warning: make it a retry instead.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.BytesIO(body), encoding="utf-8", sep=delimiter, header=None,
                               names=list(range(width)), index_col=False, dtype=str, keep_default_na=False,
                               na_filter=False, skip_blank_lines=False, engine="c")

    try:
        return read(width)
    except pd.errors.ParserWarning:
        detail = ""
    except pd.errors.ParserError as error:
        detail = str(error).strip().splitlines()[-1]
    if match := _UNCLOSED_QUOTE.search(detail):
        raise RosterError(f'{path}, row {header_row + int(match[1])}: a quoted cell is never closed (a " is missing)')
    # A record wider than any in the sample (or a heading row longer than the sample): count them all, once.
    records, count = csv.reader(io.StringIO(body.decode("utf-8"), newline=None), delimiter=delimiter), 0
    try:
        for record in records:
            count, width = count + 1, max(width, len(record))
    except csv.Error as error:  # with NULs refused and universal newlines, in practice a cell past csv's limit
        problem = (f"a cell is longer than {csv.field_size_limit():,} characters" if "field larger" in str(error)
                   else f"cannot split it into cells ({error})")
        raise RosterError(f"{path}, row {header_row + count}: {problem}") from None
    try:
        return read(width)
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        raise RosterError(f"{path}: cannot split the file into cells ({str(error).strip()})") from None

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
from peermatch.text import has_unsafe, strip_unsafe

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_RECORDS = 100
_SNIFF_CHARS = 100_000  # under csv's field size limit, so an unclosed quote cannot make the sniffer raise
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))*")
_LEADING_BLANK_BYTES = re.compile(rb"(?:[ \t]*(?:\r\n|\r|\n))*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTENT = re.compile(r"[^\s\ufeff]")
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
    start, encoding = _plain_utf8(raw)
    # pandas would take a leading blank line for the heading row, yet Excel counts it as a row.
    if encoding:
        # pandas reads the file's own bytes, from after its byte-order marks and blank lines: no text of it is
        # ever made whole, which at a million people (and one name with a "ś") would take 270 MB more.
        found = _LEADING_BLANK_BYTES.match(raw, start)
        assert found is not None  # the pattern matches the empty string
        body, start, blank_lines = raw, found.end(), found.group().decode("ascii")
        sample = raw[start:start + 4 * _SNIFF_CHARS].decode("utf-8", errors="ignore")[:_SNIFF_CHARS]
    else:
        text, encoding = _read_text(path, raw)
        del raw  # the file's bytes are not needed again: a hundred megabytes at a million people
        matched = _LEADING_BLANK_LINES.match(text)
        assert matched is not None
        blank_lines, sample = matched.group(), text[matched.end():matched.end() + _SNIFF_CHARS]
        # pandas reads UTF-8 bytes: a text buffer (StringIO) would hold four bytes a character, 500 MB for a
        # roster of a million people.  The text goes before pandas builds its cells.
        body, start = text[matched.end():].encode("utf-8"), 0
        del text
    header_row = 1 + len(_LINE_BREAK.findall(blank_lines))
    delimiter, width = _sniff(sample)
    frame = _parse(path, body, start, delimiter, width, header_row)
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


_CHECKED_AT_ONCE = 1 << 20  # bytes of a file decoded at a time when checking it: small enough to stay in cache
# The bytes that start the UTF-8 of a NUL or of a character strip_unsafe removes: C0 controls but tab, line feed and
# carriage return; DEL; and the first bytes of the C1 controls (\xc2), of U+061C (\xd8) and of the other
# bidirectional controls (\xe2).  A piece of a file without any of them needs no search character by character.
_DOUBTFUL_BYTES = bytes([*range(0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f, 0xc2, 0xd8, 0xe2])
_PLAIN_BYTES = bytes(sorted(set(range(256)) - set(_DOUBTFUL_BYTES)))


def _plain_utf8(raw: bytes) -> tuple[int, str]:
    """Where the text starts (after any byte-order marks) and the encoding, for the usual file: UTF-8 that holds
    no NUL and nothing :func:`~peermatch.text.strip_unsafe` removes, and something besides white space.

    Any other file gives ``(0, "")``, and :func:`_read_text` decodes it whole and says what is wrong with it.  The
    check decodes a megabyte at a time, so that the file's bytes are its only copy in memory.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\xd0\xcf\x11\xe0")):
        return 0, ""
    start = 0
    while raw.startswith(codecs.BOM_UTF8, start):  # a tool that adds a byte-order mark may leave a second
        start += len(codecs.BOM_UTF8)
    offset, end, content = start, len(raw), False
    while offset < end:
        stop = min(offset + max(_CHECKED_AT_ONCE, 4), end)  # at least one whole character, or no progress
        for _ in range(3):  # never between the bytes of one character, so that each piece decodes on its own
            if stop < end and 0x80 <= raw[stop] < 0xc0:
                stop -= 1
        piece = raw[offset:stop]
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            return 0, ""
        # Deleting every plain byte leaves nothing in the usual piece, at C speed: the search is for the rest.
        if piece.translate(None, _PLAIN_BYTES) and ("\x00" in text or has_unsafe(text)):
            return 0, ""
        content = content or _CONTENT.search(text) is not None
        offset = stop
    return (start, "utf-8-sig" if start else "utf-8") if content else (0, "")


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
        if _CONTENT.search(text) is None:  # a search, not strip(): that would copy the whole file
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


def _parse(path: Path, body: bytes, start: int, delimiter: str, width: int, header_row: int) -> pd.DataFrame:
    # No header and explicit names: short rows are padded with "" instead of raising or turning a column into the
    # index, and the heading row keeps its place in the count of rows.
    def read(width: int) -> pd.DataFrame:
        with warnings.catch_warnings():
            # A first record wider than ``width`` is cut short with nothing but a warning: make it a retry instead.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            source = io.BytesIO(body)  # shares body's bytes: no copy
            source.seek(start)
            # dtype object: the cells are text already, and pandas 3 would look at every one again to make a
            # string column of them.
            return pd.read_csv(source, encoding="utf-8", sep=delimiter, header=None,
                               names=list(range(width)), index_col=False, dtype=object, keep_default_na=False,
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
    records, count = csv.reader(io.StringIO(body[start:].decode("utf-8"), newline=None), delimiter=delimiter), 0
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

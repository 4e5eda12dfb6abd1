"""How peermatch compares the words people type into spreadsheets."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

# How spreadsheets say yes and no (after fold): a tick column's "TRUE", a form's "Y", a flag's "1".
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


# The bidirectional marks, embeddings, overrides and isolates: they make text display in an order other than the one
# it is stored in, so "gpj.exe" can show as "exe.jpg", and a name can hide what follows it in a table.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# What a spreadsheet cell may carry that a terminal, a log or a spreadsheet would act on: whole ANSI escape
# sequences first (so "\x1b[31mRed" becomes "Red", not "[31mRed"), then any other C0 or C1 control character or
# DEL, and the bidirectional controls.  Tab, line feed and carriage return are kept: they separate cells and rows,
# and tidy() turns those inside a cell into spaces.
_UNSAFE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clearing
    r"|(?:\x1b[\]P^_]|[\x90\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"  # OSC, DCS, PM, APC: titles, links
    rf"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]"
)
# Every match of _UNSAFE starts with one of these: searching for them alone is several times faster than trying
# _UNSAFE's alternatives at every character, and a roster almost never holds any.
_UNSAFE_START = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
# What address_problem looks for, as one search each instead of a Python call per character: a roster with
# accented addresses has a hundred thousand of them to explain.  Unicode's line and paragraph separators (categories
# Zl and Zp) are U+2028 and U+2029 alone; \s matches what str.isspace() does; the control characters (category Cc)
# are C0, DEL and C1.  tests/test_clean_text.py checks all three against unicodedata over every code point.
_LINE_BREAK = re.compile("[\r\n\u2028\u2029]")
_SPACE = re.compile(r"\s")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Any of the characters those three and the separators look for, so that an address without any (as an address
# with an accent is) is searched once, not nine times.
_NOT_IN_AN_ADDRESS = re.compile("[\\s,;<>\":\x00-\x1f\x7f-\x9f\u2028\u2029]")


def strip_unsafe(text: str) -> str:
    """``text`` without escape sequences, control characters (but tab, LF and CR) or bidirectional controls.

    Applied once, to everything read from a roster or another spreadsheet, so that no value can recolour a
    terminal, forge a log line, reorder what a table shows or make openpyxl refuse a cell further down.
    """
    if not has_unsafe(text):
        return text  # the usual case: no copy of a hundred megabytes of roster
    return _UNSAFE.sub("", text)


def has_unsafe(text: str) -> bool:
    """Whether :func:`strip_unsafe` would remove anything from ``text``."""
    return _UNSAFE_START.search(text) is not None


# Whether an address is certainly one plain ``local@domain`` address: the first check address_problem makes, as the
# pattern's own method, so that filtering a million emails with it makes no Python call per email.
plain_address: Callable[[str], re.Match[str] | None] = _ADDRESS.fullmatch


def address_problem(address: str) -> str | None:
    """What keeps ``address`` from being one plain ``local@domain`` address, or None when it is one.

    Anything else could add a recipient, a header or a calendar property where the address is written.
    """
    if plain_address(address):  # only printable ASCII without separators, and exactly one @: the usual case
        return None
    if _NOT_IN_AN_ADDRESS.search(address) and (problem := _separator_problem(address)):
        return problem
    if not address.isascii():
        return "contains a character outside plain ASCII"
    if address.count("@") != 1:
        return "does not contain exactly one @"
    if not _ADDRESS.fullmatch(address):
        return "is not a plain name@domain address"
    return None


def _separator_problem(address: str) -> str | None:
    """The first of what address_problem says about line breaks, spaces, separators and control characters."""
    if _LINE_BREAK.search(address):
        return "contains a line break"
    if _SPACE.search(address):
        return "contains a space"
    for character, name in ((",", "a comma"), (";", "a semicolon"), ("<", "an angle bracket"),
                            (">", "an angle bracket"), ('"', "a quotation mark"), (":", "a colon")):
        if character in address:
            return f"contains {name}"
    if _CONTROL.search(address):
        return "contains a control character"
    return None


def fold(value: str) -> str:
    """The comparison key of a cell: "Social  Worker " and "social worker" agree.

    NFC first so that a composed "é" and "e" + combining accent are one
    letter, then case folding (which handles "ß" and friends better than
    ``lower``), then trimming and folding inner runs of white space.
    """
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def tidy(value: str) -> str:
    """The display form of a cell: NFC, trimmed, inner white space folded."""
    # str.split() breaks on exactly the characters the regex \s matches, and is many times faster on the
    # megabytes of a roster's ids and emails that roster.normalising.each_unique passes in one string.
    return " ".join(unicodedata.normalize("NFC", value).split())


def shown_id(person_id: str, row: int, email: str = "") -> str | None:
    """``person_id`` as a message may show it, or None when it is not an id of the person's own.

    Without an id (no id column, or a blank cell) the roster gives a person their email as id, or else their row
    number.  Messages name rows, not people, and may land in a cron log: an id that is really an email (it equals
    the person's email, or holds an "@") or just the row number is left out.
    """
    key = fold(person_id)
    if not key or "@" in key or key == str(row) or (email and key == fold(email)):
        return None
    return person_id


def most_common_spelling(spellings: Iterable[str]) -> str:
    """The spelling most people used; ties go to the first seen, so it is stable."""
    counts = Counter(spellings)
    best = max(counts.values())
    return next(s for s in counts if counts[s] == best)


LISTED = 10  # numbers a message lists before saying how many more


def and_list(items: Sequence[str], last: str = " and ") -> str:
    """'A', 'A and B', 'A, B and C' ('' for none)."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]


def numbers_text(numbers: Iterable[int], last: str = " and ") -> str:
    """'4', '4 and 9', '4, 9 and 12' in order, or the first ten and how many more."""
    shown = [str(n) for n in sorted(numbers)]
    if len(shown) > LISTED:
        return f"{', '.join(shown[:LISTED])} and {len(shown) - LISTED} more"
    return and_list(shown, last)


def rows_text(rows: Sequence[int], last: str = " and ") -> str:
    """'row 4', 'rows 4, 9 and 12', or the first ten rows and how many more: rows as Excel numbers them."""
    return f"{'row' if len(rows) == 1 else 'rows'} {numbers_text(rows, last)}"


_COUNT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def size_words(size: int) -> str:
    """``five`` for 5, as people say the size of a group or table; digits from 10."""
    return _COUNT_WORDS[size] if 0 <= size < len(_COUNT_WORDS) else str(size)

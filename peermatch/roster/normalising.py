"""Whole columns of a roster normalised at C speed: a million cells are read in seconds, not minutes."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

_NORMALISED_AT_ONCE = 50_000


def picked(values: Sequence[T], records: Sequence[int]) -> Iterable[T]:
    """The cells of ``records`` (rising record numbers) in the column ``values``: the column itself when they are
    every record, as usual, which is gone through twice as fast as cells looked up one by one."""
    return values if len(records) == len(values) else map(values.__getitem__, records)


def each_unique(values: list[str], normalise: Callable[[str], str]) -> list[str]:
    """``normalise`` (text.tidy or text.fold) of every cell: once per distinct value in a column of a few values
    (grades, professions), chunk by chunk in a column of mostly distinct ones (ids, names, emails).

    Both only NFC-normalise, case-fold and squeeze white space, none of which reaches across a NUL, so one call on
    the values joined by NUL, split again, equals a call per value, several times faster on 100k ids and emails.
    No cell holds a NUL: files with one are refused.  ``values`` itself comes back when nothing changes, as in most
    columns: no second list of a million cells.
    """
    sample = values[:_NORMALISED_AT_ONCE]
    if len(set(sample)) * 2 > len(sample):
        # Mostly distinct, as ids, names and emails are: finding the distinct ones of a million (a table of them
        # all) costs more than normalising every cell.
        return _normalised(values, normalise)
    distinct = list(dict.fromkeys(values))
    normalised = _normalised(distinct, normalise)
    if normalised is distinct:
        return values
    table = dict(zip(distinct, normalised, strict=True))
    return list(map(table.__getitem__, values))


def _normalised(values: list[str], normalise: Callable[[str], str]) -> list[str]:
    """``normalise`` of every value, ``values`` itself when that changes none of them."""
    normalised: list[str] | None = None
    # A chunk of values at a time, so that the joined text and its normalised copies stay small.
    for start in range(0, len(values), _NORMALISED_AT_ONCE):
        chunk = values[start:start + _NORMALISED_AT_ONCE]
        done = _chunk_normalised(chunk, normalise)
        if done is None:  # the cells themselves: no copy of them
            if normalised is not None:
                normalised += chunk
        else:
            if normalised is None:
                normalised = values[:start]
            normalised += done
    return values if normalised is None else normalised


def _chunk_normalised(chunk: list[str], normalise: Callable[[str], str]) -> list[str] | None:
    """``normalise`` of each value of ``chunk``, or None when it changes none.

    Text with one letter beyond ASCII is stored at two or four bytes a character and case-folded several times
    slower: when some cells have one (an accented name in an email), the others are joined apart from them.
    """
    plain = list(filter(str.isascii, chunk))
    if not plain or len(plain) == len(chunk):
        return _joined_normalised(chunk, normalise)
    other = list(itertools.filterfalse(str.isascii, chunk))
    plain_done, other_done = _joined_normalised(plain, normalise), _joined_normalised(other, normalise)
    if plain_done is None and other_done is None:
        return None
    parts = {True: iter(plain if plain_done is None else plain_done),
             False: iter(other if other_done is None else other_done)}
    # Back in the chunk's order, at C speed: each cell takes the next value of its own part.
    return list(map(next, map(parts.__getitem__, map(str.isascii, chunk))))


def _joined_normalised(values: list[str], normalise: Callable[[str], str]) -> list[str] | None:
    """``normalise`` of each of ``values``, made in one call on them joined by NUL, or None when it changes none."""
    source = "\x00".join(values)
    # Squeezing leaves at most one space either side of a NUL, and it belongs to no value.
    joined = normalise(source).replace(" \x00", "\x00").replace("\x00 ", "\x00")
    return None if joined == source else joined.split("\x00")


def commonest_spellings(shown: Sequence[str], key: Callable[[str], str]) -> dict[str, str]:
    """Each spelling in ``shown`` -> the spelling most people used for its ``key`` (text.fold); ties go to the
    first seen.  The cells are counted by spelling alone, and each spelling's key made once."""
    counts = Counter(shown)  # C speed for a million cells
    key_of = {spelling: key(spelling) for spelling in counts}
    best: dict[str, tuple[int, str]] = {}
    for spelling, count in counts.items():  # in the order first seen
        if (spelling_key := key_of[spelling]) not in best or count > best[spelling_key][0]:
            best[spelling_key] = count, spelling
    return {spelling: best[key_of[spelling]][1] for spelling in counts}

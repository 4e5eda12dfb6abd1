"""How peermatch compares the words people type into spreadsheets."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_SPACES = re.compile(r"\s+")

# How spreadsheets say yes and no (after fold): a tick column's "TRUE", a form's "Y", a flag's "1".
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


def fold(value: str) -> str:
    """The comparison key of a cell: "Social  Worker " and "social worker" agree.

    NFC first so that a composed "é" and "e" + combining accent are one
    letter, then case folding (which handles "ß" and friends better than
    ``lower``), then trimming and folding inner runs of white space.
    """
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value).casefold()).strip()


def tidy(value: str) -> str:
    """The display form of a cell: NFC, trimmed, inner white space folded."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def most_common_spelling(spellings: Iterable[str]) -> str:
    """The spelling most people used; ties go to the first seen, so it is stable."""
    counts = Counter(spellings)
    best = max(counts.values())
    return next(s for s in counts if counts[s] == best)

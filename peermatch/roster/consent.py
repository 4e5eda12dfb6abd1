"""Who takes part: the answers in opt-out and consent columns, read by the column's polarity.

An answer peermatch cannot read is never taken either way: pairing someone who said no is the one mistake a
coordinator cannot undo, so the loader reports it as a problem with the row (and ``--skip-invalid`` leaves them out).
"""

from __future__ import annotations

import re
from enum import Enum

from peermatch.roster.headings import IN_EITHER_WAY, OUT_EITHER_WAY, YES_WORDS, Polarity
from peermatch.text import NO, YES

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
# The dates spreadsheets and HR systems write: 03/02/2027, 2027-02-03, 03-Feb-2027, 3 February 2027, with a time.
_DATE = re.compile(
    rf"^(?:\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}|\d{{1,2}}[- ]{_MONTH}[- ]\d{{2,4}}|{_MONTH} \d{{1,2}},? \d{{4}})"
    r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


class Answer(Enum):
    IN = "in"
    OUT = "out"
    UNREADABLE = "unreadable"


def read_answer(folded: str, polarity: Polarity) -> Answer:
    """What ``folded`` (a cell after text.fold) says in a column of ``polarity``."""
    if not folded:
        return Answer.OUT if polarity.blank_means_out else Answer.IN
    if folded in OUT_EITHER_WAY:
        return Answer.OUT
    if folded in IN_EITHER_WAY:
        return Answer.IN
    # A date says when the thing happened (they withdrew, or they joined): it is a yes.
    if folded in YES or folded in YES_WORDS or _DATE.match(folded):
        return Answer.OUT if polarity.yes_means_out else Answer.IN
    if folded in NO:
        return Answer.IN if polarity.yes_means_out else Answer.OUT
    return Answer.UNREADABLE


def understood(polarity: Polarity) -> str:
    """The answers a column of ``polarity`` takes, for a message."""
    out = "yes, or a date," if polarity.yes_means_out else "no"
    blank = "a blank is no" if polarity.blank_means_out else "a blank is taking part"
    return f"{out} = left out; {blank}"

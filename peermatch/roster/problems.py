"""What is wrong with some rows of a roster: one message for the error, a reason per row for --skip-invalid."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RowProblem:
    kind: str  # for the skip warning, e.g. "{n} duplicate id{s}"
    message: str  # the one-line error
    reasons: dict[int, str]  # record -> why it is left out under skip_invalid

"""Errors a coordinator can act on, each mapped to a documented exit code.

The codes follow BSD ``sysexits.h`` so that cron wrappers and scripts can tell
a bad roster from an unwritable output folder without parsing messages.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATAERR = 65  # the roster was read but is not fit to pair
EXIT_NOINPUT = 66  # the roster could not be read at all
EXIT_CANTCREAT = 73  # an output file could not be written
EXIT_TEMPFAIL = 75  # another run holds the history; try again later
EXIT_CONFIG = 78  # the configuration file is wrong


class PeermatchError(Exception):
    """Base class: a one-line, user-facing message plus an exit code.

    Messages name files, rows and columns, never people, so they are safe to
    land in a cron log.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(PeermatchError):
    """An option's value is wrong in a way the option parser cannot see (exit 2)."""

    exit_code = EXIT_USAGE


class RosterError(PeermatchError):
    """The roster was read but its content cannot be paired (exit 65)."""

    exit_code = EXIT_DATAERR


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a roster's columns, and where the fix goes: "roster", "config" or "roster or config"."""

    message: str
    fix: str


class ColumnProblems(RosterError):
    """Everything wrong with a roster's headings, found at once (exit 65); the message is the first of them."""

    def __init__(self, problems: list[Problem]) -> None:
        more = len(problems) - 1
        super().__init__(problems[0].message + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))
        self.problems = problems


class RosterUnreadable(PeermatchError):
    """The roster file is missing, unreadable, empty or not text (exit 66)."""

    exit_code = EXIT_NOINPUT


class OutputError(PeermatchError):
    """An output file could not be written (exit 73)."""

    exit_code = EXIT_CANTCREAT


class ConfigError(PeermatchError):
    """The configuration file or a value in it is wrong (exit 78)."""

    exit_code = EXIT_CONFIG


class UnknownGrade(ValueError):
    """A grade no known scale or configured mapping covers.

    Raised by :mod:`peermatch.roster.levels` without row information; the roster
    loader turns it into a :class:`RosterError` naming the row and column.
    """


class HistoryError(PeermatchError):
    """The history file is not a peermatch history, or a request on it is wrong (exit 65)."""

    exit_code = EXIT_DATAERR


class HistoryBusy(PeermatchError):
    """Another run is writing the same history; try again later (exit 75)."""

    exit_code = EXIT_TEMPFAIL


class Infeasible(PeermatchError):
    """The hard rules cannot all be met (exit 1); the message says what would fix it."""

    exit_code = 1

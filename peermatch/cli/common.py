"""What every peermatch command shares: error mapping and common options.

Only typer and the light base modules are imported at the top of the command modules: ``peermatch --help``,
``--version`` and shell completion import every command module, and pandas, numpy, networkx and rich together
took a second before anything was shown.  Each command imports what it needs when it runs.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from peermatch.errors import PeermatchError
from peermatch.roster.config import (
    CONFIG_NAME,
    CONFIG_VARIABLE,
    MAX_GROUP_SIZE,
    MAX_LEVEL_GAP,
    MIN_GROUP_SIZE,
    Config,
    discover_config,
    load_config,
)

F = TypeVar("F", bound=Callable[..., Any])


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class OddPolicy(StrEnum):
    triad = "triad"
    leave_out = "leave-out"


class Solver(StrEnum):
    auto = "auto"
    exact = "exact"
    fast = "fast"


def reports_errors(command: F) -> F:
    """Turn a PeermatchError into a one-line message and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PeermatchError as problem:
            from peermatch.cli import render

            render.error(render.error_console(), problem.message)
            raise typer.Exit(problem.exit_code) from None

    return wrapper  # type: ignore[return-value]


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
_OWN_MAPPING_FROM = 128 * 1024  # bytes: glibc's starting threshold, kept fixed


def give_back_freed_memory() -> None:
    """Have the C library return each large block (a column of a million cells) to the system when it is freed.

    glibc raises its threshold for giving a block its own mapping each time such a block is freed, up to 32 MB;
    after a few, columns of a million cells come from the heap, and once freed are held there between the objects
    that outlive them, out of reach of Python's small objects: reading a million-person roster left 270 MB so
    held, which the next steps added to.  A fixed threshold keeps the start-up one.  Only on Linux with glibc;
    elsewhere nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    mallopt(_M_MMAP_THRESHOLD, _OWN_MAPPING_FROM)


def option(*names: str, help: str, **extra: Any) -> Any:
    return typer.Option(*names, help=help, **extra)


def _column(field: str) -> Any:
    return typer.Option(f"--{field}-column", help=f"Heading of the {field} column, if peermatch does not "
                        "recognise it.", show_default=False)


IdColumn = Annotated[str | None, _column("id")]
NameColumn = Annotated[str | None, _column("name")]
EmailColumn = Annotated[str | None, _column("email")]
LevelColumn = Annotated[str | None, _column("level")]
ProfessionColumn = Annotated[str | None, _column("profession")]
OrganisationColumn = Annotated[str | None, _column("organisation")]
SiteColumn = Annotated[str | None, _column("site")]
ActiveColumn = Annotated[str | None, option(
    "--active-column", help="Heading of an opt-out or consent column whose heading says which way round it is "
    "(\"Opted out\": yes = left out; \"Taking part\": no = left out), if peermatch does not recognise it. "
    "Every column headed like one is read anyway. Example: --active-column \"Opted out of peer learning?\"",
    show_default=False)]
OptOutColumn = Annotated[str | None, option(
    "--opt-out-column", help="Heading of a column where yes (or a date) means left out, whatever its heading. "
    "Example: --opt-out-column Status", show_default=False)]
TakingPartColumn = Annotated[str | None, option(
    "--taking-part-column", help="Heading of a column where no means left out, whatever its heading. "
    "Example: --taking-part-column \"Signed up\"", show_default=False)]
SheetOption = Annotated[str | None, option(
    "--sheet", help="The sheet of an Excel workbook (.xlsx) roster to read, e.g. --sheet Staff (default: the first "
    "sheet).", show_default=False)]
ConfigOption = Annotated[Path | None, option(
    "--config", "-c", help="A peermatch.toml with weights, rules, columns and grade mappings. Default: peermatch.toml "
    "in the current folder, or the file $PEERMATCH_CONFIG names, e.g. --config northshire.toml.", show_default=False)]
OutOption = Annotated[Path | None, option(
    "--out", "-o", help="Also write the groups to this file: a CSV (opens in Excel), or an Excel workbook when the "
    "name ends .xlsx, e.g. --out pairs.xlsx.", show_default=False)]
FormatOption = Annotated[OutputFormat, option(
    "--format", "-f", help="table for people; json for scripts (only JSON on stdout).")]
SeedOption = Annotated[int | None, option(
    "--seed", help="Fix the choice among equally good pairings: the same roster, config and seed give the same "
    "pairs. Without it, a seed is chosen and shown.", min=0, show_default=False)]
OddOption = Annotated[OddPolicy, option(
    "--odd", help="When the people do not divide into pairs (or groups): triad makes one group of three (or some "
    "groups one larger); leave-out leaves the rest out.")]
ExcludeOption = Annotated[Path | None, option(
    "--exclude", help="A CSV of id pairs (two columns) who must never be paired.", show_default=False)]
SolverOption = Annotated[Solver, option(
    "--solver", help="exact (optimal; small rosters), fast (any size), or auto (exact up to 120 people). For pairs: "
    "groups (--group-size) have a solver of their own.")]
SkipOption = Annotated[bool, option(
    "--skip-invalid", help="Leave out rows with a blank or unknown level or profession, or a repeated id or "
    "email, with a warning, instead of stopping.")]
ShowOption = Annotated[int, option(
    "--show", help="Show at most this many groups in the table; --out always writes them all.", min=0)]
VerboseOption = Annotated[bool, option("--verbose", "-v", help="Say how the roster was read.")]
QuietOption = Annotated[bool, option("--quiet", "-q", help="Print nothing but errors.")]


HistoryOption = Annotated[Path | None, option(
    "--history", help="The history file of past rounds (SQLite). Default: peermatch-history.sqlite in the current "
    "folder, or $PEERMATCH_HISTORY.", show_default=False)]
DryRunOption = Annotated[bool, option("--dry-run", help="Plan and write outputs, but record nothing in the history.")]
MaxGapOption = Annotated[int | None, option(
    "--max-level-gap", help="The most levels apart two people may be paired (0: same level only). Overrides "
    "max_level_gap in \\[rules] of the config; the default is 1.", min=0, max=MAX_LEVEL_GAP, show_default=False)]


GroupSizeOption = Annotated[int | None, option(
    "--group-size", help="Groups of this many instead of pairs (2 to 8; default 2, or size in \\[groups] of the "
    "config): same level, professions spread, nobody meeting twice. Example: --group-size 5 for tables of five.",
    min=MIN_GROUP_SIZE, max=MAX_GROUP_SIZE, show_default=False)]


def load_settings(config_path: Path | None, max_level_gap: int | None = None,
                  group_size: int | None = None) -> Config:
    """The settings of the config file in use (roster.config.discover_config), with the command line's on top."""
    config = load_config(discover_config(config_path))
    if max_level_gap is not None:
        config = dataclasses.replace(config, rules=dataclasses.replace(config.rules, max_level_gap=max_level_gap))
    if group_size is not None:
        config = dataclasses.replace(config, groups=dataclasses.replace(config.groups, size=group_size))
    return config


def config_note(config_path: Path | None, config: Config) -> str:
    """The first note of every command that reads a config: which file it used, and how it found it."""
    if config.path is None:
        return (f"no config: peermatch's defaults (no --config, no {CONFIG_NAME} in this folder, "
                f"no ${CONFIG_VARIABLE})")
    if config_path is not None:
        return f"config: {config.path}"
    if config.path == Path(CONFIG_NAME):
        return f"config: {CONFIG_NAME} (found in this folder)"
    return f"config: {config.path} (from ${CONFIG_VARIABLE})"


def columns_for(config: Config, **headings: str | None) -> dict[str, str]:
    """The column headings of the config, with those named on the command line on top."""
    return dict(config.columns) | column_overrides(**headings)



def column_overrides(**headings: str | None) -> dict[str, str]:
    """The column headings named on the command line, by field."""
    return {field: heading for field, heading in headings.items() if heading}

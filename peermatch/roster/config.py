"""The ``peermatch.toml`` configuration: weights, rules, columns and levels.

Every key is checked: an unknown key, a wrong type or a weight that is not a
whole number is a :class:`ConfigError` naming the key (exit 78), because a
typo that silently falls back to a default would pair people by the wrong
rules for months.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from peermatch.errors import ConfigError
from peermatch.roster.levels import LevelScheme
from peermatch.roster.templates import check_template
from peermatch.text import fold

# "active" reads yes and no by its heading; opt_out (yes = left out), taking_part (no = left out) and consent (no
# or blank = left out) say it for a heading that does not, like "Status".
FIELDS = ("id", "name", "first_name", "last_name", "email", "level", "profession",
          "organisation", "site", "active", "opt_out", "taking_part", "consent")
CONFIG_NAME = "peermatch.toml"  # the file init writes, and commands find in the folder they run in
CONFIG_VARIABLE = "PEERMATCH_CONFIG"
MAX_LEVEL_GAP = 20
MAX_WEIGHT = 1_000_000


@dataclass(frozen=True)
class Weights:
    """Integer points a pair earns; see the README's scoring table."""

    same_level: int = 100
    level_step: int = 60
    different_profession: int = 60
    different_organisation: int = 20
    same_site: int = 5


@dataclass(frozen=True)
class Rules:
    """Hard rules: what may never be paired."""

    max_level_gap: int = 1
    exclude: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ScheduleSettings:
    """How conversations are presented: length, place, prompts, introductions."""

    duration_minutes: int = 45
    location: str = ""
    prompts: tuple[str, ...] = ()  # empty: peermatch's default prompts
    intro_template: str = ""  # empty: peermatch's default introduction
    coordinator: str = ""  # signs the introductions
    organiser_email: str = ""  # ORGANIZER of calendar invitations and sender of .eml files


@dataclass(frozen=True)
class HistorySettings:
    # 0: never pair two people again; N: not within the last N rounds.
    avoid_repeats_within: int = 0


MIN_GROUP_SIZE, MAX_GROUP_SIZE = 2, 8


@dataclass(frozen=True)
class GroupSettings:
    # 2: pairs.  3 to 8: groups of that size (action learning sets, tables at an event); when a level's count does
    # not divide, some groups have one more, or with --odd leave-out the rest sit the round out.
    size: int = 2


@dataclass(frozen=True)
class Config:
    weights: Weights = field(default_factory=Weights)
    rules: Rules = field(default_factory=Rules)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    groups: GroupSettings = field(default_factory=GroupSettings)
    columns: Mapping[str, str] = field(default_factory=dict)
    levels: LevelScheme = field(default_factory=LevelScheme)
    path: Path | None = None


def _check_keys(section: str, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            where = f"{section}.{key}" if section else key
            raise ConfigError(
                f"unknown key {where!r} (allowed{' in [' + section + ']' if section else ''}: "
                f"{', '.join(allowed)})"
            )


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table, like [{where}]")
    return value


def _integer(section: str, key: str, value: Any, minimum: int | None = None, maximum: int | None = None,
             why: str = "") -> int:
    # bool is an int subclass in Python; "true" is never a weight.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{section}.{key} must be a whole number, not {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{section}.{key} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{section}.{key} must be at most {maximum}{why}, not {value}")
    return value


def _weights(table: Mapping[str, Any]) -> Weights:
    names = tuple(f.name for f in fields(Weights))
    _check_keys("weights", table, names)
    # Scores are summed in 64-bit integers and scaled into tiers (graph.py): a weight in the billions would wrap
    # around silently, and no sensible weighting needs more than a million.
    values = {key: _integer("weights", key, value, minimum=-MAX_WEIGHT, maximum=MAX_WEIGHT)
              for key, value in table.items()}
    if values.get("level_step", 0) < 0:
        raise ConfigError("weights.level_step must be at least 0: it is subtracted per level apart")
    return Weights(**values)


def _rules(table: Mapping[str, Any]) -> Rules:
    _check_keys("rules", table, ("max_level_gap", "exclude"))
    # Capped as --max-level-gap is: scoring lists every gap up to it (a huge one exhausts memory), and 20 steps
    # already spans any real ladder.
    gap = _integer("rules", "max_level_gap", table.get("max_level_gap", 1), minimum=0, maximum=MAX_LEVEL_GAP)
    exclude: list[tuple[str, str]] = []
    raw = table.get("exclude", [])
    if not isinstance(raw, list):
        raise ConfigError('rules.exclude must be a list of id pairs, like [["E01", "E02"]]')
    for number, pair in enumerate(raw, start=1):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in pair)
        ):
            raise ConfigError(f"rules.exclude entry {number} must be a pair of ids, like [\"E01\", \"E02\"]")
        exclude.append((str(pair[0]), str(pair[1])))
    return Rules(max_level_gap=gap, exclude=tuple(exclude))


def _columns(table: Mapping[str, Any]) -> dict[str, str]:
    _check_keys("columns", table, FIELDS)
    named: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"columns.{key} must be a column heading, not {value!r}")
        # One column read as two fields would, say, pair people by their grade as if it were a profession.
        if (other := named.setdefault(fold(value), key)) != key:
            raise ConfigError(f"columns.{other} and columns.{key} both name the column {value!r}; give each its own")
    return dict(table)


def _levels(table: Mapping[str, Any]) -> LevelScheme:
    _check_keys("levels", table, ("order", "map", "placeholder"))
    order = table.get("order", [])
    if not isinstance(order, list) or not all(isinstance(v, str) for v in order):
        raise ConfigError('levels.order must be a list of level names, junior first, like ["Entry", "Senior"]')
    raw_map = table.get("map", {})
    if not isinstance(raw_map, dict):
        raise ConfigError("levels.map must be a table of organisations, like [levels.map.\"Northshire Council\"]")
    mappings: dict[str, dict[str, str]] = {}
    scales: dict[str, str] = {}
    for owner, grades in raw_map.items():
        if not isinstance(grades, dict) or not all(
            isinstance(g, str) and isinstance(t, str) for g, t in grades.items()
        ):
            raise ConfigError(
                f"levels.map.{owner!r} must map grades to levels, like \"Grade 9\" = \"Band 6\""
            )
        mappings[owner] = {grade: level for grade, level in grades.items() if grade != "scale"}
        if "scale" in grades:
            scales[owner] = grades["scale"]
    return LevelScheme(order=order, mappings=mappings, scales=scales,
                       placeholders=_placeholders(_table(table, "placeholder", "levels.placeholder")))


def _placeholders(table: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    """``[levels.placeholder."Review Body Band"]``: column = the heading to read, then value = level lines."""
    placeholders: dict[str, tuple[str, dict[str, str]]] = {}
    for grade, entries in table.items():
        where = f"levels.placeholder.{grade!r}"
        example = f'like column = "Job Role" and "Consultant" = "Band 8c" under [{where}]'
        if not isinstance(entries, dict) or not all(
                isinstance(value, str) and isinstance(level, str) for value, level in entries.items()):
            raise ConfigError(f"{where} must name a column and map its values to levels, {example}")
        column = entries.get("column", "")
        if not column.strip():
            raise ConfigError(f"{where} must name the column that gives the level, {example}")
        levels = {value: level for value, level in entries.items() if value != "column"}
        if not levels:
            raise ConfigError(f"{where} must list at least one value of column {column!r} and its level, {example}")
        placeholders[grade] = (column, levels)
    return placeholders


def _text(section: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{section}.{key} must be text in quotes, not {value!r}")
    return value


def _schedule(table: Mapping[str, Any]) -> ScheduleSettings:
    names = tuple(f.name for f in fields(ScheduleSettings))
    _check_keys("schedule", table, names)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "duration_minutes":
            values[key] = _integer("schedule", key, value, minimum=1, maximum=24 * 60, why=" (a day)")
        elif key == "prompts":
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
                raise ConfigError("schedule.prompts must be a list of one or more conversation prompts")
            values[key] = tuple(value)
        else:
            values[key] = _text("schedule", key, value)
    if values.get("intro_template"):
        check_template(values["intro_template"])
    return ScheduleSettings(**values)


def _history(table: Mapping[str, Any]) -> HistorySettings:
    _check_keys("history", table, ("avoid_repeats_within",))
    within = _integer("history", "avoid_repeats_within", table.get("avoid_repeats_within", 0), minimum=0)
    return HistorySettings(avoid_repeats_within=within)


def _groups(table: Mapping[str, Any]) -> GroupSettings:
    _check_keys("groups", table, ("size",))
    size = _integer("groups", "size", table.get("size", 2), minimum=MIN_GROUP_SIZE, maximum=MAX_GROUP_SIZE,
                    why=" (an action learning set of eight)")
    return GroupSettings(size=size)


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    """Build a :class:`Config` from parsed TOML, checking every key."""
    _check_keys("", data, ("weights", "rules", "columns", "levels", "schedule", "history", "groups"))
    return Config(
        weights=_weights(_table(data, "weights", "weights")),
        rules=_rules(_table(data, "rules", "rules")),
        schedule=_schedule(_table(data, "schedule", "schedule")),
        history=_history(_table(data, "history", "history")),
        groups=_groups(_table(data, "groups", "groups")),
        columns=_columns(_table(data, "columns", "columns")),
        levels=_levels(_table(data, "levels", "levels")),
        path=path,
    )


def discover_config(explicit: Path | None) -> Path | None:
    """The config file a command uses: ``explicit`` (``--config``), else ``peermatch.toml`` in the current folder,
    else the file ``$PEERMATCH_CONFIG`` names, else none (peermatch's defaults).

    So ``peermatch init`` followed by ``peermatch pair`` in the same folder uses the file init wrote.  A
    ``$PEERMATCH_CONFIG`` naming a file that is not there is an error, never a silent fall back to the defaults.
    """
    if explicit is not None:
        return explicit
    if (local := Path(CONFIG_NAME)).is_file():
        return local
    if named := os.environ.get(CONFIG_VARIABLE, "").strip():
        if not Path(named).is_file():
            raise ConfigError(f"{named}: ${CONFIG_VARIABLE} names this config file, which does not exist; correct "
                              f"the variable or unset it")
        return Path(named)
    return None


def load_config(path: Path | None) -> Config:
    """Read ``path``, or return the defaults when no file is given."""
    if path is None:
        return Config()
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file ({error.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the config file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    try:
        return parse_config(data, path)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None

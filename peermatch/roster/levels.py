"""Know and order grades, so that peers at the same level can be found.

A :class:`Level` sits on a *scale* (a ladder of grades) at a *step*; two levels can be compared only when they are
on the same scale, and the distance between them is the number of steps apart.  Built-in scales:

* ``band``: NHS Agenda for Change, "Band 6", "AfC Band 6", "Band 06", "6", and ESR's spellings ("Band 8 - Range A"
  is 8a, "Band 8a (Annex 21)" is 8a): bands 1-7, 8a-8d and 9 (8a one step above 7, 9 one step above 8d).
* ``civil-service``: AA, AO, EO, HEO, SEO, G7, G6, SCS1-SCS4.
* ``number``: any other whole number ("Grade 10", "12").

Some grades cannot be read alone, and are decided per organisation (the whole roster, without an organisation
column), never across organisations:

* a bare number ("6") is an Agenda for Change band when every bare number of its organisation is one (1-7 or 9);
  an organisation graded 5 to 12 gets one plain numeric ladder instead, so that 7 and 10 stay comparable;
* "Grade 6" and "Grade 7" are the civil service grades only when the organisation's other grades are civil service
  grades: a council's local "Grade 6" is something else, and guessing would pair people years of seniority apart.

Any other ladder comes from the configuration: an ordered list of labels (the ``custom`` scale), a map from one
organisation's grades onto a common level (listing only the grades that differ, when the table names the scale its
other grades are on), and placeholder grades ("Review Body Band") that take the level from another column.  A grade
that none of these covers is an error, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from peermatch.errors import ConfigError, UnknownGrade
from peermatch.models import Level
from peermatch.text import and_list, fold, tidy

BAND = "band"
CIVIL_SERVICE = "civil-service"
NUMBER = "number"
CUSTOM = "custom"
BUILT_IN_SCALES = (BAND, CIVIL_SERVICE, NUMBER)
# What a map table may name as its scale, and the scale each means.
SCALE_NAMES = {"afc": BAND, "agenda for change": BAND, BAND: BAND, CIVIL_SERVICE: CIVIL_SERVICE}

_AFC_STEPS = {str(n): n for n in range(1, 8)} | {"8a": 8, "8b": 9, "8c": 10, "8d": 11, "9": 12}
_AFC_LABELS = {step: f"Band {band}" for band, step in _AFC_STEPS.items()}
_AFC = re.compile(
    r"^(?:nhs )?(?:(?:afc|agenda for change)[ :-]*)?(?:pay )?(?:band[ :-]*)?"
    r"(?P<band>\d{1,2})(?P<letter>[a-d])?$"
)
_CIVIL_SERVICE = {
    "aa": (1, "AA"), "administrative assistant": (1, "AA"),
    "ao": (2, "AO"), "administrative officer": (2, "AO"),
    "eo": (3, "EO"), "executive officer": (3, "EO"),
    "heo": (4, "HEO"), "higher executive officer": (4, "HEO"),
    "seo": (5, "SEO"), "senior executive officer": (5, "SEO"),
    "g7": (6, "G7"), "g6": (7, "G6"),
    "deputy director": (8, "SCS1"), "director": (9, "SCS2"), "director general": (10, "SCS3"),
    "permanent secretary": (11, "SCS4"),
}
_AMBIGUOUS = {"6": (7, "G6"), "7": (6, "G7")}  # "Grade 6" and "Grade 7": civil service, or a council's own
_GRADE_N = re.compile(r"^grade[ :-]*(?P<n>\d{1,3})$")
_SCS = re.compile(r"^scs[ :-]*(?:pay band|pb)?[ :-]*(?P<n>[1-4])$")
_NUMBER = re.compile(r"^(?:grade |level |scale )?(?P<n>\d{1,3})$")
_BARE = re.compile(r"^\d{1,3}$")
_ANNEX = re.compile(r"\s*\([^()]*\)$")  # "Band 8a (Annex 21)", "Band 5 (Annex U)"
_RANGE = re.compile(r"\b8\s*[-–—:]?\s*range\s*(?P<letter>[a-d])$")  # ESR: "Band 8 - Range A"

# Grades that say nothing about a level: the level is in another column (see LevelScheme.placeholders).
PLACEHOLDERS = frozenset({"review body band", "non afc grade", "non-afc grade", "non afc", "non-afc", "vsm",
                          "very senior manager", "very senior managers", "medical and dental", "local pay",
                          "spot salary", "personal salary"})


def grade_key(grade: str) -> str:
    """How grades are compared: full-width digits as digits, case and spacing folded, ESR's spellings as bands."""
    key = fold(unicodedata.normalize("NFKC", grade))
    key = _ANNEX.sub("", key)
    return _RANGE.sub(lambda match: "8" + match["letter"], key)


def is_bare_number(grade: str) -> bool:
    return bool(_BARE.match(grade_key(grade)))


def parse_built_in(grade: str, bare_numbers_are_bands: bool = True, civil_service: bool = False) -> Level:
    """Place a grade on a built-in scale, or raise :class:`UnknownGrade`.

    ``civil_service``: the organisation's other grades are civil service grades, so "Grade 7" is G7.
    """
    key = grade_key(grade)
    if not key:
        raise UnknownGrade("the grade is blank")
    if key in PLACEHOLDERS:
        raise UnknownGrade(
            f"grade {tidy(grade)!r} says nothing about a level: take it from another column with "
            f'[levels.placeholder.{_quoted(tidy(grade))}] in the config, e.g. column = "Job Role" and '
            '"Consultant" = "Band 8c"')
    if not bare_numbers_are_bands and _BARE.match(key):
        return Level(NUMBER, int(key), str(int(key)))
    if key in _CIVIL_SERVICE:
        step, label = _CIVIL_SERVICE[key]
        return Level(CIVIL_SERVICE, step, label)
    if (match := _GRADE_N.match(key)) and (written := str(int(match["n"]))) in _AMBIGUOUS:
        if civil_service:
            step, label = _AMBIGUOUS[written]
            return Level(CIVIL_SERVICE, step, label)
        raise UnknownGrade(
            f"grade {tidy(grade)!r} could be a council's local grade or the civil service Grade {written}: map the "
            "organisation's grades onto a common ladder under [levels.map.\"<organisation>\"] in the config (or "
            "list your grades, junior first, in [levels] order); it is read as the civil service grade only when "
            "the organisation's other grades are civil service grades")
    if match := _SCS.match(key):
        n = int(match["n"])
        return Level(CIVIL_SERVICE, 7 + n, f"SCS{n}")
    if match := _AFC.match(key):
        code = str(int(match["band"])) + (match["letter"] or "")
        if code in _AFC_STEPS:
            step = _AFC_STEPS[code]
            return Level(BAND, step, _AFC_LABELS[step])
        if code == "8":
            raise UnknownGrade(
                f"grade {tidy(grade)!r} is ambiguous: Agenda for Change band 8 is 8a, 8b, 8c or 8d"
            )
        if not match["letter"] and _NUMBER.match(key) is None and key.startswith(("band", "afc", "nhs", "agenda")):
            raise UnknownGrade(f"grade {tidy(grade)!r} is not an Agenda for Change band (1-9)")
    if match := _NUMBER.match(key):
        n = int(match["n"])
        return Level(NUMBER, n, str(n))
    raise UnknownGrade(
        f"grade {tidy(grade)!r} is not a known grade: use an NHS band, a civil service "
        "grade or a number, or list your grades under [levels] in the config"
    )


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Placeholder:
    """A grade that says nothing ("Review Body Band"): the level comes from ``column``, through ``levels``."""

    grade: str  # as the config writes it
    column: str  # the roster heading to read
    levels: Mapping[str, Level]  # fold(value in that column) -> level

    @property
    def table(self) -> str:
        return f"[levels.placeholder.{_quoted(self.grade)}]"


@dataclass(frozen=True)
class _Context:
    """How one organisation's grades read: what its bare numbers and "Grade 6"/"Grade 7" mean."""

    bands: bool = True
    civil_service: bool = False


class LevelScheme:
    """Resolves the grade written in a roster to a comparable :class:`Level`.

    ``order`` is an optional custom ladder, junior first.  ``mappings`` maps an organisation's name, or a built-in
    scale's name (``band``, ``civil-service``), to a table of grade -> common level label; the label is itself
    resolved through the custom ladder or the built-in scales.  ``scales`` names, for an organisation's table, the
    scale its unlisted grades are on ("afc", "civil-service").  ``placeholders`` maps a grade that says nothing to
    the column and table that give the level.
    """

    def __init__(
        self,
        order: Sequence[str] = (),
        mappings: Mapping[str, Mapping[str, str]] | None = None,
        bare_numbers_are_bands: bool = True,
        *,
        scales: Mapping[str, str] | None = None,
        placeholders: Mapping[str, tuple[str, Mapping[str, str]]] | None = None,
    ) -> None:
        self._order = tuple(order)
        self._raw = ({owner: dict(table) for owner, table in (mappings or {}).items()}, dict(scales or {}),
                     dict(placeholders or {}))
        self._default = _Context(bands=bare_numbers_are_bands)
        self._contexts: dict[str, _Context] = {}
        self._custom: dict[str, Level] = {}
        for step, label in enumerate(order, start=1):
            key = grade_key(label)
            if not key:
                raise ConfigError("levels.order: a level label is blank")
            if key in self._custom:
                raise ConfigError(f"levels.order: {tidy(label)!r} is listed twice")
            self._custom[key] = Level(CUSTOM, step, tidy(label))
        self._names: dict[str, str] = {}  # folded owner -> the name the config gives it
        self._scales: dict[str, str] = {}
        for owner, scale in (scales or {}).items():
            if fold(scale) not in SCALE_NAMES:
                raise ConfigError(f"levels.map.{owner!r}: scale must be one of \"afc\" or \"civil-service\", "
                                  f"not {scale!r}")
            self._scales[fold(owner)] = SCALE_NAMES[fold(scale)]
        self._mappings: dict[str, dict[str, Level]] = {}
        for owner, table in (mappings or {}).items():
            resolved: dict[str, Level] = {}
            for grade, target in table.items():
                try:
                    resolved[grade_key(grade)] = self._plain(target, self._default)
                except UnknownGrade as error:
                    raise ConfigError(f"levels.map.{owner!r}: {grade!r} maps to {target!r}, but {error}") from None
            key = SCALE_NAMES.get(fold(owner), fold(owner))
            self._mappings[key], self._names[key] = resolved, owner
        self.placeholders: dict[str, Placeholder] = {}
        for grade, (column, table) in (placeholders or {}).items():
            levels: dict[str, Level] = {}
            for value, target in table.items():
                try:
                    levels[fold(value)] = self._plain(target, self._default)
                except UnknownGrade as error:
                    raise ConfigError(f"levels.placeholder.{grade!r}: {value!r} maps to {target!r}, but "
                                      f"{error}") from None
            self.placeholders[grade_key(grade)] = Placeholder(tidy(grade), tidy(column), levels)

    @property
    def has_custom_order(self) -> bool:
        return bool(self._custom)

    def for_roster(self, entries: Iterable[tuple[str, str]]) -> LevelScheme:
        """This scheme, with the grades of each organisation read the way that organisation means them.

        ``entries`` are the (grade, organisation) of every row; see the module docstring for what is decided.
        Mapped, custom and placeholder grades take no part in deciding.
        """
        grades: dict[str, set[str]] = defaultdict(set)
        for grade, organisation in entries:
            grades[fold(organisation)].add(grade_key(grade))
        scheme = LevelScheme(self._order, self._raw[0], self._default.bands, scales=self._raw[1],
                             placeholders=self._raw[2])
        for organisation, keys in grades.items():
            table = self._mappings.get(organisation, {}) if organisation else {}
            own = {key for key in keys if key not in self._custom and key not in table
                   and key not in self.placeholders}
            scale = self._scales.get(organisation) if organisation else None
            bare = {int(key) for key in own if _BARE.match(key)}
            others = [key for key in own if not _BARE.match(key) and not _GRADE_N.match(key)]
            scheme._contexts[organisation] = _Context(
                bands=scale == BAND or all(n in range(1, 8) or n == 9 for n in bare),
                civil_service=scale == CIVIL_SERVICE or (bool(others) and all(map(_is_civil_service, others))))
        return scheme

    def unused_maps(self, organisations: Iterable[str]) -> list[str]:
        """The names of organisation tables that match none of ``organisations``, as the config writes them."""
        present = {fold(organisation) for organisation in organisations}
        return [name for key, name in self._names.items()
                if key not in present and key not in BUILT_IN_SCALES and key != CUSTOM]

    def placeholder(self, grade: str) -> Placeholder | None:
        return self.placeholders.get(grade_key(grade))

    def _plain(self, grade: str, context: _Context) -> Level:
        custom = self._custom.get(grade_key(grade))
        if custom is not None:
            return custom
        return parse_built_in(grade, context.bands, context.civil_service)

    def resolve(self, grade: str, organisation: str = "") -> Level:
        """The common level of ``grade`` as written by ``organisation``."""
        owner = fold(organisation)
        context = self._contexts.get(owner, self._default)
        org_table = self._mappings.get(owner) if owner else None
        if org_table is not None:
            level = org_table.get(grade_key(grade))
            if level is not None:
                return level
            scale = self._scales.get(owner)
            where = f"[levels.map.{_quoted(self._names[owner])}]"
            if scale is None:
                raise UnknownGrade(
                    f"grade {tidy(grade)!r} is not in the level mapping for organisation {tidy(organisation)!r}: "
                    f'add it to {where} in the config (or add scale = "afc" there if its other grades are '
                    "Agenda for Change bands)")
            try:
                level = self._plain(grade, _Context(bands=scale == BAND, civil_service=scale == CIVIL_SERVICE))
            except UnknownGrade:
                level = None
            if level is None or level.scale not in (scale, CUSTOM):
                raise UnknownGrade(f"grade {tidy(grade)!r} is not listed in {where}, nor a grade of its scale "
                                   f"({scale}): add it there in the config") from None
        else:
            level = self._plain(grade, context)
        scheme_table = self._mappings.get(level.scale)
        if scheme_table is not None and level.scale != CUSTOM:
            mapped = scheme_table.get(grade_key(grade)) or scheme_table.get(grade_key(level.label))
            if mapped is None:
                raise UnknownGrade(
                    f"grade {tidy(grade)!r} is not in the level mapping for the "
                    f"{level.scale} scale: add it under [levels.map] in the config"
                )
            return mapped
        return level


def _is_civil_service(key: str) -> bool:
    try:
        return parse_built_in(key).scale == CIVIL_SERVICE
    except UnknownGrade:
        return False


def organisations_text(names: Iterable[str]) -> str:
    """Up to ten organisation names for a message, and how many more."""
    shown = sorted(set(names), key=fold)
    listed = [repr(name) for name in shown[:10]]
    return and_list(listed) + (f" and {len(shown) - 10} more" if len(shown) > 10 else "")

"""Know and order grades, so that peers at the same level can be found.

A :class:`Level` sits on a *scale* (a ladder of grades) at a *step*; two
levels can be compared only when they are on the same scale, and the distance
between them is the number of steps apart.  Built-in scales:

* ``band``: NHS Agenda for Change, "Band 6", "band 6", "AfC 6", "6", bands
  1-7, 8a-8d and 9 (8a sits one step above 7, 9 one step above 8d).
* ``civil-service``: AA, AO, EO, HEO, SEO, G7 (Grade 7), G6 (Grade 6), SCS1-SCS4.
* ``number``: any other whole number ("Grade 10", "12").

A bare number ("6") is an Agenda for Change band when every bare number in
the roster is one (1-7 or 9); a roster graded 5 to 12 instead gets one plain
numeric ladder for all of them (see :meth:`LevelScheme.for_roster`), so that
7 and 10 stay comparable.

Any other ladder comes from the configuration, as an ordered list of labels
(the ``custom`` scale).  Organisations whose grades mean something else (a
council's "Band 5" is not AfC Band 5) map their grades onto a common level;
a grade that such a mapping does not cover is an error, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from peermatch.errors import ConfigError, UnknownGrade
from peermatch.models import Level
from peermatch.text import fold, tidy

BAND = "band"
CIVIL_SERVICE = "civil-service"
NUMBER = "number"
CUSTOM = "custom"
BUILT_IN_SCALES = (BAND, CIVIL_SERVICE, NUMBER)


_AFC_STEPS = {str(n): n for n in range(1, 8)} | {
    "8a": 8,
    "8b": 9,
    "8c": 10,
    "8d": 11,
    "9": 12,
}
_AFC_LABELS = {step: f"Band {band}" for band, step in _AFC_STEPS.items()}
_AFC = re.compile(
    r"^(?:nhs )?(?:(?:afc|agenda for change)[ :-]*)?(?:pay )?(?:band[ :-]*)?"
    r"(?P<band>\d{1,2})(?P<letter>[a-d])?$"
)

_CIVIL_SERVICE = {
    "aa": (1, "AA"),
    "administrative assistant": (1, "AA"),
    "ao": (2, "AO"),
    "administrative officer": (2, "AO"),
    "eo": (3, "EO"),
    "executive officer": (3, "EO"),
    "heo": (4, "HEO"),
    "higher executive officer": (4, "HEO"),
    "seo": (5, "SEO"),
    "senior executive officer": (5, "SEO"),
    "g7": (6, "G7"),
    "grade 7": (6, "G7"),
    "g6": (7, "G6"),
    "grade 6": (7, "G6"),
    "deputy director": (8, "SCS1"),
    "director": (9, "SCS2"),
    "director general": (10, "SCS3"),
    "permanent secretary": (11, "SCS4"),
}
_SCS = re.compile(r"^scs[ :-]*(?:pay band|pb)?[ :-]*(?P<n>[1-4])$")
_NUMBER = re.compile(r"^(?:grade |level |scale )?(?P<n>\d{1,3})$")
_BARE = re.compile(r"^\d{1,3}$")


def is_bare_number(grade: str) -> bool:
    return bool(_BARE.match(fold(grade)))


def parse_built_in(grade: str, bare_numbers_are_bands: bool = True) -> Level:
    """Place a grade on a built-in scale, or raise :class:`UnknownGrade`."""
    key = fold(grade)
    if not key:
        raise UnknownGrade("the grade is blank")
    if not bare_numbers_are_bands and _BARE.match(key):
        return Level(NUMBER, int(key), str(int(key)))
    if key in _CIVIL_SERVICE:
        step, label = _CIVIL_SERVICE[key]
        return Level(CIVIL_SERVICE, step, label)
    if match := _SCS.match(key):
        n = int(match["n"])
        return Level(CIVIL_SERVICE, 7 + n, f"SCS{n}")
    if match := _AFC.match(key):
        band = match["band"]
        letter = match["letter"] or ""
        code = band + letter
        if code in _AFC_STEPS:
            step = _AFC_STEPS[code]
            return Level(BAND, step, _AFC_LABELS[step])
        if code == "8":
            raise UnknownGrade(
                f"grade {tidy(grade)!r} is ambiguous: Agenda for Change band 8 is 8a, 8b, 8c or 8d"
            )
        if not letter and (match := _NUMBER.match(key)) is None and key.startswith(("band", "afc")):
            raise UnknownGrade(f"grade {tidy(grade)!r} is not an Agenda for Change band (1-9)")
    if match := _NUMBER.match(key):
        n = int(match["n"])
        return Level(NUMBER, n, str(n))
    raise UnknownGrade(
        f"grade {tidy(grade)!r} is not a known grade: use an NHS band, a civil service "
        "grade or a number, or list your grades under [levels] in the config"
    )


class LevelScheme:
    """Resolves the grade written in a roster to a comparable :class:`Level`.

    ``order`` is an optional custom ladder, junior first.  ``mappings`` maps an
    organisation's name, or a built-in scale's name (``band``,
    ``civil-service``), to a table of grade -> common level label; the label
    is itself resolved through the custom ladder or the built-in scales.
    """

    def __init__(
        self,
        order: Sequence[str] = (),
        mappings: Mapping[str, Mapping[str, str]] | None = None,
        bare_numbers_are_bands: bool = True,
    ) -> None:
        self._order = tuple(order)
        self._raw_mappings = {owner: dict(table) for owner, table in (mappings or {}).items()}
        self.bare_numbers_are_bands = bare_numbers_are_bands
        self._custom: dict[str, Level] = {}
        for step, label in enumerate(order, start=1):
            key = fold(label)
            if not key:
                raise ConfigError("levels.order: a level label is blank")
            if key in self._custom:
                raise ConfigError(f"levels.order: {tidy(label)!r} is listed twice")
            self._custom[key] = Level(CUSTOM, step, tidy(label))
        self._mappings: dict[str, dict[str, Level]] = {}
        for owner, table in (mappings or {}).items():
            resolved: dict[str, Level] = {}
            for grade, target in table.items():
                try:
                    resolved[fold(grade)] = self._plain(target)
                except UnknownGrade as error:
                    raise ConfigError(
                        f"levels.map.{owner!r}: {grade!r} maps to {target!r}, but {error}"
                    ) from None
            self._mappings[fold(owner)] = resolved

    @property
    def has_custom_order(self) -> bool:
        return bool(self._custom)

    def for_roster(self, grades: Iterable[str]) -> LevelScheme:
        """This scheme, with bare numbers read the way this roster means them.

        Bare numbers are Agenda for Change bands only when all of them are
        (1-7 or 9); otherwise they form one plain numeric ladder.  Mapped and
        custom grades are unaffected.
        """
        bare = {int(fold(g)) for g in grades if is_bare_number(g) and fold(g) not in self._custom}
        bands = all(n in range(1, 8) or n == 9 for n in bare)
        if bands == self.bare_numbers_are_bands:
            return self
        return LevelScheme(self._order, self._raw_mappings, bare_numbers_are_bands=bands)

    def _plain(self, grade: str) -> Level:
        custom = self._custom.get(fold(grade))
        if custom is not None:
            return custom
        return parse_built_in(grade, self.bare_numbers_are_bands)

    def resolve(self, grade: str, organisation: str = "") -> Level:
        """The common level of ``grade`` as written by ``organisation``."""
        org_table = self._mappings.get(fold(organisation)) if organisation else None
        if org_table is not None:
            level = org_table.get(fold(grade))
            if level is None:
                raise UnknownGrade(
                    f"grade {tidy(grade)!r} is not in the level mapping for organisation "
                    f"{tidy(organisation)!r}: add it under [levels.map] in the config"
                )
            return level
        level = self._plain(grade)
        scheme_table = self._mappings.get(level.scale)
        if scheme_table is not None and level.scale != CUSTOM:
            mapped = scheme_table.get(fold(grade)) or scheme_table.get(fold(level.label))
            if mapped is None:
                raise UnknownGrade(
                    f"grade {tidy(grade)!r} is not in the level mapping for the "
                    f"{level.scale} scale: add it under [levels.map] in the config"
                )
            return mapped
        return level

"""Which column of a roster is which field, from its headings (:mod:`peermatch.roster.headings`) and the columns
the coordinator named (``--level-column``, ``[columns]`` in the config).

Every problem with the headings is found in one pass and raised together as :class:`ColumnProblems`: ``pair`` shows
the first with a count of the rest, ``check`` lists them all with where each fix goes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from peermatch.errors import ColumnProblems, Problem
from peermatch.roster.headings import (
    CONSENT_KEYS,
    FALLBACK,
    POLARITIES,
    SYNONYMS,
    Polarity,
    field_label,
    heading_key,
    looks_like_consent,
    option_name,
)
from peermatch.text import and_list, tidy

REQUIRED = ("level", "profession")
CONSENT_FIELDS = ("active", *POLARITIES)  # "active" takes its polarity from the heading
LONGEST_SHOWN = 60  # characters of a heading or grade quoted in a message
_ROSTER, _CONFIG, _EITHER = "roster", "config", "roster or config"


@dataclass
class Columns:
    """Column index of each field found, every opt-out or consent column with its polarity, and warnings."""

    fields: dict[str, int]
    consent: list[tuple[int, Polarity]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def find_columns(path: Path, headings: list[str], overrides: Mapping[str, str]) -> Columns:
    """Place every heading; see the module docstring.  ``overrides`` maps a field to the heading named for it."""
    finder = _Finder(path, headings)
    for name, wanted in overrides.items():
        finder.override(name, wanted)
    for name in SYNONYMS:
        finder.by_synonym(name)
    finder.consent_columns()
    if missing := [name for name in REQUIRED if name not in finder.found and name not in finder.failed]:
        finder.problems += _missing_columns(path, headings, missing)
    if finder.problems:
        raise ColumnProblems(finder.problems)
    for part in ("first_name", "last_name") if "name" in finder.found else ():
        finder.found.pop(part, None)
    return Columns(finder.found, finder.consent, finder.warnings)


class _Finder:
    def __init__(self, path: Path, headings: list[str]) -> None:
        self.path, self.headings = path, headings
        self.positions: dict[str, list[int]] = defaultdict(list)
        for index, heading in enumerate(headings):
            if heading:
                self.positions[heading_key(heading)].append(index)
        self.found: dict[str, int] = {}
        self.consent: list[tuple[int, Polarity]] = []
        self.named_consent: set[int] = set()
        self.problems: list[Problem] = []
        self.failed: set[str] = set()  # fields already reported: not "missing" as well
        self.warnings: list[str] = []

    def taken(self) -> set[int]:
        return set(self.found.values()) | {index for index, _ in self.consent}

    def override(self, name: str, wanted: str) -> None:
        if name not in SYNONYMS and name not in CONSENT_FIELDS:
            raise ValueError(f"unknown roster field {name!r} (known: {', '.join([*SYNONYMS, *POLARITIES])})")
        exact = [i for i, heading in enumerate(self.headings) if heading and heading == tidy(wanted)]
        if not (matches := exact or self.positions.get(heading_key(wanted), [])):
            self.failed.add(name)
            self.problems.append(Problem(
                f"{self.path}: there is no column {_shown(tidy(wanted))!r} for the {_named(name)} "
                f"(found: {_listing(self.headings)})", _EITHER))
            return
        index = self._single(matches, name)
        if index is None:
            return
        if name not in CONSENT_FIELDS:
            self.found[name] = index
            return
        polarity = POLARITIES.get(name) or CONSENT_KEYS.get(heading_key(self.headings[index]))
        if polarity is None:
            self.problems.append(Problem(
                f"{self.path}: column {_shown(self.headings[index])!r} is named as the opt-out flag, but its "
                "heading does not say whether yes means out: name it with --opt-out-column (yes = left out) or "
                '--taking-part-column (no = left out), or opt_out = "..." or taking_part = "..." under [columns]',
                _CONFIG))
            return
        self.consent.append((index, polarity))
        self.named_consent.add(index)

    def by_synonym(self, name: str) -> None:
        if name in self.found or name in self.failed:
            return
        for synonyms, warn in ((SYNONYMS[name], True), (FALLBACK.get(name, ()), False)):
            taken = self.taken()
            hits = [self.positions[key] for key in dict.fromkeys(map(heading_key, synonyms))
                    if key in self.positions and not taken & set(self.positions[key])]
            if not hits:
                continue
            if (index := self._single(hits[0], name)) is not None:
                self.found[name] = index
                if warn and len(hits) > 1:
                    self.warnings.append(
                        f"columns {and_list([repr(_shown(self.headings[hit[0]])) for hit in hits])} could each "
                        f"be the {field_label(name)}; used {_shown(self.headings[index])!r} (choose with "
                        f"{option_name(name)})")
            return

    def consent_columns(self) -> None:
        """Every opt-out or consent column counts, not only the first: leaving out someone who said no matters
        more than pairing everyone."""
        taken = self.taken()
        for index, heading in enumerate(self.headings):
            if not heading or index in taken:
                continue
            if (polarity := CONSENT_KEYS.get(heading_key(heading))) is not None:
                self.consent.append((index, polarity))
            elif looks_like_consent(heading):
                self.problems.append(Problem(
                    f"{self.path}: column {_shown(heading)!r} looks like an opt-out or consent column, but "
                    "peermatch cannot tell whether yes means out: name it with --opt-out-column (yes = left out) "
                    'or --taking-part-column (no = left out), or opt_out = "..." or taking_part = "..." under '
                    "[columns]; or rename the column if it says nothing about taking part", _EITHER))
        self.consent.sort()

    def _single(self, matches: list[int], name: str) -> int | None:
        if len(matches) > 1:
            self.failed.add(name)
            self.problems.append(Problem(
                f"{self.path}: the heading {_shown(self.headings[matches[0]])!r} is in columns "
                f"{and_list([str(i + 1) for i in matches])}; rename all but the {_named(name)} column", _ROSTER))
            return None
        return matches[0]


def _named(name: str) -> str:
    return "opt-out flag" if name in CONSENT_FIELDS else field_label(name)


def _missing_columns(path: Path, headings: list[str], missing: list[str]) -> list[Problem]:
    # Without a heading row, row 1 is someone's details: say so rather than copy them into the log.
    if any("@" in heading for heading in headings):
        return [Problem(f"{path}: row 1 holds an email address, not headings: add a heading row above the people",
                        _ROSTER)]
    known = {heading_key(synonym) for names in (*SYNONYMS.values(), *FALLBACK.values()) for synonym in names}
    if not any(heading_key(heading) in known for heading in headings if heading):
        name = missing[0]
        return [Problem(f"{path}: row 1 has none of the column headings peermatch knows (such as "
                        f"{field_label(name)}: {', '.join(SYNONYMS[name])}); add a heading row above the people, "
                        f"or name the column with {option_name(name)}", _EITHER)]
    return [Problem(f"{path}: no {field_label(name)} column found (accepted: {', '.join(SYNONYMS[name])}; found: "
                    f'{_listing(headings)}); name it with {option_name(name)} or [columns] {name} = "..." in the '
                    "config", _EITHER) for name in missing]


def _listing(headings: list[str]) -> str:
    named = [_shown(heading) for heading in headings if heading]
    return ", ".join(named[:30]) + (", ..." if len(named) > 30 else "") if named else "no headings"


def _shown(heading: str) -> str:
    """A heading fit for a one-line message in a cron log: no control characters, not a page long."""
    printable = "".join(c if c.isprintable() else "?" for c in heading[:LONGEST_SHOWN + 1])
    return printable if len(printable) <= LONGEST_SHOWN else printable[:LONGEST_SHOWN - 1] + "…"

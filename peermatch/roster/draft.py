"""What ``peermatch init --roster FILE`` drafts into a new config: the columns and levels a roster needs named.

A heading peermatch cannot place is drafted under ``[columns]`` when it plainly names a required field ("Job Level"
holds the level), and listed as a comment otherwise.  Level labels peermatch does not know ("Practitioner",
"Team Leader") are listed for ``[levels] order`` in the order they first appear in the roster, commented out: that
order says nothing about seniority, and peermatch never guesses one, so nothing is paired on them until the
coordinator has put them junior first.  Nothing personal is drafted: headings and level labels only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peermatch.errors import ColumnProblems, UnknownGrade
from peermatch.roster.cells import read_cells
from peermatch.roster.columns import REQUIRED, find_columns
from peermatch.roster.headings import CONSENT_KEYS, FALLBACK, SYNONYMS, heading_key
from peermatch.roster.levels import LevelScheme
from peermatch.text import fold, tidy

# Words that make an unplaced heading plainly the column of a required field.
_HINTS = {
    "level": ("level", "grade", "band", "pay scale", "payscale"),
    "profession": ("profession", "job", "role", "title", "discipline", "occupation", "specialty", "specialism"),
}


@dataclass(frozen=True)
class RosterDraft:
    """The ``[columns]`` and ``[levels]`` a roster needs, as far as they can be told without guessing."""

    roster: str  # the roster's file name, for the comments
    columns: dict[str, str] = field(default_factory=dict)  # field -> heading, plainly named
    unplaced: list[str] = field(default_factory=list)  # headings of no field, for the coordinator to look at
    missing: list[str] = field(default_factory=list)  # required fields no heading plainly names
    unknown_levels: list[str] = field(default_factory=list)  # in the order they first appear


def draft_for(path: Path, sheet: str | None = None) -> RosterDraft:
    """Read the roster at ``path`` and draft what a config must say for ``pair`` to read it."""
    cells = read_cells(path, sheet)
    headings = [tidy(heading) for heading in cells.frame.iloc[0]]
    placed = _placed(headings)
    unplaced = [heading for index, heading in enumerate(headings) if heading and index not in placed.values()
                and heading_key(heading) not in CONSENT_KEYS]
    columns: dict[str, str] = {}
    missing = []
    for name in (name for name in REQUIRED if name not in placed):
        candidates = [h for h in unplaced if h not in columns.values() and any(w in fold(h) for w in _HINTS[name])]
        if len(candidates) == 1:
            columns[name] = candidates[0]
        else:
            missing.append(name)
    unplaced = [heading for heading in unplaced if heading not in columns.values()]
    try:
        level_index: int | None = find_columns(path, headings, columns).fields.get("level")
    except ColumnProblems:
        level_index = placed.get("level", headings.index(columns["level"]) if "level" in columns else None)
    labels = [] if level_index is None else list(dict.fromkeys(
        label for label in (tidy(value) for value in cells.frame.iloc[1:, level_index].tolist()) if label))
    return RosterDraft(path.name, columns, unplaced, missing, _unknown(labels))


def _placed(headings: list[str]) -> dict[str, int]:
    """The field each heading is recognised as, from the heading tables (a field's own headings before its
    fall-backs, as the loader tries them)."""
    positions = {heading_key(heading): index for index, heading in reversed(list(enumerate(headings))) if heading}
    placed: dict[str, int] = {}
    for table in (SYNONYMS, FALLBACK):
        for name, synonyms in table.items():
            if name in placed:
                continue
            for key in map(heading_key, synonyms):
                if key in positions and positions[key] not in placed.values():
                    placed[name] = positions[key]
                    break
    return placed


def _unknown(labels: list[str]) -> list[str]:
    scheme = LevelScheme().for_roster((label, "") for label in labels)
    unknown = []
    for label in labels:
        try:
            scheme.resolve(label)
        except UnknownGrade:
            unknown.append(label)
    return unknown

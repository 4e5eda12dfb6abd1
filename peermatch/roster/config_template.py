"""The commented ``peermatch.toml`` that ``peermatch init`` writes.

Every value is read from the defaults in :mod:`peermatch.roster.config`, so the file always says what peermatch does
without it: loading it gives exactly the defaults.  The examples (column headings, grade mappings, prompts) are
commented out, ready to edit.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from peermatch.errors import OutputError
from peermatch.roster.config import (
    CONFIG_NAME,
    Config,
    GroupSettings,
    HistorySettings,
    Rules,
    ScheduleSettings,
    Weights,
)

if TYPE_CHECKING:  # draft reads rosters (pandas): init imports this module for --help too
    from peermatch.roster.draft import RosterDraft

DEFAULT_NAME = CONFIG_NAME

_HEADER = """\
# peermatch configuration: how people are paired, and how conversations are presented.
#
# peermatch uses peermatch.toml in the folder it runs in (else the file $PEERMATCH_CONFIG names) by itself;
# a file of another name is given with --config, e.g.  peermatch pair roster.csv --config {name}
# Every value below is peermatch's default; change what your programme needs.
# Every key is checked: a misspelt key or a wrong type is an error (exit 78), never a silent default.
"""

_SECTIONS: dict[str, str] = {
    "weights": "Points a pair earns.  The solver first maximises pairs at the same level across professions, then\n"
               "people paired, then pairs across professions; the weights rank choices within those and give each\n"
               "pair its score.  Whole numbers only.",
    "rules": "Hard rules: what may never be paired.",
    "schedule": "How scheduled conversations are presented (peermatch schedule).",
    "history": "The history of past rounds, which keeps people from meeting twice.",
    "groups": "Pairs, or groups: action learning sets, tables at an event (pair, schedule, check, explain).",
}

_KEYS: dict[str, str] = {
    "weights.same_level": "Both people at the same level.",
    "weights.level_step": "Taken off same_level for each level the two are apart: a neighbouring level is a\n"
                          "fallback, not a peer.",
    "weights.different_profession": "Different professions: the point of the programme.",
    "weights.different_organisation": "Different employers (no bonus when either organisation is blank).",
    "weights.same_site": "Same site: a small nudge towards pairs who can meet for a coffee.",
    "rules.max_level_gap": "The most levels apart two people may be.  0 allows same-level pairs only.",
    "rules.exclude": 'Pairs of ids who must never meet, e.g. [["NT0301", "NT0233"]]; a longer list is easier\n'
                     "to keep as a CSV given with --exclude.",
    "schedule.duration_minutes": "Length of each conversation in calendar invitations.",
    "schedule.location": 'Where people meet, e.g. "Riverside Hub café" or "Teams: the link is in the invitation".',
    "schedule.prompts": "Your own conversation prompts, one per round in turn (blank: peermatch's own prompts).",
    "schedule.intro_template": "Your own introduction email, with $names, $members, $date, $duration, $prompt,\n"
                               "$table, $location and $coordinator (blank: peermatch's own text).",
    "schedule.coordinator": 'Who signs the introductions, e.g. "Priya Natarajan, peer-learning lead".',
    "schedule.organiser_email": "Organiser of calendar invitations (--ics-dir) and sender of introduction\n"
                                "emails (--eml-dir).",
    "history.avoid_repeats_within": "0: never pair two people twice.  12: they may meet again after 12 rounds.",
    "groups.size": "2 for pairs; 3 to 8 for groups of that size, same level and professions spread (--group-size).\n"
                   "When a level's count does not divide, some groups have one more (or --odd leave-out).",
}

# Keys whose default ("use peermatch's own") has no TOML value of the same type: shown as a commented example.
_EXAMPLES = {
    "schedule.prompts": '["What does your profession do that others misunderstand?", '
                        '"Tell me about a case that went wrong."]',
    "schedule.intro_template": '"Hello $names, you are paired for a $duration-minute conversation on $date."',
}

COLUMNS_EXAMPLE = """\
[columns]
level = "Pay Grade"
profession = "Job Family"
opt_out = "Status"
"""

LEVELS_EXAMPLE = """\
[levels.map."Northshire County Council"]
"Grade 9" = "Band 5"
"Grade 10" = "Band 6"
"Grade 11" = "Band 7"

[levels.map."Northshire GP Federation"]
scale = "afc"              # its other grades are Agenda for Change bands: list only those that differ
"Salaried GP" = "Band 8a"

[levels.map."civil-service"]
"EO" = "Band 5"
"HEO" = "Band 6"
"""

PLACEHOLDER_EXAMPLE = """\
[levels.placeholder."Review Body Band"]
column = "Job Role"
"Specialty Registrar" = "Band 7"
"Specialty Doctor" = "Band 8a"
"Consultant" = "Band 8c"
"""

_COLUMNS_INTRO = """\
# Roster headings ("Staff ID", "Full Name", "Grade", "Profession", and those of ESR, iTrent and civil service
# exports) are recognised without help, and so is every opt-out or consent column whose heading says which way
# round it is ("Opted out", "Withdrawn", "Participating?", "Taking part").  If yours are unusual, name them here.
# opt_out names a column where yes (or a date) means left out, taking_part one where no means left out, and
# consent one where no or a blank means left out, whatever their headings say.
"""

_LEVELS_INTRO = """\
# Grade mappings.  Agenda for Change bands, civil service grades and plain numbers are known already.  An
# organisation whose grades mean something else (a council's "Grade 10") maps its grades onto a common ladder,
# looked up by the roster's organisation column.  Every grade it uses must be listed, unless the table names the
# scale of the others (scale = "afc" or "civil-service"): a missing grade is an error, never a guess.  A whole
# scale can be mapped too ("civil-service").
"""

_PLACEHOLDER_INTRO = """\

# A grade that says nothing about a level (ESR's "Review Body Band" for doctors, "VSM") takes it from another
# column: every value of that column must be listed.
"""

_ORDER_EXAMPLE = """\

# Or a ladder of your own, junior first:
# [levels]
# order = ["Officer", "Senior Officer", "Manager"]
"""


def _comment(text: str) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines())


def _value(value: object) -> str:
    """A default as TOML: numbers as they are, text as a basic string, pairs as arrays."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _draft_columns(draft: RosterDraft) -> str:
    lines = []
    if draft.columns:
        lines += [f"# Headings of {draft.roster} that peermatch could not place by itself, drafted from their names:",
                  "# check each line.", "[columns]"]
        lines += [f"{name} = {_value(heading)}" for name, heading in draft.columns.items()]
    for name in draft.missing:
        lines.append(f"# No heading plainly holds the {name}: name its column here, like  {name} = \"Heading\"")
    if draft.unplaced:
        lines.append(f"# Headings peermatch leaves unused: {', '.join(map(_value, draft.unplaced))}")
    if draft.missing and not draft.columns:
        lines.insert(0, "[columns]")
    return "\n".join(lines) + "\n" if lines else _COLUMNS_INTRO + _comment(COLUMNS_EXAMPLE)


def _draft_levels(draft: RosterDraft) -> str:
    if not draft.unknown_levels:
        return ""
    return (f"# The levels of {draft.roster} that peermatch does not know, in the order they first appear in it.\n"
            "# That is not an order of seniority, and peermatch never guesses one: put them junior first, then\n"
            "# remove the \"# \" before order.  Until then, pair stops at them as unknown grades.\n"
            "[levels]\n"
            f"# order = {_value(tuple(draft.unknown_levels))}\n\n")


def config_template(name: str = DEFAULT_NAME, draft: RosterDraft | None = None) -> str:
    """The text of a commented ``peermatch.toml`` holding every default, and what ``draft`` says a roster needs."""
    defaults = Config()
    sections: list[tuple[str, Weights | Rules | ScheduleSettings | HistorySettings | GroupSettings]] = [
        ("weights", defaults.weights), ("rules", defaults.rules), ("schedule", defaults.schedule),
        ("history", defaults.history), ("groups", defaults.groups)]
    parts = [_HEADER.format(name=name)]
    for section, values in sections:
        parts.append("\n" + _comment(_SECTIONS[section]) + f"[{section}]\n")
        for item in fields(values):
            key = f"{section}.{item.name}"
            value = getattr(values, item.name)
            parts.append(_comment(_KEYS.get(key, "")))
            if key in _EXAMPLES and value in ("", ()):
                parts.append(f"# {item.name} = {_EXAMPLES[key]}\n")
            else:
                parts.append(f"{item.name} = {_value(value)}\n")
    if draft is None:
        parts.append("\n" + _COLUMNS_INTRO + _comment(COLUMNS_EXAMPLE))
        parts.append("\n" + _LEVELS_INTRO + _comment(LEVELS_EXAMPLE) + _PLACEHOLDER_INTRO
                     + _comment(PLACEHOLDER_EXAMPLE) + _ORDER_EXAMPLE)
    else:
        parts.append("\n" + _draft_columns(draft))
        levels = _draft_levels(draft)
        parts.append("\n" + levels + _LEVELS_INTRO + _comment(LEVELS_EXAMPLE) + _PLACEHOLDER_INTRO
                     + _comment(PLACEHOLDER_EXAMPLE) + ("" if levels else _ORDER_EXAMPLE))
    return "".join(parts)


def write_new(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` only if nothing is there yet; an existing file is never touched.

    ``O_EXCL`` makes the check and the creation one step, so two runs cannot both write the file.  It is created
    owner-only, like every file peermatch writes.
    """
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise OutputError(f"{path}: already exists, and peermatch never overwrites it; name another file, like "
                          f"peermatch init {path.with_name(path.stem + '-new' + path.suffix)}") from None
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:
        path.unlink(missing_ok=True)  # ours, made a moment ago: leave no half-written file behind
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None

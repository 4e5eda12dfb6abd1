"""The column headings of the rosters coordinators export, as data: which heading is which field.

Each table lists headings as HR systems write them, compared by :func:`heading_key` (case, spaces, punctuation
and a "(Y/N)" hint ignored).  The loader tries a field's headings in order, so the plainest comes first; a
``FALLBACK`` heading is used only when none of the field's own headings is there, and without a warning: an ESR
export has both "Employee Number" (the person) and "Assignment Number" (one of their jobs), and the person is the
id.

Opt-out and consent columns are listed with their *polarity*: whether a "yes" in them means the person takes part
or is left out, and what a blank cell means.  Every column whose heading is in :data:`CONSENT` is read, not only
the first: a roster with both "Opted out" and "Withdrawn" leaves out whoever either column leaves out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from peermatch.text import fold

# Keyed by config.FIELDS; tried in order, so the plainest heading wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "staff id", "employee id", "employee number", "employee no", "person id", "staff number",
           "staff no", "payroll number", "payroll no", "personnel number"),
    "name": ("name", "full name", "employee name", "employee full name", "staff name"),
    "first_name": ("first name", "forename", "forenames", "given name", "known as"),
    "last_name": ("last name", "surname", "family name"),
    "email": ("email", "email address", "work email", "e-mail", "primary email", "primary email address",
              "work email address", "business email"),
    "level": ("level", "grade", "band", "pay band", "afc band"),
    "profession": ("profession", "staff group", "role", "job family", "discipline", "occupation"),
    "organisation": ("organisation", "organization", "department", "employer", "org", "agency", "organisation name",
                     "employing organisation", "trust"),
    "site": ("site", "location", "base", "office", "work location", "site name", "location name", "workplace"),
    "active": (),  # opt-out and consent columns have a polarity: see CONSENT
}

# Used only when no heading of SYNONYMS[field] is in the roster.
FALLBACK: dict[str, tuple[str, ...]] = {
    "id": ("assignment number", "assignment no", "employee ref", "staff ref"),
    "level": ("pay grade", "grade name", "salary band"),
    # ESR has "Staff Group" and "Job Role" both: the staff group is the profession.
    "profession": ("job role", "job title", "area of work"),
    # Parts of one employer: pairs across them earn the organisation bonus, and levels are decided per part.
    "organisation": ("company", "org l3", "directorate", "service area", "org l4"),
    "site": ("base location", "work base"),
}

# Headings that look like an opt-out or consent column, yet are not in CONSENT: reading them wrongly would pair
# someone who said no, so they are refused until the coordinator says which way round they are.
CONSENT_HINTS = ("optout", "optedout", "optin", "optedin", "consent", "withdr", "particip", "takingpart", "declin",
                 "enrol")


@dataclass(frozen=True)
class Polarity:
    """How to read an opt-out or consent column."""

    yes_means_out: bool  # "Opted out: yes" leaves someone out; "Taking part: yes" keeps them in
    blank_means_out: bool  # a blank cell in a consent column is no consent
    reason: str  # why someone is left out, as the report says it


OPT_OUT = Polarity(yes_means_out=True, blank_means_out=False, reason="opted out")
TAKING_PART = Polarity(yes_means_out=False, blank_means_out=False, reason="not taking part")
CONSENTED = Polarity(yes_means_out=False, blank_means_out=True, reason="no consent")
POLARITIES = {"opt_out": OPT_OUT, "taking_part": TAKING_PART, "consent": CONSENTED}

# Heading -> how its answers read.  "Withdrawn" may hold a date (when they withdrew): a date is out.
CONSENT: dict[str, Polarity] = {
    "opt out": OPT_OUT, "opted out": OPT_OUT, "opt-out": OPT_OUT, "opt out flag": OPT_OUT,
    "opted out of peer learning": OPT_OUT, "withdrawn": OPT_OUT, "withdrew": OPT_OUT, "date withdrawn": OPT_OUT,
    "withdrawn date": OPT_OUT, "withdrawal date": OPT_OUT, "opt out date": OPT_OUT, "opted out date": OPT_OUT,
    "exclude": OPT_OUT, "excluded": OPT_OUT, "do not pair": OPT_OUT, "declined": OPT_OUT,
    "participating": TAKING_PART, "participant": TAKING_PART, "participation": TAKING_PART,
    "taking part": TAKING_PART, "active": TAKING_PART,
    "active participant": TAKING_PART, "include": TAKING_PART, "included": TAKING_PART,
    "consent": CONSENTED, "consented": CONSENTED, "consent given": CONSENTED, "opted in": CONSENTED,
    "opt in": CONSENTED, "opt-in": CONSENTED,
}

# Answers, after fold(), beyond the yes and no of text.YES and text.NO.
YES_WORDS = frozenset({"x", "✓", "✔", "ticked", "checked"})
OUT_EITHER_WAY = frozenset({"inactive", "not participating", "not taking part", "opted out", "opt out", "out",
                            "withdrawn", "declined", "excluded", "left the programme", "no consent",
                            "consent withdrawn", "do not pair"})
IN_EITHER_WAY = frozenset({"active", "participating", "taking part", "in", "opted in", "opt in", "consented",
                           "included", "enrolled"})

_NOISE = re.compile(r"[\W_]+")
_YES_NO_HINT = re.compile(r"\(?\b(?:y\s*/\s*n|yes\s*/\s*no|true\s*/\s*false)\b\)?")


def heading_key(heading: str) -> str:
    """How headings are compared: "Opt-out (Y/N)", "Opt out?" and "OPT_OUT" are one heading."""
    return _NOISE.sub("", _YES_NO_HINT.sub("", fold(heading)))


CONSENT_KEYS: dict[str, Polarity] = {heading_key(heading): polarity for heading, polarity in CONSENT.items()}


def looks_like_consent(heading: str) -> bool:
    key = heading_key(heading)
    return key not in CONSENT_KEYS and any(hint in key for hint in CONSENT_HINTS)


def field_label(field: str) -> str:
    return "opt-out flag" if field == "active" else field.replace("_", " ")


def option_name(field: str) -> str:
    return f"--{field.replace('_', '-')}-column"

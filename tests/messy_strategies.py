"""Hypothesis strategies for rosters as people really send them, with the outcome peermatch owes each one.

A :class:`MessyRoster` is the bytes of a CSV (any of the encodings and delimiters coordinators use, headings under
any synonym with their case and spacing drifted, values drifted the same way, blank lines, rows of empty cells,
an opt-out column, blank levels and professions, repeated ids and emails) together with a model of what loading it
must give: who is paired with ``--skip-invalid``, and whether it loads without it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from random import Random

from hypothesis import strategies as st

from peermatch.text import fold, tidy

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
DELIMITERS = (",", ";", "\t", "|")
HEADINGS = {
    "id": ("ID", "Staff ID", "Employee Number", "Payroll Number", "Employee No", "Staff Number"),
    "name": ("Name", "Full Name"),
    "email": ("Email", "E-mail", "Work Email", "Email Address", "Primary Email"),
    "level": ("Grade", "Band", "Level", "Pay Band", "AfC Band"),
    "profession": ("Profession", "Staff Group", "Role", "Job Family", "Discipline"),
    "organisation": ("Organisation", "Organization", "Employer", "Department"),
    "active": ("Active", "Participating", "Opt Out", "Opt-out", "Opted out", "Opt out?", "Opt-out (Y/N)",
               "Participating?", "Taking part", "Active (Y/N)"),
}
# Agenda for Change bands in the spellings rosters use, by band.
GRADES = {5: ("Band 5", "band 5", "AfC 5", "5", "BAND  5", "Band 05"),
          6: ("Band 6", "AfC Band 6", "6", "band6", "06", "Band 6 (Annex 21)"),
          7: ("Band 7", "Agenda for Change 7", "7", "Band ７")}
PROFESSIONS = ("Nurse", "Social Worker", "Work Coach", "GP", "Occupational Therapist")
ORGANISATIONS = ("Northshire NHS Trust", "Northshire Council", "DWP", "")
ANSWERS = ("yes", "Yes", "Y", "no", "NO", "n", "", "maybe")
NAME_LETTERS = "abcdeijlnorsASZéëâñóÓ’Ł -'\",;|\t\n"
_YES, _NO = {"yes", "y"}, {"no", "n"}


@dataclass(frozen=True)
class MessyRoster:
    raw: bytes
    encoding: str  # as peermatch must report it
    delimiter: str
    expected_ids: list[str]  # who is paired with --skip-invalid, in file order
    clean: bool  # loads without --skip-invalid: no blank level or profession, no repeat, among those taking part
    steps: dict[str, int]  # band of each person, by id
    names: dict[str, str]  # name of each person paired, as peermatch must show it


@dataclass
class _Person:
    id: str
    name: str
    email: str
    band: int
    grade: str
    profession: str
    organisation: str
    answer: str


# One strategy per person, built once: hypothesis then draws a roster in milliseconds.
_PERSON = st.tuples(
    st.sampled_from(sorted(GRADES)), st.integers(0, 4), st.sampled_from(PROFESSIONS),
    st.sampled_from(ORGANISATIONS), st.sampled_from(ANSWERS), st.text(st.sampled_from(NAME_LETTERS), max_size=12),
    st.sampled_from(["none"] * 8 + ["blank level", "blank profession", "same id", "same email"]),
    st.integers(0, 10**6),
)
_ID_STYLES = ("E{:03d}", "{:05d}", "{}", "NT{:04d}", "0{}")
_SEPARATORS = (" ", "  ", "_", "-", ".", "")


def _drifted_heading(rnd: Random, heading: str) -> str:
    """A heading as people retype it: any case, other separators, stray spaces."""
    cased = "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in heading)
    return rnd.choice(["", " "]) + cased.replace(" ", rnd.choice(_SEPARATORS)) + rnd.choice(["", "  "])


def _drifted(rnd: Random, value: str) -> str:
    """A cell with the spacing and case drift that folding undoes."""
    cased = rnd.choice([str, str.upper, str.lower])(value)
    return rnd.choice(["", " ", "  "]) + cased.replace(" ", rnd.choice([" ", "  "])) + rnd.choice(["", " "])


def _people(draw: st.DrawFn, rnd: Random, max_people: int, has_email: bool) -> list[_Person]:
    """People, with some levels and professions blanked and some ids and emails repeated, as real rosters have."""
    drawn = draw(st.lists(_PERSON, min_size=1, max_size=max_people))
    numbers = draw(st.lists(st.integers(0, 9999), min_size=len(drawn), max_size=len(drawn), unique=True))
    style = rnd.choice(_ID_STYLES)
    people: list[_Person] = []
    for at, (band, spelling, profession, organisation, answer, name, trouble, earlier) in enumerate(drawn):
        grades = GRADES[band]
        person = _Person(id=style.format(numbers[at]), name=name, email=_drifted(rnd, f"person.{at}@nhs.example"),
                         band=band, grade=_drifted(rnd, grades[spelling % len(grades)]),
                         profession=_drifted(rnd, profession), organisation=_drifted(rnd, organisation),
                         answer=answer)
        if trouble == "blank level":
            person.grade = rnd.choice(["", " ", "   "])
        elif trouble == "blank profession":
            person.profession = rnd.choice(["", "  "])
        elif trouble == "same id" and people:
            person.id = rnd.choice(["", " "]) + people[earlier % len(people)].id
        elif trouble == "same email" and people and has_email:
            person.email = people[earlier % len(people)].email.upper()
        people.append(person)
    return people


@st.composite
def messy_rosters(draw: st.DrawFn, max_people: int = 14) -> MessyRoster:
    rnd = draw(st.randoms(use_true_random=False))  # cosmetic drift; the structure is drawn below
    optional = [field for field in ("name", "email", "organisation", "active") if draw(st.booleans())]
    fields = draw(st.permutations(["id", "level", "profession", *optional]))
    people = _people(draw, rnd, max_people, "email" in fields)
    headings = {field: _drifted_heading(rnd, rnd.choice(HEADINGS[field])) for field in fields}
    trailing = [""] * draw(st.integers(0, 3))  # Excel's trailing empty cells
    cells = {"id": "id", "name": "name", "email": "email", "level": "grade", "profession": "profession",
             "organisation": "organisation", "active": "answer"}
    table = [[headings[field] for field in fields] + trailing]
    noise = draw(st.lists(st.sampled_from(["", "", "", "blank line", "empty cells"]), min_size=len(people),
                          max_size=len(people)))
    for person, extra in zip(people, noise, strict=True):
        if extra:
            table.append([] if extra == "blank line" else [""] * len(table[0]))
        table.append([getattr(person, cells[field]) for field in fields] + trailing)
    delimiter = draw(st.sampled_from(DELIMITERS))
    buffer = io.StringIO()
    buffer.write(rnd.choice(["", "\n", "\r\n\r\n"]))  # blank lines above the headings
    csv.writer(buffer, delimiter=delimiter, lineterminator=rnd.choice(["\n", "\r\n"])).writerows(table)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(ENCODINGS))
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:  # "Ł" is not in Windows-1252: such a roster is saved as UTF-8
        encoding, raw = "utf-8", text.encode("utf-8")
    if encoding == "cp1252" and _decodes_as_utf8(raw):
        encoding = "utf-8"  # and peermatch is right to read it so
    # "Opt out: yes" and "Active: yes" mean opposite things.
    return _model(people, raw, encoding, delimiter, fields, "out" in headings.get("active", "").lower())


def _model(people: list[_Person], raw: bytes, encoding: str, delimiter: str, fields: list[str],
           opt_out_heading: bool) -> MessyRoster:
    """Who must be paired: peermatch's documented rules, written out plainly."""
    def taking_part(person: _Person) -> bool:
        if "active" not in fields:
            return True
        answer = fold(person.answer)
        return answer not in _YES if opt_out_heading else answer not in _NO

    def readable(person: _Person) -> bool:  # "maybe" is a problem with the row, never a yes or a no
        return "active" not in fields or fold(person.answer) in _YES | _NO | {""}

    present = [person for person in people if taking_part(person)]
    valid = [person for person in present if tidy(person.grade) and tidy(person.profession) and readable(person)]
    kept, seen_ids, seen_emails = [], set(), set()
    for person in valid:
        pid, email = tidy(person.id), fold(person.email) if "email" in fields else ""
        if pid not in seen_ids and (not email or email not in seen_emails):
            kept.append(person)
        seen_ids.add(pid)
        seen_emails.add(email)
    clean = len(kept) == len(present)
    names = {tidy(person.id): tidy(person.name) if "name" in fields else "" for person in kept}
    return MessyRoster(raw=raw, encoding=encoding, delimiter=delimiter, expected_ids=[tidy(p.id) for p in kept],
                       clean=clean, steps={tidy(p.id): p.band for p in kept}, names=names)


def _decodes_as_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

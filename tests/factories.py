"""Build people and results by hand for tests that do not need a CSV."""

from __future__ import annotations

from pathlib import Path

from peermatch.models import Person, Roster
from peermatch.roster.levels import LevelScheme
from peermatch.text import fold

_SCHEME = LevelScheme()


def person(pid: str, grade: str = "Band 6", profession: str = "Nurse", organisation: str = "",
           site: str = "", name: str = "", email: str = "", row: int = 2) -> Person:
    return Person(
        id=pid, name=name, email=email, grade=grade, level=_SCHEME.resolve(grade),
        profession=profession, organisation=organisation, site=site, row=row,
        profession_key=fold(profession), organisation_key=fold(organisation), site_key=fold(site),
    )


def roster_of(*people: Person, path: str = "roster.csv") -> Roster:
    return Roster(path=Path(path), people=list(people))

"""What ``check`` reports: a :class:`Finding`, and the words that name people in it by row and id, never by name.

Without an id of their own (no id column, or a blank cell) a person's id is their email, or else their row number:
such ids are left out of messages, and are "" in ``ids``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from peermatch.models import Person
from peermatch.text import LISTED, shown_id


@dataclass(frozen=True)
class Finding:
    """One error or warning: a kind scripts can test for, and a one-line message saying what to do next.

    ``ids[i]`` is the id of the person in ``rows[i]``, or "" when they have no id of their own to show.
    """

    kind: str
    message: str
    rows: tuple[int, ...] = ()
    ids: tuple[str, ...] = ()
    fix: str = ""  # where the fix goes: "roster", "config" or "roster or config" ("" for advice)


def people_have(n: int) -> str:
    return "1 person has" if n == 1 else f"{n} people have"


def rows_of(group: Sequence[Person]) -> tuple[int, ...]:
    return tuple(sorted(p.row for p in group))


def ids_of(group: Sequence[Person]) -> tuple[str, ...]:
    return tuple(own_id(p) for p in sorted(group, key=lambda p: p.row))


def own_id(person: Person) -> str:
    return shown_id(person.id, person.row, person.email) or ""


def who(group: Sequence[Person]) -> str:
    """People by row, and by id when they have one of their own; never by name or email:
    'id NT0311 (row 2), row 3' (the person in row 3 has no id column, or a blank cell in it)."""
    ordered = sorted(group, key=lambda p: p.row)
    shown = [f"id {own} (row {p.row})" if (own := own_id(p)) else f"row {p.row}" for p in ordered[:LISTED]]
    more = f" and {len(ordered) - LISTED} more" if len(ordered) > LISTED else ""
    return ", ".join(shown) + more


def their_ids(group: Sequence[Person]) -> str:
    """After the rows of ``group``: ' (id NT0311, id NT0318)', only the ids there are, or nothing."""
    ordered = sorted(group, key=lambda p: p.row)[:LISTED]
    if all(own_ids := [own_id(p) for p in ordered]):
        return f" ({', '.join(f'id {own}' for own in own_ids)})"
    some = [f"id {own} in row {p.row}" for p, own in zip(ordered, own_ids, strict=True) if own]
    return f" ({', '.join(some)})" if some else ""

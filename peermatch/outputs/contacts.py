"""The people in a schedule's conversations as exports show them: cleaned names, checked addresses, found once.

Names and emails come from spreadsheets, so nothing in them may add a line, a property or a header:

- names, professions, organisations and places lose control characters, line and paragraph separators and
  bidirectional overrides (:func:`clean`), so a name such as ``"Jo\\r\\nATTENDEE:mailto:evil@x"`` stays one
  harmless value;
- an email address is used only when it is a plain ``local@domain`` in printable ASCII.  One with a line break,
  space, comma, semicolon, angle bracket, quote or other character that could start another address or property is
  **refused**: :class:`UnusableAddress` (a ``ValueError``, and a ``PeermatchError`` with exit code 65) names the
  roster row and id, never the address (nor an id that is the address), so the message is safe in a cron log and
  the coordinator can correct the roster.  Refusing, rather than dropping the attendee, means nobody silently
  misses their invitation.  A blank email is not an error: that person simply gets no ``ATTENDEE`` line or ``To``
  address.  The organiser's address is checked the same way (exit 78, as it comes from the configuration).

A :class:`Directory` finds each member by id in a dictionary made once per schedule, and cleans and checks each
person once however many conversations they are in: a schedule of 100,000 people has 300,000 conversations, and
rebuilding the lookup for each took hours.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from peermatch.errors import EXIT_CONFIG, EXIT_DATAERR, PeermatchError
from peermatch.models import Person
from peermatch.text import BIDI_CONTROLS, address_problem, fold, tidy

# Characters that never belong in a one-line value: C0/C1 controls (CR, LF, tab, NUL, ESC...), Unicode line and
# paragraph separators, and the bidirectional embeddings, overrides and isolates that can make text display in an
# order other than the one it is stored in.
_BIDI = frozenset(BIDI_CONTROLS)
_MAILBOX = re.compile(r"^(?P<name>[^<>]*)<(?P<address>[^<>]*)>$")


class UnusableAddress(PeermatchError, ValueError):
    """An email address that cannot safely be written as a recipient, organiser or sender.

    ``person_id`` names the roster entry (exit 65, like any roster problem), or is ``None`` for the organiser or
    sender from the configuration (exit 78).  The message never repeats the address itself.  It is also a
    ``ValueError``, for callers that use the writers as a library.
    """

    def __init__(self, problem: str, person: Person | None = None) -> None:
        self.person_id = person.id if person is not None else None
        self.problem = problem
        if person is None:
            message = (f"the organiser's email address {problem}; set organiser_email in [schedule] to a plain "
                       f"address such as peer.learning@example.org")
        else:
            message = (f"{_where(person)}: the email address {problem}, so no invitation or introduction can be "
                       f"addressed to this person; correct it in the roster (or blank it)")
        super().__init__(message)
        self.exit_code = EXIT_DATAERR if person is not None else EXIT_CONFIG


def _where(person: Person) -> str:
    """``row 5 (id A2)``: the row, and the id unless the roster had none and the id is the email itself."""
    shown = clean(person.id)
    if not shown or fold(person.id) == fold(person.email) or shown == str(person.row):
        return f"row {person.row}"
    return f"row {person.row} (id {shown})"


def clean(value: str) -> str:
    """A one-line display value: control characters and line breaks become spaces, then ``tidy``."""
    if value.isprintable():  # no control, format (bidi) or line-separating character: the usual case, checked in C
        return tidy(value)
    return tidy("".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI else c for c in value))


def clean_multiline(value: str) -> str:
    """Like :func:`clean` but keeps line breaks (for a prompt written over several lines)."""
    lines = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(clean(line) for line in lines).strip("\n")


def checked_address(address: str, person: Person | None) -> str:
    """``address`` if it is a plain ``local@domain`` address; else :class:`UnusableAddress` (naming ``person``)."""
    problem = address_problem(address)
    if problem:
        raise UnusableAddress(problem, person)
    return address


def person_address(person: Person) -> str | None:
    """The person's email, checked, or ``None`` when they have none."""
    return checked_address(person.email, person) if person.email else None


def parse_mailbox(text: str | None) -> tuple[str, str]:
    """``"Name <name@example.org>"`` or ``"name@example.org"`` as (cleaned name, checked address).

    For the organiser or sender, so a problem raises :class:`UnusableAddress` with no person id; so does a blank.
    """
    if not text or not text.strip():
        raise UnusableAddress("is not set, and invitations and introductions need one")
    match = _MAILBOX.match(text.strip())
    name, address = (match["name"], match["address"]) if match else ("", text)
    return clean(name).strip('"').strip(), checked_address(address.strip(), None)


def display_name(person: Person) -> str:
    """The person's name, cleaned; their id when the roster has no name for them."""
    return clean(person.name) or clean(person.id)


def member_line(person: Person) -> str:
    """``Siân Jones, Nurse, Northshire NHS`` (blank parts left out)."""
    return ", ".join(part for part in (display_name(person), clean(person.profession), clean(person.organisation))
                     if part)


@dataclass(frozen=True, slots=True)
class Contact:
    """One member of a conversation, ready for any export."""

    person: Person
    name: str  # display_name
    line: str  # member_line
    profession: str  # cleaned; blank when the roster has none
    address: str | None  # checked; None when the roster has no email


class Directory:
    """Members by id, each cleaned and checked the first time an export asks for them.

    Raises :class:`UnusableAddress` for an unusable email, when that person is first asked for.
    """

    def __init__(self, people: Iterable[Person]) -> None:
        self._people = {p.id: p for p in people}
        self._contacts: dict[str, Contact] = {}

    def __getitem__(self, person_id: str) -> Contact:
        contact = self._contacts.get(person_id)
        if contact is None:
            person = self._people[person_id]
            contact = self._contacts[person_id] = Contact(
                person, display_name(person), member_line(person), clean(person.profession), person_address(person))
        return contact

    def members(self, members: Iterable[str]) -> list[Contact]:
        return [self[member] for member in members]

    def present(self, members: Iterable[str]) -> list[Contact]:
        """The members still in the roster (a cancelled conversation's people may have left)."""
        return [self[member] for member in members if member in self._people]

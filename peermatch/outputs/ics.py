"""Calendar files for a schedule: pure writers that return iCalendar (RFC 5545) bytes.

Two shapes:

- :func:`schedule_ics`: one ``METHOD:PUBLISH`` calendar holding every conversation of every round, for a
  coordinator to import or share;
- :func:`invitation_ics` / :func:`invitation_files`: one ``METHOD:REQUEST`` calendar per conversation, for
  coordinators who send the invitations one at a time.

Both give each conversation the group's ``uid`` (kept in the history, so a rerun updates rather than duplicates
the entry in people's calendars) and the same times: rounds start at naive Europe/London wall-clock times, written
with ``TZID=Europe/London`` and a VTIMEZONE built from zoneinfo, so a conversation in July is at 09:00 BST and one
in January at 09:00 GMT.  ``DTSTAMP`` is the schedule's first start in UTC, never the clock, so the same schedule
always gives the same bytes.

Names and emails come from spreadsheets, so nothing in them may add a line or a property:

- text values (summary, description, location) are escaped by icalendar, and peermatch also turns control
  characters, line and paragraph separators and bidirectional overrides in names, professions, organisations and
  places into spaces (:func:`clean`), so a name such as ``"Jo\\r\\nATTENDEE:mailto:evil@x"`` stays one harmless
  ``CN`` value;
- an email address is used only when it is a plain ``local@domain`` in printable ASCII.  One with a line break,
  space, comma, semicolon, angle bracket, quote or other character that could start another address or property is
  **refused**: :class:`UnusableAddress` (a ``ValueError``, and a ``PeermatchError`` with exit code 65) names the
  roster row and id, never the address (nor an id that is the address), so the message is safe in a cron log and
  the coordinator can correct the roster.  Refusing, rather than dropping the attendee, means nobody silently
  misses their invitation.  A blank email is not an error: that person simply gets no ``ATTENDEE`` line.  The
  organiser's address is checked the same way (exit 78, as it comes from the configuration).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress

from peermatch.errors import EXIT_CONFIG, EXIT_DATAERR, PeermatchError
from peermatch.models import Person, Round, Schedule, ScheduledGroup
from peermatch.text import fold, tidy

LONDON = ZoneInfo("Europe/London")
TZID = "Europe/London"
PRODID = "-//peermatch//peermatch//EN"

# Characters that never belong in a one-line value: C0/C1 controls (CR, LF, tab, NUL, ESC...), Unicode line and
# paragraph separators, and the bidirectional embeddings, overrides and isolates that can make text display in an
# order other than the one it is stored in.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
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
    return tidy("".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI else c for c in value))


def clean_multiline(value: str) -> str:
    """Like :func:`clean` but keeps line breaks (for a prompt written over several lines)."""
    lines = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(clean(line) for line in lines).strip("\n")


def _address_problem(address: str) -> str | None:
    if any(c in "\r\n" or unicodedata.category(c) in ("Zl", "Zp") for c in address):
        return "contains a line break"
    if any(c.isspace() for c in address):
        return "contains a space"
    for character, name in ((",", "a comma"), (";", "a semicolon"), ("<", "an angle bracket"),
                            (">", "an angle bracket"), ('"', "a quotation mark"), (":", "a colon")):
        if character in address:
            return f"contains {name}"
    if any(unicodedata.category(c) == "Cc" for c in address):
        return "contains a control character"
    if not address.isascii():
        return "contains a character outside plain ASCII"
    if address.count("@") != 1:
        return "does not contain exactly one @"
    if not _ADDRESS.fullmatch(address):
        return "is not a plain name@domain address"
    return None


def checked_address(address: str, person: Person | None) -> str:
    """``address`` if it is a plain ``local@domain`` address; else :class:`UnusableAddress` (naming ``person``)."""
    problem = _address_problem(address)
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


def local_start(round_: Round) -> datetime:
    """The round's start as an aware Europe/London datetime."""
    starts = round_.starts
    return starts.astimezone(LONDON) if starts.tzinfo else starts.replace(tzinfo=LONDON)


def local_end(schedule: Schedule, round_: Round) -> datetime:
    """The end, ``duration_minutes`` of elapsed time later (right even across a change of the clocks)."""
    end = local_start(round_).astimezone(UTC) + timedelta(minutes=schedule.duration_minutes)
    return end.astimezone(LONDON)


def stamp(schedule: Schedule) -> datetime:
    """The deterministic DTSTAMP: the schedule's first start, in UTC."""
    first = min((local_start(r) for r in schedule.rounds), default=datetime(1970, 1, 1, tzinfo=LONDON))
    return first.astimezone(UTC)


def file_name(round_: Round, index: int, suffix: str) -> str:
    """``round-01-group-003.ics``: built from numbers only, so always a safe file name."""
    return f"round-{round_.number:02d}-group-{index:03d}.{suffix}"


def members_of(schedule: Schedule, group: ScheduledGroup) -> list[Person]:
    people = {p.id: p for p in schedule.roster.people}
    return [people[member] for member in group.members]


def conversation_summary(members: list[Person]) -> str:
    """``Peer learning: Nurse × Social Worker``: professions, never names."""
    return "Peer learning: " + " × ".join(clean(p.profession) or "colleague" for p in members)


def member_line(person: Person) -> str:
    """``Siân Jones, Nurse, Northshire NHS`` (blank parts left out)."""
    return ", ".join(part for part in (display_name(person), clean(person.profession), clean(person.organisation))
                     if part)


def place(schedule: Schedule, group: ScheduledGroup) -> str:
    """The location, with the table number at an event: ``Civic Centre, table 4``."""
    location = clean(schedule.location)
    if group.table is None:
        return location
    return f"{location}, table {group.table}" if location else f"Table {group.table}"


def _description(round_: Round, group: ScheduledGroup, members: list[Person]) -> str:
    lines = ["A peer-learning conversation with:", *(f"- {member_line(p)}" for p in members)]
    if group.table is not None:
        lines += ["", f"Table {group.table}"]
    prompt = clean_multiline(round_.prompt)
    if prompt:
        lines += ["", "To start you off:", prompt]
    return "\n".join(lines)


def _calendar_address(address: str, name: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    if name:
        value.params["CN"] = name
    return value


def _event(schedule: Schedule, round_: Round, group: ScheduledGroup, organiser: tuple[str, str] | None,
           sequence: int | None) -> Event:
    members = members_of(schedule, group)
    event = Event()
    event.add("uid", group.uid)
    event.add("dtstamp", stamp(schedule))
    event.add("dtstart", local_start(round_))
    event.add("dtend", local_end(schedule, round_))
    if sequence is not None:
        event.add("sequence", sequence)
    event.add("summary", conversation_summary(members))
    event.add("description", _description(round_, group, members))
    location = place(schedule, group)
    if location:
        event.add("location", location)
    if organiser is not None:
        event.add("organizer", _calendar_address(organiser[1], organiser[0]))
    for person in members:
        address = person_address(person)
        if address is None:
            continue
        attendee = _calendar_address(address, display_name(person))
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["RSVP"] = "TRUE"
        event.add("attendee", attendee)
    return event


def london_timezone(first: date, last: date) -> Timezone:
    """A VTIMEZONE for Europe/London from zoneinfo, covering ``first`` (inclusive) to ``last`` (exclusive).

    icalendar's ``Timezone.from_tzinfo`` writes the onset of summer time as the first wall-clock time *after* the
    clocks go forward (02:00) with ``TZOFFSETFROM:+0000``, which readers (icalendar's own included) take as 02:00
    GMT, an hour late.  RFC 5545 wants the onset in the offset in force before it: 01:00.  Onsets where the
    clocks go forward are moved back by the jump, which makes every onset the exact instant zoneinfo changes offset.
    """
    timezone = Timezone.from_tzinfo(LONDON, TZID, first_date=first, last_date=last)
    for observance in timezone.subcomponents:
        jump = observance.TZOFFSETTO - observance.TZOFFSETFROM
        if jump <= timedelta(0):
            continue
        observance.DTSTART = observance.DTSTART - jump
        rdates = observance.pop("RDATE", None)
        if rdates is not None:
            for value in rdates if isinstance(rdates, list) else [rdates]:
                observance.add("RDATE", [moment.dt - jump for moment in value.dts])
    return timezone


def _calendar(schedule: Schedule, method: str, events: list[Event]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if events:
        years = [moment.year for r in schedule.rounds for moment in (local_start(r), local_end(schedule, r))]
        calendar.add_component(london_timezone(date(min(years), 1, 1), date(max(years) + 1, 1, 1)))
    for event in events:
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def schedule_ics(schedule: Schedule, *, organiser: str | None = None) -> bytes:
    """Every conversation of every round in one ``METHOD:PUBLISH`` calendar.

    ``organiser`` is ``"Name <address>"`` or a bare address.  Raises :class:`UnusableAddress` for an email that is
    not a plain address (see the module's notes).
    """
    mailbox = parse_mailbox(organiser) if organiser else None
    events = [_event(schedule, r, g, mailbox, None) for r in schedule.rounds for g in r.groups]
    return _calendar(schedule, "PUBLISH", events)


def invitation_ics(schedule: Schedule, round_: Round, group: ScheduledGroup, *, organiser: str | None) -> bytes:
    """One conversation as a ``METHOD:REQUEST`` invitation (``SEQUENCE:0``), same UID as in :func:`schedule_ics`.

    An invitation needs an ORGANIZER (RFC 5546) for replies to go to: a missing or unusable ``organiser`` raises
    :class:`UnusableAddress` (exit 78) rather than writing an invitation nobody can answer.
    """
    return _calendar(schedule, "REQUEST", [_event(schedule, round_, group, parse_mailbox(organiser), 0)])


def invitation_files(schedule: Schedule, organiser: str | None) -> dict[str, bytes]:
    """``{"round-01-group-003.ics": invitation, ...}`` for every conversation, in schedule order."""
    parse_mailbox(organiser)  # a missing organiser is an error even for a schedule with no conversations
    return {file_name(r, index, "ics"): invitation_ics(schedule, r, g, organiser=organiser)
            for r in schedule.rounds for index, g in enumerate(r.groups, start=1)}

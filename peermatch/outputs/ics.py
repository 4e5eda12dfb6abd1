"""Calendar files for a schedule: pure writers of iCalendar (RFC 5545) bytes.

Two shapes:

- :func:`schedule_ics` / :func:`schedule_ics_parts`: one ``METHOD:PUBLISH`` calendar holding every conversation
  of every round, for a coordinator to import or share;
- :func:`invitation_ics` / :func:`invitations`: one ``METHOD:REQUEST`` calendar per conversation, for
  coordinators who send the invitations one at a time.

Both give each conversation the group's ``uid`` (kept in the history, so a rerun updates rather than duplicates
the entry in people's calendars) and the same times: rounds start at naive Europe/London wall-clock times, written
with ``TZID=Europe/London`` and a VTIMEZONE built from zoneinfo, so a conversation in July is at 09:00 BST and one
in January at 09:00 GMT.  ``SEQUENCE`` and ``DTSTAMP`` are the group's ``sequence`` and ``stamp``: the history
raises the sequence when a rerun changes a conversation, so calendars replace the old entry, and keeps the stamp
of the version recorded, so an unchanged plan gives the same bytes.  Without a stamp (a schedule that never met a
history) ``DTSTAMP`` is the schedule's first start in UTC, never the clock.  ``ORGANIZER`` carries the organiser's
name, or else the coordinator's.

A conversation an earlier plan of the round had and this one has not (``Round.cancelled``) is cancelled as RFC 5546
says: the same UID, the next SEQUENCE and ``STATUS:CANCELLED``, in the programme calendar and, as a
``METHOD:CANCEL`` calendar of its own (:func:`cancellations`), after the invitations; addressed to its people who
are still in the roster.  People a changed conversation no longer has (``Round.uninvited``) get a
``METHOD:CANCEL`` of the entry addressed to them alone, without STATUS, as RFC 5546 removes attendees; the
programme calendar shows the entry as it now is.

Events are written here rather than by icalendar, which takes milliseconds an event (300,000 events for six rounds
of 100,000 people), in exactly the bytes icalendar writes (its property order, escaping, parameter quoting and line
folding; tests compare the two); icalendar still makes the VTIMEZONE, once a file.  Names and emails are cleaned
and checked first (:mod:`peermatch.outputs.contacts`), so nothing in them can add a line or a property.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone

from peermatch.models import CancelledEntry, Round, Schedule, ScheduledGroup
from peermatch.outputs.contacts import (
    Contact,
    Directory,
    UnusableAddress,
    clean,
    clean_multiline,
    parse_mailbox,
)

__all__ = ["UnusableAddress", "cancellations", "clean", "invitation_files", "invitation_ics", "invitations",
           "london_timezone", "schedule_ics", "schedule_ics_parts"]

LONDON = ZoneInfo("Europe/London")
TZID = "Europe/London"
PRODID = "-//peermatch//peermatch//EN"
CANCELLED_SUMMARY = "Cancelled: peer-learning conversation"
CANCELLED_DESCRIPTION = ("This peer-learning conversation is no longer planned: the round was planned again "
                         "without it. If you are in another conversation this round, its invitation comes on its own.")
UNINVITED_DESCRIPTION = ("You are no longer in this peer-learning conversation: the round was planned again and it "
                         "changed. If you are in another conversation this round, its invitation comes on its own.")
_FOLD_AT = 74  # octets a line holds before icalendar folds it (RFC 5545 allows 75)
_QUOTABLE = re.compile("[,;:\u2019]")
_END = b"END:VCALENDAR\r\n"


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


def cancellation_file_names(schedule: Schedule) -> Iterator[tuple[str, CancelledEntry, bool]]:
    """``("round-01-cancelled-002", entry, True)`` for the round's second cancelled entry, then
    ``("round-01-uninvited-001", entry, False)`` for its first entry some people were taken off, round by round:
    the name a cancellation's files take without their suffix, numbers only like :func:`file_name`."""
    for round_ in schedule.rounds:
        for kind, entries in (("cancelled", round_.cancelled), ("uninvited", round_.uninvited)):
            for index, entry in enumerate(entries, start=1):
                yield f"round-{round_.number:02d}-{kind}-{index:03d}", entry, kind == "cancelled"


def conversation_summary(members: list[Contact]) -> str:
    """``Peer learning: Nurse × Social Worker``: professions, never names."""
    return "Peer learning: " + " × ".join(member.profession or "colleague" for member in members)


def place(location: str, group: ScheduledGroup) -> str:
    """The (cleaned) location, with the table number at an event: ``Civic Centre, table 4``."""
    if group.table is None:
        return location
    return f"{location}, table {group.table}" if location else f"Table {group.table}"


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


def _folded(line: str) -> bytes:
    """One content line as bytes, folded as icalendar folds it, with its CRLF.

    At most 74 octets a line, never inside a UTF-8 character, and never just after a backslash or caret that
    starts an escape (icalendar's rule, for readers that unescape before unfolding).
    """
    data = line.encode()
    if len(data) <= _FOLD_AT:
        return data + b"\r\n"
    pieces = []
    start = 0
    while len(data) - start > _FOLD_AT:
        end = start + _FOLD_AT
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: the character started earlier
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def _text(value: str) -> str:
    """An iCalendar TEXT value, escaped as icalendar's vText escapes it."""
    return (value.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _address(name: str, address: str, extra: str = "") -> str:
    """``;CN="Name"<extra>:mailto:address``: a calendar address with its parameters, as icalendar writes them."""
    if not name:
        return f"{extra}:mailto:{address}"
    value = name.replace("^", "^^").replace("\r\n", "^n").replace("\n", "^n").replace("\r", "^n").replace('"', "^'")
    if " " in name or "'" in name or _QUOTABLE.search(value):
        value = f'"{value}"'
    return f";CN={value}{extra}:mailto:{address}"


def _local(moment: datetime) -> str:
    return f"TZID={TZID}:{moment:%Y%m%dT%H%M%S}"


class _Events:
    """Makes each conversation's VEVENT; what a round or a person adds is made once."""

    def __init__(self, schedule: Schedule, organiser: tuple[str, str] | None, directory: Directory | None) -> None:
        self.schedule = schedule
        self.directory = directory if directory is not None else Directory(schedule.roster.people)
        self.organiser = b"" if organiser is None else _folded("ORGANIZER" + _address(*organiser))
        self.default_stamp = stamp(schedule)
        self.location = clean(schedule.location)
        self._attendees: dict[str, bytes] = {}
        self._round: tuple[Round, bytes, str] | None = None
        years = [moment.year for r in schedule.rounds for moment in (local_start(r), local_end(schedule, r))]
        self.timezone = london_timezone(date(min(years), 1, 1), date(max(years) + 1, 1, 1)).to_ical() if years \
            else b""

    def _round_parts(self, round_: Round) -> tuple[bytes, str]:
        """The round's DTSTART and DTEND lines, and the prompt's part of the description."""
        if self._round is None or self._round[0] is not round_:
            times = (_folded(f"DTSTART;{_local(local_start(round_))}")
                     + _folded(f"DTEND;{_local(local_end(self.schedule, round_))}"))
            prompt = clean_multiline(round_.prompt)
            self._round = (round_, times, f"\n\nTo start you off:\n{prompt}" if prompt else "")
        return self._round[1], self._round[2]

    def _attendee(self, member: Contact) -> bytes:
        line = self._attendees.get(member.person.id)
        if line is None:
            line = self._attendees[member.person.id] = b"" if member.address is None else _folded(
                "ATTENDEE" + _address(member.name, member.address, ";ROLE=REQ-PARTICIPANT;RSVP=TRUE"))
        return line

    def event(self, round_: Round, group: ScheduledGroup) -> bytes:
        members = self.directory.members(group.members)
        times, prompt = self._round_parts(round_)
        table = "" if group.table is None else f"\n\nTable {group.table}"
        description = "A peer-learning conversation with:\n" + "\n".join(f"- {m.line}" for m in members) + table
        location = place(self.location, group)
        moment = (group.stamp or self.default_stamp).astimezone(UTC)
        return b"".join([
            b"BEGIN:VEVENT\r\n",
            _folded("SUMMARY:" + _text(conversation_summary(members))),
            times,
            _folded(f"DTSTAMP:{moment:%Y%m%dT%H%M%SZ}"),
            _folded("UID:" + _text(group.uid)),
            _folded(f"SEQUENCE:{group.sequence}"),
            *map(self._attendee, members),
            _folded("DESCRIPTION:" + _text(description + prompt)),
            _folded("LOCATION:" + _text(location)) if location else b"",
            self.organiser,
            b"END:VEVENT\r\n",
        ])

    def cancellation(self, entry: CancelledEntry, whole: bool = True) -> bytes:
        """A cancelled entry's VEVENT: its UID and SEQUENCE, STATUS:CANCELLED, to those still in the roster; not
        ``whole``, the same for the people taken off an entry that goes on, without STATUS (RFC 5546 3.2.5).

        Its times are in UTC: the same instants the invitation gave, without needing a VTIMEZONE for years the
        plan no longer has (the round may have moved).
        """
        starts = entry.starts.replace(tzinfo=LONDON).astimezone(UTC)
        ends = starts + timedelta(minutes=entry.minutes)
        attendees = [_folded("ATTENDEE" + _address(m.name, m.address, ";ROLE=REQ-PARTICIPANT"))
                     for m in self.directory.present(entry.members) if m.address is not None]
        return b"".join([
            b"BEGIN:VEVENT\r\n",
            _folded("SUMMARY:" + _text(CANCELLED_SUMMARY)),
            _folded(f"DTSTART:{starts:%Y%m%dT%H%M%SZ}"),
            _folded(f"DTEND:{ends:%Y%m%dT%H%M%SZ}"),
            _folded(f"DTSTAMP:{entry.stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}"),
            _folded("UID:" + _text(entry.uid)),
            _folded(f"SEQUENCE:{entry.sequence}"),
            *attendees,
            _folded("DESCRIPTION:" + _text(CANCELLED_DESCRIPTION if whole else UNINVITED_DESCRIPTION)),
            self.organiser,
            b"STATUS:CANCELLED\r\n" if whole else b"",
            b"END:VEVENT\r\n",
        ])

    def reachable(self, entry: CancelledEntry) -> bool:
        """Whether anyone the entry was sent to is still in the roster with an email, to send its cancellation to."""
        return any(m.address is not None for m in self.directory.present(entry.members))

    def head(self, method: str, with_timezone: bool) -> bytes:
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", f"METHOD:{method}"]
        return b"".join(map(_folded, lines)) + (self.timezone if with_timezone else b"")


def _organiser(organiser: str | None, coordinator: str) -> tuple[str, str]:
    """(name, address) of the organiser; the coordinator's name (its first line) when the address has none."""
    name, address = parse_mailbox(organiser)
    return name or clean(coordinator.strip().splitlines()[0] if coordinator.strip() else ""), address


def schedule_ics_parts(schedule: Schedule, *, organiser: str | None = None, coordinator: str = "",
                       directory: Directory | None = None,
                       invitation: Callable[[str, bytes], None] | None = None) -> Iterator[bytes]:
    """:func:`schedule_ics` a conversation at a time, for writing a large calendar without holding it.

    With ``invitation``, also hands it each conversation's ``(file name, invitation)`` (and each cancellation's)
    as :func:`invitations` makes them, so a run writing both renders each event once; an invitation needs the
    organiser, as there.
    """
    events = _Events(schedule, _organiser(organiser, coordinator) if organiser or invitation else None, directory)
    request = events.head("REQUEST", True) if invitation is not None else b""
    yield events.head("PUBLISH", any(r.groups for r in schedule.rounds))
    for round_ in schedule.rounds:
        for index, group in enumerate(round_.groups, start=1):
            event = events.event(round_, group)
            if invitation is not None:
                invitation(file_name(round_, index, "ics"), request + event + _END)
            yield event
    cancel = events.head("CANCEL", False) if invitation is not None else b""
    for name, entry, whole in cancellation_file_names(schedule):  # then what earlier plans sent that this cancels
        send = invitation is not None and events.reachable(entry)
        if not whole and not send:
            continue
        event = events.cancellation(entry, whole)
        if send and invitation is not None:
            invitation(name + ".ics", cancel + event + _END)
        if whole:  # an entry that goes on for others is in this calendar as it is now
            yield event
    yield _END


def schedule_ics(schedule: Schedule, *, organiser: str | None = None, coordinator: str = "",
                 directory: Directory | None = None) -> bytes:
    """Every conversation of every round in one ``METHOD:PUBLISH`` calendar.

    ``organiser`` is ``"Name <address>"`` or a bare address; without a name, ``coordinator`` names it.  Raises
    :class:`UnusableAddress` for an email that is not a plain address (see :mod:`peermatch.outputs.contacts`).
    """
    return b"".join(schedule_ics_parts(schedule, organiser=organiser, coordinator=coordinator, directory=directory))


def invitation_ics(schedule: Schedule, round_: Round, group: ScheduledGroup, *, organiser: str | None,
                   coordinator: str = "") -> bytes:
    """One conversation as a ``METHOD:REQUEST`` invitation, same UID, SEQUENCE and DTSTAMP as in :func:`schedule_ics`.

    An invitation needs an ORGANIZER (RFC 5546) for replies to go to: a missing or unusable ``organiser`` raises
    :class:`UnusableAddress` (exit 78) rather than writing an invitation nobody can answer.
    """
    events = _Events(schedule, _organiser(organiser, coordinator), None)
    return events.head("REQUEST", True) + events.event(round_, group) + _END


def invitations(schedule: Schedule, organiser: str | None, *, coordinator: str = "",
                directory: Directory | None = None) -> Iterator[tuple[str, bytes]]:
    """``("round-01-group-003.ics", invitation)`` for every conversation, in schedule order, one at a time; then
    ``("round-01-cancelled-001.ics", cancellation)`` for each entry the schedule cancels and
    ``("round-01-uninvited-001.ics", cancellation)`` for each it takes people off (see :func:`cancellations`)."""
    events = _Events(schedule, _organiser(organiser, coordinator), directory)  # checks the organiser first
    head = events.head("REQUEST", True)
    for round_ in schedule.rounds:
        for index, group in enumerate(round_.groups, start=1):
            yield file_name(round_, index, "ics"), head + events.event(round_, group) + _END
    for name, _, _, cancellation in _cancellations(schedule, events):
        yield name + ".ics", cancellation


def cancellations(schedule: Schedule, organiser: str | None, *, coordinator: str = "",
                  directory: Directory | None = None) -> Iterator[tuple[str, CancelledEntry, bool, bytes]]:
    """``(name, entry, whole, cancellation)`` for each cancellation of the schedule with someone still in the roster
    with an email to send it to: a ``METHOD:CANCEL`` calendar with the entry's UID and SEQUENCE (RFC 5546), for a
    whole cancelled entry or (not ``whole``) for the people taken off an entry.  ``name`` is the file name without
    its suffix (:func:`cancellation_file_names`).  Like an invitation, it needs an organiser."""
    return _cancellations(schedule, _Events(schedule, _organiser(organiser, coordinator), directory))


def _cancellations(schedule: Schedule, events: _Events) -> Iterator[tuple[str, CancelledEntry, bool, bytes]]:
    head = events.head("CANCEL", False)
    for name, entry, whole in cancellation_file_names(schedule):
        if events.reachable(entry):
            yield name, entry, whole, head + events.cancellation(entry, whole) + _END


def invitation_files(schedule: Schedule, organiser: str | None, *, coordinator: str = "",
                     directory: Directory | None = None) -> dict[str, bytes]:
    """``{"round-01-group-003.ics": invitation, ...}`` for every conversation, in schedule order."""
    return dict(invitations(schedule, organiser, coordinator=coordinator, directory=directory))

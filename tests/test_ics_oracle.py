"""peermatch writes calendar events itself, for speed: they must be the very bytes icalendar would write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, vCalAddress

from peermatch.models import Round, Schedule, ScheduledGroup
from peermatch.outputs.contacts import Directory, clean, clean_multiline
from peermatch.outputs.ics import (
    PRODID,
    conversation_summary,
    invitation_ics,
    local_end,
    local_start,
    london_timezone,
    place,
    schedule_ics,
)
from tests.factories import person, roster_of

# Names, places and prompts as rosters and configs bring them: any text, with the characters icalendar escapes,
# quotes or folds around (\ ; , : " ' ^ ’ and multi-byte letters) made likely.
TEXT = st.text(st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                         st.sampled_from('\\;,:"\'^’ éëŵ中\n\r\t')), max_size=90)


def calendar_address(address: str, name: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    if name:
        value.params["CN"] = name
    return value


def icalendar_bytes(schedule: Schedule, method: str, organiser: tuple[str, str] | None,
                    conversations: list[tuple[Round, ScheduledGroup]]) -> bytes:
    """The calendar as icalendar builds it from the same values: the reference peermatch's writer must match."""
    directory = Directory(schedule.roster.people)
    calendar = Calendar()
    for key, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"), ("method", method)):
        calendar.add(key, value)
    if conversations:
        years = [moment.year for r in schedule.rounds for moment in (local_start(r), local_end(schedule, r))]
        calendar.add_component(london_timezone(date(min(years), 1, 1), date(max(years) + 1, 1, 1)))
    for round_, group in conversations:
        members = directory.members(group.members)
        event = Event()
        event.add("uid", group.uid)
        event.add("dtstamp", group.stamp)
        event.add("dtstart", local_start(round_))
        event.add("dtend", local_end(schedule, round_))
        event.add("sequence", group.sequence)
        event.add("summary", conversation_summary(members))
        lines = ["A peer-learning conversation with:", *(f"- {m.line}" for m in members)]
        if group.table is not None:
            lines += ["", f"Table {group.table}"]
        if clean_multiline(round_.prompt):
            lines += ["", "To start you off:", clean_multiline(round_.prompt)]
        event.add("description", "\n".join(lines))
        location = place(clean(schedule.location), group)
        if location:
            event.add("location", location)
        if organiser is not None:
            event.add("organizer", calendar_address(organiser[1], organiser[0]))
        for member in members:
            if member.address is not None:
                attendee = calendar_address(member.address, member.name)
                attendee.params["ROLE"] = "REQ-PARTICIPANT"
                attendee.params["RSVP"] = "TRUE"
                event.add("attendee", attendee)
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


@settings(max_examples=60, deadline=None)
@given(names=st.lists(TEXT, min_size=3, max_size=3), professions=st.lists(TEXT, min_size=3, max_size=3),
       organisation=TEXT, location=TEXT, prompt=TEXT, organiser=TEXT, uid=TEXT, table=st.none() | st.integers(1, 999),
       sequence=st.integers(0, 50), minutes=st.integers(1, 600), emails=st.lists(st.booleans(), min_size=3, max_size=3))
def test_events_are_the_bytes_icalendar_writes(names: list[str], professions: list[str], organisation: str,
                                               location: str, prompt: str, organiser: str, uid: str,
                                               table: int | None, sequence: int, minutes: int,
                                               emails: list[bool]) -> None:
    people = roster_of(*(person(f"P{k}", "Band 6", professions[k], organisation, "", names[k],
                                f"p{k}@x.example" if emails[k] else "") for k in range(3)))
    stamp = datetime(2026, 12, 1, 10, 30, tzinfo=UTC) + timedelta(minutes=minutes)
    group = ScheduledGroup(("P0", "P1", "P2"), 300, (), table, uid, sequence=sequence, stamp=stamp)
    pair = ScheduledGroup(("P2", "P0"), 100, (), table, uid + "2", sequence=sequence + 1, stamp=stamp)
    winter = Round(1, "2027-01-11", datetime(2027, 1, 11, 9, 0), [group], [], prompt)
    summer = Round(2, "2027-07-12", datetime(2027, 7, 12, 14, 30), [pair], [], prompt + "\nAnd then?")
    schedule = Schedule(people, [winter, summer], minutes, location)
    name = clean(organiser)
    mailbox = f"{name.replace('<', '').replace('>', '')} <org@x.example>"
    expected_name = clean(mailbox.split("<")[0]).strip('"').strip()
    conversations = [(winter, group), (summer, pair)]
    assert schedule_ics(schedule) == icalendar_bytes(schedule, "PUBLISH", None, conversations)
    assert schedule_ics(schedule, organiser=mailbox) == icalendar_bytes(
        schedule, "PUBLISH", (expected_name, "org@x.example"), conversations)
    assert invitation_ics(schedule, summer, pair, organiser=mailbox) == icalendar_bytes(
        schedule, "REQUEST", (expected_name, "org@x.example"), [(summer, pair)])


def test_names_icalendar_quotes_or_escapes_are_written_as_it_writes_them() -> None:
    names = ["O'Brien", "Ng^Lee", 'Jo "JJ" Lo', "Zoë", "a,b", "x;y", "c:d", "Ann’s", "back\\slash" * 9, "é" * 40]
    people = roster_of(*(person(f"P{k}", "Band 6", "Nurse", "", "", name, f"p{k}@x.example")
                         for k, name in enumerate(names)))
    groups = [ScheduledGroup((f"P{k}", f"P{k + 1}"), 100, (), None, f"u{k}", stamp=datetime(2026, 12, 1, tzinfo=UTC))
              for k in range(0, len(names), 2)]
    january = Round(1, "2027-01-11", datetime(2027, 1, 11, 9, 0), groups, [], "Talk")
    schedule = Schedule(people, [january], 45, "")
    assert schedule_ics(schedule) == icalendar_bytes(schedule, "PUBLISH", None, [(january, g) for g in groups])

"""Calendar files: golden copies, times in GMT and BST, one VEVENT per conversation, no injected lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from peermatch.errors import PeermatchError
from peermatch.models import Person, Round, Schedule, ScheduledGroup
from peermatch.outputs.ics import (
    UnusableAddress,
    clean,
    invitation_files,
    invitation_ics,
    london_timezone,
    schedule_ics,
)
from tests.factories import person, roster_of
from tests.golden import Golden

LONDON = ZoneInfo("Europe/London")
ORGANISER = "Pat Coordinator <pat@council.example>"


def sample_schedule(*extra: Person, location: str = "Civic Centre", name: str = "Tom O’Brien",
                    email: str = "tom@council.example") -> Schedule:
    """Two rounds: a pair and a group of three on a January morning (GMT), two tables on a July afternoon (BST).

    ``name`` and ``email`` are those of A2, who meets someone in both rounds.
    """
    people = roster_of(
        person("007", "Band 6", "Nurse", "Northshire NHS", "Riverside", "Siân Jones", "sian@nhs.example"),
        person("A2", "Band 6", "Social Worker", "Northshire Council", "Riverside", name, email),
        person("A3", "Band 7", "GP", "Hillside Practice", "", "Zoë Adeyemi", "zoe@gp.example"),
        person("A4", "Band 7", "Work Coach", "DWP", "", "Ravi Patel", "ravi.patel@dwp.example"),
        person("A5", "Band 7", "Housing Officer", "Riverside Homes", "", "Mo Khan", ""),  # no email
        *extra,
    )
    january = Round(number=1, label="2027-01-11", starts=datetime(2027, 1, 11, 9, 0), groups=[
        ScheduledGroup(("007", "A2"), 180, ("same level (Band 6)",), None, "a1b2c3@peermatch"),
        ScheduledGroup(("A3", "A4", "A5"), 360, ("same level (Band 7)",), None, "d4e5f6@peermatch"),
    ], unmatched=[], prompt="Tell each other about a case where a hand-off between your services went wrong.")
    july = Round(number=2, label="2027-07-12", starts=datetime(2027, 7, 12, 14, 30), groups=[
        ScheduledGroup(("A2", "A3"), 100, ("one level apart",), 1, "0718aa@peermatch"),
        ScheduledGroup(("007", "A4"), 100, ("one level apart",), 2, "0718bb@peermatch"),
    ], unmatched=["A5"], prompt="What do you wish the other's profession knew?\nAnd what would you change?")
    return Schedule(roster=people, rounds=[january, july], duration_minutes=45, location=location)


def events(data: bytes) -> list:  # type: ignore[type-arg]
    return Calendar.from_ical(data).walk("VEVENT")


def attendees(event) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = event.get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    return [(str(a.params.get("CN", "")), str(a)) for a in found]


def test_schedule_ics_matches_golden_copy(golden: Golden) -> None:
    golden.check("schedule.ics", schedule_ics(sample_schedule(), organiser=ORGANISER))


def test_invitation_ics_matches_golden_copy(golden: Golden) -> None:
    schedule = sample_schedule()
    round_ = schedule.rounds[0]
    golden.check("invitation.ics", invitation_ics(schedule, round_, round_.groups[1], organiser=ORGANISER))


def test_schedule_ics_parses_back_with_one_event_per_conversation() -> None:
    data = schedule_ics(sample_schedule(), organiser=ORGANISER)
    calendar = Calendar.from_ical(data)
    assert (str(calendar["PRODID"]), str(calendar["VERSION"])) == ("-//peermatch//peermatch//EN", "2.0")
    assert (str(calendar["CALSCALE"]), str(calendar["METHOD"])) == ("GREGORIAN", "PUBLISH")
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert calendar.get_missing_tzids() == set()
    found = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in found] == ["a1b2c3@peermatch", "d4e5f6@peermatch", "0718aa@peermatch",
                                              "0718bb@peermatch"]
    for event in found:
        assert event.start.tzinfo is not None and event.start.tzname() in ("GMT", "BST")
        assert b"DTSTART;TZID=Europe/London:" in event.to_ical()
        assert event.end - event.start == timedelta(minutes=45)
        stamp = event.DTSTAMP
        assert stamp == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)  # the first start, not the clock
        assert str(event["ORGANIZER"]) == "mailto:pat@council.example"
        assert event["ORGANIZER"].params["CN"] == "Pat Coordinator"


def test_winter_event_is_gmt_and_summer_event_is_bst() -> None:
    january, _, july, _ = events(schedule_ics(sample_schedule()))
    assert january.start.utcoffset() == timedelta(0)
    assert january.start.astimezone(UTC) == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert july.start.utcoffset() == timedelta(hours=1)
    assert july.start.astimezone(UTC) == datetime(2027, 7, 12, 13, 30, tzinfo=UTC)
    assert july.end.astimezone(UTC) == datetime(2027, 7, 12, 14, 15, tzinfo=UTC)


def test_vtimezone_onsets_are_the_real_clock_changes() -> None:
    # RFC 5545: an observance starts at DTSTART read in TZOFFSETFROM; check each one against zoneinfo.
    timezone = london_timezone(date(2026, 1, 1), date(2029, 1, 1))
    changes = 0
    for observance in timezone.subcomponents:
        before, after = observance.TZOFFSETFROM, observance.TZOFFSETTO
        onsets = [observance.DTSTART] + [d[0] for d in observance.rdates]
        for onset in onsets:
            instant = (onset - before).replace(tzinfo=UTC)
            assert instant.astimezone(LONDON).utcoffset() == after
            if before != after:
                changes += 1
                assert (instant - timedelta(seconds=1)).astimezone(LONDON).utcoffset() == before
    assert changes == 6  # spring and autumn in 2026, 2027 and 2028


def test_every_member_with_an_email_is_an_attendee() -> None:
    pair, trio, *_ = events(schedule_ics(sample_schedule()))
    assert attendees(pair) == [("Siân Jones", "mailto:sian@nhs.example"), ("Tom O’Brien", "mailto:tom@council.example")]
    assert attendees(trio) == [("Zoë Adeyemi", "mailto:zoe@gp.example"),
                               ("Ravi Patel", "mailto:ravi.patel@dwp.example")]
    for attendee in pair["ATTENDEE"]:
        assert (attendee.params["ROLE"], attendee.params["RSVP"]) == ("REQ-PARTICIPANT", "TRUE")
    assert "ORGANIZER" not in pair  # no organiser given


def test_summary_description_and_location() -> None:
    pair, trio, table_one, _ = events(schedule_ics(sample_schedule()))
    assert str(pair["SUMMARY"]) == "Peer learning: Nurse × Social Worker"
    assert str(trio["SUMMARY"]) == "Peer learning: GP × Work Coach × Housing Officer"
    description = str(trio["DESCRIPTION"])
    assert "- Mo Khan, Housing Officer, Riverside Homes" in description  # named, though without an email
    assert "hand-off between your services went wrong" in description
    assert "@" not in description  # emails stay in ATTENDEE lines
    assert str(pair["LOCATION"]) == "Civic Centre"
    assert str(table_one["LOCATION"]) == "Civic Centre, table 1"
    assert "Table 1" in str(table_one["DESCRIPTION"])
    assert "And what would you change?" in str(table_one["DESCRIPTION"])  # a prompt over two lines


def test_no_location_and_no_table_means_no_location_line() -> None:
    pair, *_, table_two = events(schedule_ics(sample_schedule(location="")))
    assert "LOCATION" not in pair
    assert str(table_two["LOCATION"]) == "Table 2"


def test_same_schedule_gives_identical_bytes() -> None:
    first = schedule_ics(sample_schedule(), organiser=ORGANISER)
    assert schedule_ics(sample_schedule(), organiser=ORGANISER) == first
    assert invitation_files(sample_schedule(), ORGANISER) == invitation_files(sample_schedule(), ORGANISER)


def test_invitations_are_one_request_per_conversation() -> None:
    files = invitation_files(sample_schedule(), ORGANISER)
    assert list(files) == ["round-01-group-001.ics", "round-01-group-002.ics", "round-02-group-001.ics",
                           "round-02-group-002.ics"]
    calendar = Calendar.from_ical(files["round-02-group-002.ics"])
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"]) == ("0718bb@peermatch", 0)
    assert event["ORGANIZER"] == "mailto:pat@council.example"
    assert [address for _, address in attendees(event)] == ["mailto:sian@nhs.example", "mailto:ravi.patel@dwp.example"]
    assert event.start.utcoffset() == timedelta(hours=1)


def test_a_name_cannot_add_an_attendee_or_a_line() -> None:
    data = schedule_ics(sample_schedule(name="Jo\r\nATTENDEE:mailto:evil@x\nX-EVIL:1\x00\u2028"),
                        organiser=ORGANISER)
    pair = events(data)[0]
    assert attendees(pair) == [("Siân Jones", "mailto:sian@nhs.example"),
                               ("Jo ATTENDEE:mailto:evil@x X-EVIL:1", "mailto:tom@council.example")]
    unfolded = data.replace(b"\r\n ", b"").split(b"\r\n")
    assert not any(line.startswith((b"ATTENDEE:", b"X-EVIL")) for line in unfolded)
    assert sum(line.startswith(b"ATTENDEE") for line in unfolded) == 2 + 2 + 2 + 2  # per event, as intended
    assert b"\x00" not in data


@pytest.mark.parametrize("email", [
    "tom@council.example\r\nATTENDEE:mailto:evil@x", "tom@council.example\nX: y", "tom @council.example",
    "tom@council.example,evil@x", "tom@council.example;evil@x", "Tom <tom@council.example>", "tom",
    "tom@@council.example", "töm@council.example", "tom@council.example\x00", '"tom"@council.example',
    "tom@council.example:x",
])
def test_an_unusable_email_is_refused_naming_the_person_not_the_address(email: str) -> None:
    with pytest.raises(UnusableAddress) as caught:
        schedule_ics(sample_schedule(email=email))
    assert caught.value.person_id == "A2"
    assert str(caught.value).startswith("row 2 (id A2): the email address ") and "tom" not in str(caught.value)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, PeermatchError)
    assert caught.value.exit_code == 65  # a roster problem, reported like one by the CLI
    with pytest.raises(UnusableAddress):
        invitation_files(sample_schedule(email=email), ORGANISER)


@pytest.mark.parametrize("organiser", ["pat@council.example\r\nATTENDEE:mailto:evil@x", "Pat <pat>", "<>", "",
                                       "  ", None])
def test_an_unusable_or_missing_organiser_is_refused(organiser: str | None) -> None:
    with pytest.raises(UnusableAddress) as caught:
        invitation_files(sample_schedule(), organiser)
    assert caught.value.person_id is None and "organiser_email" in str(caught.value)
    assert caught.value.exit_code == 78  # a configuration problem
    if organiser and organiser.strip():
        with pytest.raises(UnusableAddress):
            schedule_ics(sample_schedule(), organiser=organiser)


def test_an_id_that_is_the_email_is_not_repeated_in_the_error() -> None:
    email = "tom@council.example\r\nX: y"
    schedule = sample_schedule(person("tom@council.example\r\nx: y", "Band 6", "GP", email=email, row=9))
    schedule.rounds[0].groups.append(ScheduledGroup((schedule.roster.people[-1].id,), 0, (), None, "x@peermatch"))
    with pytest.raises(UnusableAddress) as caught:
        schedule_ics(schedule)
    assert str(caught.value).startswith("row 9: ") and "tom" not in str(caught.value)
    assert "\r" not in str(caught.value) and "\n" not in str(caught.value)


def test_a_bare_organiser_address_is_enough() -> None:
    event = events(schedule_ics(sample_schedule(), organiser="pat@council.example"))[0]
    assert str(event["ORGANIZER"]) == "mailto:pat@council.example" and "CN" not in event["ORGANIZER"].params


def test_empty_schedule_is_an_empty_calendar() -> None:
    schedule = Schedule(roster=roster_of(), rounds=[], duration_minutes=45, location="")
    calendar = Calendar.from_ical(schedule_ics(schedule))
    assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE") == []


@pytest.mark.parametrize(("raw", "shown"), [
    ("Jo\r\nSmith", "Jo Smith"), ("Jo\tSmith", "Jo Smith"), ("\x1b[31mJo", "[31mJo"), ("Jo\u2028Smith", "Jo Smith"),
    ("evil\u202egpj.exe", "evil gpj.exe"), ("Siân  O’Brien ", "Siân O’Brien"),
])
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown

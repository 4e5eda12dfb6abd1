"""A cancelled conversation in the files: the programme calendar, the invitations folder and the emails folder."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event
from typer.testing import CliRunner

import peermatch.cli.schedule as schedule_command
from peermatch.cli.app import app
from peermatch.models import CancelledEntry, Round, Schedule
from peermatch.outputs.cancellations import cancellation_emails
from peermatch.outputs.contacts import Directory, clean
from peermatch.outputs.ics import (
    CANCELLED_DESCRIPTION,
    CANCELLED_SUMMARY,
    PRODID,
    UNINVITED_DESCRIPTION,
    cancellations,
    invitation_files,
    schedule_ics,
)
from tests.factories import person, roster_of
from tests.golden import Golden
from tests.test_cancellations import LABEL, PEOPLE, STARTS, T0, T1, T2, plan, run_at
from tests.test_ics_oracle import TEXT, calendar_address

ORGANISER = "Pat Smith <peer.learning@example.org>"


@pytest.fixture
def replanned(tmp_path: Path) -> tuple[Schedule, Schedule, Path]:
    """AB, CD, EF planned; then D leaves, CE takes over CD's entry (without D) and EF's is cancelled."""
    history = tmp_path / "h.sqlite"
    run_at(history, plan("AB", "CD", "EF"), T0)
    return run_at(history, plan("AB", "CE"), T1), plan("AB", "CE"), history


def events(data: bytes) -> dict[str, Event]:
    return {str(event["UID"]): event for event in Calendar.from_ical(data).walk("VEVENT")}


def test_the_programme_calendar_holds_the_cancelled_entry(replanned: tuple[Schedule, Schedule, Path]) -> None:
    second, again, history = replanned
    ef = second.rounds[0].cancelled[0].uid
    found = events(schedule_ics(second, organiser=ORGANISER))
    assert len(found) == 3 and [str(e.get("STATUS", "")) for e in found.values()] == ["", "", "CANCELLED"]
    cancelled = found[ef]
    assert (cancelled["SEQUENCE"], cancelled.DTSTAMP) == (1, T1)
    # January: 09:00 in London is 09:00 UTC, for the 45 minutes the invitation gave.
    starts, ends = datetime(2027, 1, 11, 9, 0, tzinfo=UTC), datetime(2027, 1, 11, 9, 45, tzinfo=UTC)
    given_times = cancelled.DTSTART, cancelled.DTEND
    assert given_times == (starts, ends)
    assert sorted(map(str, cancelled["ATTENDEE"])) == ["mailto:e@x.example", "mailto:f@x.example"]
    assert "RSVP" not in cancelled["ATTENDEE"][0].params  # nothing to answer
    # Planned again, unchanged, later: the same bytes, cancellation and all.
    third = run_at(history, again, T2)
    assert schedule_ics(third, organiser=ORGANISER) == schedule_ics(second, organiser=ORGANISER)


def test_the_invitations_folder_gets_a_cancellation_per_cancelled_entry(
        replanned: tuple[Schedule, Schedule, Path], golden: Golden) -> None:
    second, _, _ = replanned
    files = invitation_files(second, ORGANISER)
    assert list(files) == ["round-01-group-001.ics", "round-01-group-002.ics", "round-01-cancelled-001.ics",
                           "round-01-uninvited-001.ics"]
    calendar = Calendar.from_ical(files["round-01-cancelled-001.ics"])
    assert str(calendar["METHOD"]) == "CANCEL" and b"METHOD:REQUEST" in files["round-01-group-002.ics"]
    (event,) = calendar.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"], str(event["STATUS"])) == (
        second.rounds[0].cancelled[0].uid, 1, "CANCELLED")
    assert str(event["ORGANIZER"]) == "mailto:peer.learning@example.org"
    golden.check("cancellation.ics", files["round-01-cancelled-001.ics"])
    # D is still in this roster: CD's entry, now CE's, is cancelled for D alone, at its new SEQUENCE, no STATUS.
    (taken_off,) = Calendar.from_ical(files["round-01-uninvited-001.ics"]).walk("VEVENT")
    assert (str(taken_off["UID"]), taken_off["SEQUENCE"], str(taken_off["ATTENDEE"])) == (
        second.rounds[0].groups[1].uid, 1, "mailto:d@x.example")
    assert "STATUS" not in taken_off and "no longer in this" in str(taken_off["DESCRIPTION"])
    assert taken_off["UID"] in events(schedule_ics(second)) and len(events(schedule_ics(second))) == 3

def test_an_entry_nobody_in_the_roster_can_be_sent_has_no_file_but_stays_in_the_calendar() -> None:
    entry = CancelledEntry("gone@peermatch", ("X", "Y"), 2, T1, STARTS, 45)  # X and Y have left
    nobody = Schedule(PEOPLE, [Round(1, LABEL, STARTS, [], [], "", cancelled=[entry])], 45, "")
    assert list(invitation_files(nobody, ORGANISER)) == []
    assert list(cancellation_emails(nobody, sender=ORGANISER)) == []
    assert str(events(schedule_ics(nobody))["gone@peermatch"]["STATUS"]) == "CANCELLED"
    # Someone still there, without an email, is named nowhere either: there is no address to send it to.
    quiet = roster_of(person("X", name="Xan"))
    assert list(invitation_files(Schedule(quiet, nobody.rounds, 45, ""), ORGANISER)) == []


@settings(max_examples=25, deadline=None)
@given(names=st.lists(TEXT, min_size=2, max_size=2), organiser=TEXT, sequence=st.integers(1, 40), whole=st.booleans())
def test_a_cancellation_is_the_bytes_icalendar_would_write(names: list[str], organiser: str, sequence: int,
                                                           whole: bool) -> None:
    people = roster_of(*(person(pid, name=name, email=f"{pid.lower()}@x.example") for pid, name in zip("AB", names,
                                                                                                       strict=True)))
    july = datetime(2027, 7, 5, 14, 30)  # summer time: 13:30 UTC
    entry = CancelledEntry("7c0ffee@peermatch", ("A", "B", "C"), sequence, T1, july, 50)  # C has left
    kind = {"cancelled": [entry]} if whole else {"uninvited": [entry]}
    schedule = Schedule(people, [Round(3, "r", datetime(2027, 9, 1, 9, 0), [], [], "", **kind)], 45, "")
    ((name, _, written_whole, written),) = cancellations(schedule, "peer.learning@example.org", coordinator=organiser)
    assert (name, written_whole) == (f"round-03-{'cancelled' if whole else 'uninvited'}-001", whole)
    directory = Directory(people.people)
    reference = Calendar()
    for key, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"), ("method", "CANCEL")):
        reference.add(key, value)
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", T1)
    event.add("dtstart", datetime(2027, 7, 5, 13, 30, tzinfo=UTC))
    event.add("dtend", datetime(2027, 7, 5, 14, 20, tzinfo=UTC))
    event.add("sequence", sequence)
    event.add("summary", CANCELLED_SUMMARY)
    event.add("description", CANCELLED_DESCRIPTION if whole else UNINVITED_DESCRIPTION)
    if whole:  # taking people off an entry that goes on says no STATUS (RFC 5546 3.2.5)
        event.add("status", "CANCELLED")
    # An organiser address without a name is named by the coordinator's first line.
    first_line = organiser.strip().splitlines()[0] if organiser.strip() else ""
    event.add("organizer", calendar_address("peer.learning@example.org", clean(first_line)))
    for member in directory.present(entry.members):
        attendee = calendar_address(member.address or "", member.name)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        event.add("attendee", attendee)
    reference.add_component(event)
    assert written == reference.to_ical()


def test_the_cancellation_email_carries_the_cancel_calendar(replanned: tuple[Schedule, Schedule, Path],
                                                            golden: Golden) -> None:
    second, _, _ = replanned
    written = dict(cancellation_emails(second, sender=ORGANISER, coordinator="Pat Smith\nPeer-learning lead"))
    assert list(written) == ["round-01-cancelled-001.eml", "round-01-uninvited-001.eml"]
    data = written["round-01-cancelled-001.eml"]
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert (message["To"], message["From"]) == ("Person E <e@x.example>, Person F <f@x.example>",
                                                "Pat Smith <peer.learning@example.org>")
    assert message["Subject"] == "Cancelled: Peer learning conversation: Monday 11 January 2027 at 09:00"
    text, attachment = message.iter_parts()
    body = text.get_content().replace("\r\n", "\n")
    assert body.startswith("Hello Person E and Person F,\n\nThe peer-learning conversation planned for Monday 11 "
                           "January 2027 at 09:00 has been cancelled")
    assert body.endswith("Best wishes,\nPat Smith\nPeer-learning lead\n")
    assert (attachment.get_content_type(), attachment.get_param("method")) == ("text/calendar", "CANCEL")
    calendars = {name: calendar for name, _, _, calendar in cancellations(second, ORGANISER)}
    assert attachment.get_payload(decode=True) == calendars["round-01-cancelled-001"]
    golden.check("cancellation.eml", data)
    taken_off = email.message_from_bytes(written["round-01-uninvited-001.eml"], policy=email.policy.default)
    assert isinstance(taken_off, EmailMessage) and taken_off["To"] == "Person D <d@x.example>"
    text, attachment = taken_off.iter_parts()
    assert "has changed, and you are no longer in it" in text.get_content().replace("=\r\n", "")
    assert attachment.get_payload(decode=True) == calendars["round-01-uninvited-001"]
    assert taken_off["Message-ID"] != message["Message-ID"]


# -- the command ------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "integrated-care-roster.csv"
CONFIG = ROOT / "examples" / "peermatch.toml"


def attendees(event: Event) -> set[str]:
    found = event.get("ATTENDEE", [])
    return set(map(str, found if isinstance(found, list) else [found]))


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_rerun_without_someone_writes_their_cancellations_and_again_the_same_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = tmp_path / "h.sqlite"

    def schedule_at(moment: datetime, roster: Path, name: str, *extra: str) -> dict[str, object]:
        monkeypatch.setattr(schedule_command, "recording_time", lambda: moment)
        result = CliRunner().invoke(app, [
            "schedule", str(roster), "-c", str(CONFIG), "--rounds", "2", "--start", "2027-01-11", "--seed", "3",
            "--history", str(history), "--ics", str(tmp_path / f"{name}.ics"), "--ics-dir", str(tmp_path / name),
            "--eml-dir", str(tmp_path / f"{name}-eml"), "--format", "json", *extra])
        assert result.exit_code == 0, result.stderr
        summary: dict[str, object] = json.loads(result.stdout)["summary"]
        return summary

    schedule_at(T0, ROSTER, "first")
    assert not [name for name in folder_bytes(tmp_path / "first") if "cancelled" in name]
    lines = ROSTER.read_text(encoding="utf-8").splitlines(keepends=True)
    smaller = tmp_path / "roster.csv"
    smaller.write_text("".join(lines[:5] + lines[6:]), encoding="utf-8")  # one person leaves
    # With --intros, each email is made with its CSV row: the cancellations join them all the same.
    summary = schedule_at(T1, smaller, "later", "--intros", str(tmp_path / "intros.csv"))
    sent = events((tmp_path / "first.ics").read_bytes())
    now = events((tmp_path / "later.ics").read_bytes())
    cancelled = {uid for uid, event in now.items() if event.get("STATUS") == "CANCELLED"}
    # Every entry sent before is in the new calendar: updated, kept, or cancelled at its next SEQUENCE.
    assert set(sent) <= set(now) and cancelled == {uid for uid in sent if uid not in now or uid in cancelled}
    assert len(cancelled) == summary["calendar_entries_cancelled"] == summary["calendar_entries_cancelled_now"] > 0
    for uid in cancelled:
        assert (now[uid]["SEQUENCE"], now[uid].DTSTAMP) == (sent[uid]["SEQUENCE"] + 1, T1)
    invitations = {name: Calendar.from_ical(data) for name, data in folder_bytes(tmp_path / "later").items()
                   if "cancelled" in name}
    assert {str(c["METHOD"]) for c in invitations.values()} == {"CANCEL"}
    assert {str(c.walk("VEVENT")[0]["UID"]) for c in invitations.values()} == cancelled
    emails = [name for name in folder_bytes(tmp_path / "later-eml") if "cancelled" in name]
    assert sorted(emails) == sorted(name.replace(".ics", ".eml") for name in invitations)
    # Everyone who was sent an entry holds its latest version, updated, cancelled, or cancelled for them alone;
    # all but the one who left, who is not in the roster to send anything to.
    taken_off: dict[str, set[str]] = {}
    for name, data in folder_bytes(tmp_path / "later").items():
        if "uninvited" in name:
            (event,) = Calendar.from_ical(data).walk("VEVENT")
            taken_off.setdefault(str(event["UID"]), set()).update(attendees(event))
    assert taken_off and set(taken_off) <= set(now) - cancelled
    left = {"mailto:daniel.osei@riverside-housing.example"}
    assert all(attendees(event) <= attendees(now[uid]) | taken_off.get(uid, set()) | left
               for uid, event in sent.items())
    assert sum(map(len, taken_off.values())) <= int(str(summary["people_uninvited"]))
    # The same plan again, a day later: every file the same, to the byte.
    schedule_at(T2, smaller, "again")
    assert (tmp_path / "again.ics").read_bytes() == (tmp_path / "later.ics").read_bytes()
    assert folder_bytes(tmp_path / "again") == folder_bytes(tmp_path / "later")
    assert folder_bytes(tmp_path / "again-eml") == folder_bytes(tmp_path / "later-eml")

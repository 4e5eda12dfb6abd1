"""Calendar entries across reruns: SEQUENCE goes up when a conversation changes, DTSTAMP is when it was recorded."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

import peermatch.cli.schedule as schedule_command
from peermatch.cli.app import app
from peermatch.history.file import SCHEMA_VERSION
from peermatch.history.recording import carry_versions, record_schedule
from peermatch.history.store import History
from peermatch.models import Round, Schedule, ScheduledGroup, group_uid
from peermatch.outputs.ics import schedule_ics
from tests.factories import person, roster_of

ROOT = Path(__file__).resolve().parent.parent
LABEL = "2027-01-11"
T0, T1, T2 = (datetime(2026, 12, day, 10, 30, tzinfo=UTC) for day in (1, 2, 3))
PEOPLE = roster_of(*(person(pid, name=f"Person {pid}", email=f"{pid.lower()}@x.example") for pid in "ABCDEFG"))


def plan(*groups: str, location: str = "Civic Centre") -> Schedule:
    """One round of the given groups ("AB" is A with B), as the planner would hand it over."""
    scheduled = [ScheduledGroup(tuple(g), 100, ("same level",), None, group_uid(LABEL, tuple(g))) for g in groups]
    round_ = Round(1, LABEL, datetime(2027, 1, 11, 9, 0), scheduled, [], "Talk about a hand-off.")
    return Schedule(PEOPLE, [round_], 45, location)


def run_at(path: Path, schedule: Schedule, moment: datetime) -> Schedule:
    with History.open(path, write=True) as store:
        carried = carry_versions(store, schedule, moment)
        record_schedule(store, carried)
        store.commit()
    return carried


def versions(schedule: Schedule) -> list[tuple[str, str, int, datetime | None]]:
    return [("".join(g.members), g.uid, g.sequence, g.stamp) for g in schedule.rounds[0].groups]


def test_a_changed_group_updates_its_entry_and_the_others_keep_theirs(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD", "EF"), T0)
    ab, cd, ef = (g.uid for g in first.rounds[0].groups)
    assert versions(first) == [("AB", ab, 0, T0), ("CD", cd, 0, T0), ("EF", ef, 0, T0)]
    # D leaves and G joins: C's conversation is the one in C's calendar, updated, not a second one beside it.
    second = run_at(history, plan("AB", "CG", "EF"), T1)
    assert versions(second) == [("AB", ab, 0, T0), ("CG", cd, 1, T1), ("EF", ef, 0, T0)]
    # Rerunning the same plan later changes nothing, to the byte.
    third = run_at(history, plan("AB", "CG", "EF"), T2)
    assert versions(third) == versions(second)
    assert schedule_ics(third) == schedule_ics(second)


def test_the_calendar_file_carries_sequence_and_the_recorded_time(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    run_at(history, plan("AB", "CD", "EF"), T0)
    second = run_at(history, plan("AB", "CG", "EF"), T1)
    events = Calendar.from_ical(schedule_ics(second)).walk("VEVENT")
    assert [(e["SEQUENCE"], e.DTSTAMP) for e in events] == [(0, T0), (1, T1), (0, T0)]


def test_swapped_partners_take_over_the_entries_they_shared_most(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD", "EF"), T0)
    ab, cd, ef = (g.uid for g in first.rounds[0].groups)
    # AC shares one person with AB and one with CD: the earlier recorded group, AB, breaks the tie.
    second = run_at(history, plan("AC", "BD", "EF"), T1)
    assert versions(second) == [("AC", ab, 1, T1), ("BD", cd, 1, T1), ("EF", ef, 0, T0)]
    third = run_at(history, plan("AB", "CD", "EF"), T2)  # and back again: each entry moves on once more
    assert versions(third) == [("AB", ab, 2, T2), ("CD", cd, 2, T2), ("EF", ef, 0, T0)]


def test_a_new_place_changes_every_entry_and_strangers_get_a_new_one(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD"), T0)
    ab, cd = (g.uid for g in first.rounds[0].groups)
    second = run_at(history, plan("AB", "CD", "EF", location="Town Hall"), T1)
    assert versions(second) == [("AB", ab, 1, T1), ("CD", cd, 1, T1), ("EF", group_uid(LABEL, ("E", "F")), 0, T1)]


def test_a_group_nobody_left_in_gets_a_uid_no_calendar_holds(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    run_at(history, plan("AB", "CD"), T0)
    # AC takes over AB's entry; CD's entry goes to BD... and a later AB must not reuse the UID AC now holds.
    run_at(history, plan("AC", "BD"), T1)
    third = run_at(history, plan("EF", "AB"), T2)
    uids = [g.uid for g in third.rounds[0].groups]
    assert len(set(uids)) == 2
    with History.open(history, write=False) as store:
        assert {g.uid for g in store.calendar_versions(LABEL)} == set(uids)


def downgrade_to_version_one(path: Path) -> None:
    """Make the file a schema-1 history, as peermatch wrote them before SEQUENCE and DTSTAMP were kept."""
    with sqlite3.connect(path) as raw:
        for table in ("uninvited", "cancelled_members", "cancelled"):
            raw.execute(f"DROP TABLE {table}")
        for column in ("sequence", "stamp", "version"):
            raw.execute(f"ALTER TABLE groups DROP COLUMN {column}")
        raw.execute("UPDATE rounds SET recorded_at = '2026-12-01T10:30:00'")
        raw.execute("PRAGMA user_version = 1")
    raw.close()


@pytest.mark.skipif(sqlite3.sqlite_version_info < (3, 35), reason="DROP COLUMN needs SQLite 3.35")
def test_a_history_from_before_versions_opens_and_is_brought_up_to_date(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD"), T0)
    downgrade_to_version_one(history)
    expected = [(g.members, g.uid, 0, "2026-12-01T10:30:00Z", "") for g in first.rounds[0].groups]
    with History.open(history, write=False) as store:  # read as it is
        assert [(g.members, g.uid, g.sequence, g.stamp, g.version) for g in store.calendar_versions(LABEL)] == expected
    second = run_at(history, plan("AB", "CE"), T1)  # the first run that records migrates the file
    assert [(g.sequence, g.stamp) for g in second.rounds[0].groups] == [(0, T0), (1, T1)]
    with sqlite3.connect(history) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    raw.close()


# -- the command ------------------------------------------------------------------------------------------------

ROSTER = ROOT / "examples" / "integrated-care-roster.csv"
CONFIG = ROOT / "examples" / "peermatch.toml"


def schedule_at(monkeypatch: pytest.MonkeyPatch, moment: datetime, roster: Path, history: Path, ics: Path,
                *extra: str) -> None:
    monkeypatch.setattr(schedule_command, "recording_time", lambda: moment)
    result = CliRunner().invoke(app, ["schedule", str(roster), "-c", str(CONFIG), "--rounds", "2", "--start",
                                      "2027-01-11", "--seed", "3", "--history", str(history), "--ics", str(ics),
                                      "--quiet", *extra])
    assert result.exit_code == 0, result.stderr


def entries(path: Path) -> dict[str, tuple[int, datetime, Sequence[str], str]]:
    found = {}
    for event in Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
        attendees = event.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        found[str(event["UID"])] = (event["SEQUENCE"], event.DTSTAMP, sorted(map(str, attendees)),
                                    str(event["DESCRIPTION"]))
    return found


def test_rerunning_schedule_keeps_the_file_and_a_changed_roster_moves_only_what_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = tmp_path / "h.sqlite"
    schedule_at(monkeypatch, T0, ROSTER, history, tmp_path / "first.ics")
    schedule_at(monkeypatch, T1, ROSTER, history, tmp_path / "again.ics")
    assert (tmp_path / "again.ics").read_bytes() == (tmp_path / "first.ics").read_bytes()
    assert b"ORGANIZER;CN=\"Priya Natarajan, Northshire ICS peer-learning lead\":mailto:" in (
        tmp_path / "first.ics").read_bytes().replace(b"\r\n ", b"")
    # Someone leaves: drop their row and plan the same rounds again.
    lines = ROSTER.read_text(encoding="utf-8").splitlines(keepends=True)
    smaller = tmp_path / "roster.csv"
    smaller.write_text("".join(lines[:5] + lines[6:]), encoding="utf-8")
    schedule_at(monkeypatch, T2, smaller, history, tmp_path / "later.ics")
    before, after = entries(tmp_path / "first.ics"), entries(tmp_path / "later.ics")
    kept = changed = 0
    for uid, (sequence, stamp, attendees, description) in after.items():
        if uid not in before:
            assert (sequence, stamp) == (0, T2)
        elif before[uid][2:] == (attendees, description):
            assert (sequence, stamp) == before[uid][:2] == (0, T0)
            kept += 1
        else:
            assert (sequence, stamp) == (1, T2)
            changed += 1
    assert kept and changed

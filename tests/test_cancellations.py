"""Conversations a rerun no longer has: their calendar entries are cancelled, remembered, and can come back."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

import peermatch.cli.schedule as schedule_command
from peermatch.cli.app import app
from peermatch.history.cancellations import RecordedCancellation
from peermatch.history.file import SCHEMA_VERSION
from peermatch.history.rounds import RecordedGroup
from peermatch.history.store import History
from peermatch.models import CancelledEntry, Round, Schedule, ScheduledGroup, group_uid
from tests.factories import person, roster_of
from tests.test_calendar_updates import run_at, versions

LABEL = "2027-01-11"
STARTS = datetime(2027, 1, 11, 9, 0)
T0, T1, T2, T3 = (datetime(2026, 12, day, 10, 30, tzinfo=UTC) for day in (1, 2, 3, 4))
SECRET = "ZQX-SECRET-7741"
PEOPLE = roster_of(*(person(pid, name=f"Person {pid}", email=f"{pid.lower()}@x.example") for pid in "ABCDEFGH"))


def plan(*groups: str, starts: datetime = STARTS) -> Schedule:
    """One round of the given groups ("AB" is A with B), as the planner would hand it over."""
    scheduled = [ScheduledGroup(tuple(g), 100, ("same level",), None, group_uid(LABEL, tuple(g))) for g in groups]
    return Schedule(PEOPLE, [Round(1, LABEL, starts, scheduled, [], "Talk about a hand-off.")], 45, "Civic Centre")


entries = versions  # each conversation's members, UID, SEQUENCE and DTSTAMP


def test_a_conversation_nobody_takes_over_is_cancelled_and_stays_cancelled(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD", "EF"), T0)
    ab, cd, ef = (g.uid for g in first.rounds[0].groups)
    assert first.rounds[0].cancelled == [] and first.summary["calendar_entries_cancelled"] == 0
    # D leaves.  CE shares one person with CD and one with EF: the earlier recorded group, CD, breaks the tie, so
    # EF's entry is taken over by nobody: E and F still have it in their calendars, and it is cancelled.
    second = run_at(history, plan("AB", "CE"), T1)
    assert entries(second) == [("AB", ab, 0, T0), ("CE", cd, 1, T1)]
    assert second.rounds[0].cancelled == [CancelledEntry(ef, ("E", "F"), 1, T1, STARTS, 45)]
    assert (second.summary["calendar_entries_cancelled"], second.summary["calendar_entries_cancelled_now"]) == (1, 1)
    # D had CD's entry too: CE's updated invitation goes to C and E, so D is sent the entry's cancellation.
    assert second.rounds[0].uninvited == [CancelledEntry(cd, ("D",), 1, T1, STARTS, 45)]
    assert (second.summary["people_uninvited"], second.summary["people_uninvited_now"]) == (1, 1)
    # The same plan again, later: the cancellation is remembered exactly as it was, not dropped or moved on.
    third = run_at(history, plan("AB", "CE"), T2)
    assert entries(third) == entries(second) and third.rounds == second.rounds
    assert (third.summary["calendar_entries_cancelled"], third.summary["calendar_entries_cancelled_now"]) == (1, 0)
    assert (third.summary["people_uninvited"], third.summary["people_uninvited_now"]) == (1, 0)


def test_the_same_people_together_again_take_their_cancelled_entry_back(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD", "EF"), T0)
    ab, cd, ef = (g.uid for g in first.rounds[0].groups)
    run_at(history, plan("AB", "CE"), T1)  # EF cancelled at SEQUENCE 1
    # E and F meet again (and G joins C): their entry comes back at SEQUENCE 2 instead of a second one beside it.
    fourth = run_at(history, plan("AB", "CG", "EF"), T3)
    assert entries(fourth) == [("AB", ab, 0, T0), ("CG", cd, 2, T3), ("EF", ef, 2, T3)]
    assert fourth.rounds[0].cancelled == []
    # E leaves CD's entry for EF's: E is taken off it at its new SEQUENCE, and D stays off it as before.
    assert fourth.rounds[0].uninvited == [CancelledEntry(cd, ("D",), 1, T1, STARTS, 45),
                                          CancelledEntry(cd, ("E",), 2, T3, STARTS, 45)]
    with History.open(history, write=False) as store:
        assert store.cancelled_entries(LABEL) == []


def test_a_vanished_conversation_is_cancelled_at_the_time_it_was_sent_for(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD"), T0)
    moved = datetime(2027, 1, 18, 14, 0)
    # A round labelled by --round keeps its label when its date moves: the cancellation names the old time.
    second = run_at(history, plan("AB", starts=moved), T1)
    cd = first.rounds[0].groups[1].uid
    assert second.rounds[0].cancelled == [CancelledEntry(cd, ("C", "D"), 1, T1, STARTS, 45)]
    assert entries(second) == [("AB", first.rounds[0].groups[0].uid, 1, T1)]


def test_people_taken_off_an_entry_are_sent_its_cancellation_until_they_are_back_in_it(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD"), T0)
    ab, cd = (g.uid for g in first.rounds[0].groups)
    # Partners swap: AC takes over AB's entry (the tie goes to the earlier group) and BD over CD's.
    second = run_at(history, plan("AC", "BD"), T1)
    assert entries(second) == [("AC", ab, 1, T1), ("BD", cd, 1, T1)]
    assert second.rounds[0].uninvited == [CancelledEntry(ab, ("B",), 1, T1, STARTS, 45),
                                          CancelledEntry(cd, ("C",), 1, T1, STARTS, 45)]
    # And back: B and C are in the entries they were taken off again, and C and B are now off the others.
    third = run_at(history, plan("AB", "CD"), T2)
    assert entries(third) == [("AB", ab, 2, T2), ("CD", cd, 2, T2)]
    assert third.rounds[0].uninvited == [CancelledEntry(ab, ("C",), 2, T2, STARTS, 45),
                                         CancelledEntry(cd, ("B",), 2, T2, STARTS, 45)]
    assert third.rounds[0].cancelled == []


def test_no_new_entry_takes_a_uid_that_a_cancelled_entry_holds(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD"), T0)
    ab = first.rounds[0].groups[0].uid
    run_at(history, plan("AC", "BD"), T1)  # AC takes over AB's entry (the tie goes to the earlier group)
    third = run_at(history, plan("EF"), T2)  # AC and BD are both cancelled; AC's holds the UID AB once had
    assert ab in {entry.uid for entry in third.rounds[0].cancelled}
    fourth = run_at(history, plan("AB", "EF"), T3)  # AB is not AC: a new entry, never the cancelled one's UID
    (new_ab, _), cancelled = fourth.rounds[0].groups, fourth.rounds[0].cancelled
    assert new_ab.sequence == 0 and new_ab.uid != ab
    assert ab in {entry.uid for entry in cancelled} and len(cancelled) == 2


@pytest.mark.parametrize("forget", [SECRET, "B", "C"])
def test_forget_person_takes_the_cancelled_entries_they_were_sent(tmp_path: Path, forget: str) -> None:
    history = tmp_path / "h.sqlite"
    people = roster_of(*(person(pid) for pid in ("A", "B", "C", SECRET)))

    def one_round(*groups: tuple[str, ...]) -> Schedule:
        scheduled = [ScheduledGroup(g, 1, (), None, group_uid(LABEL, g)) for g in groups]
        return Schedule(people, [Round(1, LABEL, STARTS, scheduled, [], "")], 45, "")

    run_at(history, one_round(("A", "B"), (SECRET, "C")), T0)
    run_at(history, one_round(("A", "C")), T1)  # AC takes over AB's entry, without B; SECRET's with C is cancelled
    with History.open(history, write=False) as store:
        assert [entry.members for entry in store.cancelled_entries(LABEL)] == [(SECRET, "C")]
        assert [entry.members for entry in store.uninvited_entries(LABEL)] == [("B",)]
    with History.open(history, write=True) as store:
        # One round each: C is in a group there and in the cancelled entry, SECRET only in the entry, B taken off.
        assert store.forget_person(forget) == 1
        # A cancelled entry goes altogether, whoever of its people is forgotten: its UID is made from their ids.
        assert [e.members for e in store.cancelled_entries(LABEL)] == ([(SECRET, "C")] if forget == "B" else [])
        assert [e.members for e in store.uninvited_entries(LABEL)] == ([] if forget == "B" else [("B",)])
        assert [g.members for g in store.calendar_versions(LABEL)] == ([] if forget == "C" else [("A", "C")])
        store.commit()
    if forget != "B":  # forgetting B leaves SECRET's cancelled entry, rightly
        assert SECRET.encode() not in history.read_bytes()


def test_forgetting_or_pruning_a_round_takes_its_cancelled_entries(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    run_at(history, plan("AB", "CD"), T0)
    run_at(history, plan("AB"), T1)
    with History.open(history, write=True) as store:
        store.prune_before("2027-02-01")
        store.commit()
    with sqlite3.connect(history) as raw:
        assert raw.execute("SELECT count(*) FROM cancelled").fetchone() == (0,)
        assert raw.execute("SELECT count(*) FROM cancelled_members").fetchone() == (0,)
    raw.close()


def test_recording_a_cancelled_entry_twice_or_also_planned_is_a_programming_error(tmp_path: Path) -> None:
    entry = RecordedCancellation("x@peermatch", ("A", "B"), 1, "2026-12-01T10:30:00Z", "2027-01-11T09:00", 45)
    group = RecordedGroup(("A", "B"), None, "x@peermatch", None)
    with History.open(tmp_path / "h.sqlite", write=True) as store:
        for groups, cancelled in (([], [entry, entry]), ([group], [entry]),
                                  ([], [RecordedCancellation("y", (), 1, entry.stamp, entry.starts, 45)])):
            with pytest.raises(ValueError, match="cancelled calendar entry"):
                store.record_round(LABEL, kind="schedule", starts=entry.starts, groups=groups, unmatched=[],
                                   profiles={}, cancelled=cancelled)


def downgrade(path: Path, version: int) -> None:
    """Make the file a history as peermatch wrote them before cancelled entries (2) or people taken off them (3)
    were kept."""
    with sqlite3.connect(path) as raw:
        for table in ("uninvited", *(("cancelled_members", "cancelled") if version == 2 else ())):
            raw.execute(f"DROP TABLE {table}")
        raw.execute(f"PRAGMA user_version = {version}")
    raw.close()


@pytest.mark.parametrize("version", [2, 3])
def test_a_history_from_before_cancellations_opens_and_is_brought_up_to_date(tmp_path: Path, version: int) -> None:
    history = tmp_path / "h.sqlite"
    first = run_at(history, plan("AB", "CD", "EF"), T0)
    downgrade(history, version)
    with History.open(history, write=False) as store:  # read as it is: nothing cancelled, nothing changed
        assert store.cancelled_entries(LABEL) == [] and store.uninvited_entries(LABEL) == []
        assert [g.uid for g in store.calendar_versions(LABEL)] == [g.uid for g in first.rounds[0].groups]
    with sqlite3.connect(history) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (version,)
    raw.close()
    second = run_at(history, plan("AB", "CE"), T1)  # the first run that records migrates the file
    _, cd, ef = (g.uid for g in first.rounds[0].groups)
    assert second.rounds[0].cancelled == [CancelledEntry(ef, ("E", "F"), 1, T1, STARTS, 45)]
    assert second.rounds[0].uninvited == [CancelledEntry(cd, ("D",), 1, T1, STARTS, 45)]
    with sqlite3.connect(history) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,) == (4,)
    raw.close()
    assert run_at(history, plan("AB", "CE"), T2).rounds == second.rounds


# -- over any sequence of reruns --------------------------------------------------------------------------------

# A plan: some of A..H in groups of two or three (the rest left the roster or sit out).
plans = st.permutations("ABCDEFGH").flatmap(lambda order: st.lists(
    st.integers(2, 3), max_size=4).map(lambda sizes: _cut(order, sizes)))


def _cut(order: list[str], sizes: list[int]) -> list[str]:
    groups, at = [], 0
    for size in sizes:
        if at + size <= len(order):
            groups.append("".join(order[at:at + size]))
            at += size
    return groups


@settings(max_examples=25, deadline=None)
@given(st.lists(plans, min_size=1, max_size=4))
def test_an_entry_once_sent_is_never_lost_and_a_rerun_changes_nothing(sequence: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "h.sqlite"
        sent: dict[str, set[str]] = {}  # UID -> everyone any version of the entry was sent to
        for k, groups in enumerate(sequence):
            carried = run_at(history, plan(*groups), datetime(2026, 12, 1, 10, k, tzinfo=UTC))
            round_ = carried.rounds[0]
            live = [g.uid for g in round_.groups]
            cancelled = [entry.uid for entry in round_.cancelled]
            # Every entry ever sent is either still planned or cancelled; none is both, none twice.
            assert len(set(live + cancelled)) == len(live) + len(cancelled)
            assert set(sent) <= set(live + cancelled)
            # And everyone who was sent it holds its latest version: in the conversation, or cancelled for them.
            holds: dict[str, set[str]] = {}
            for entry in [*round_.groups, *round_.cancelled, *round_.uninvited]:
                holds.setdefault(entry.uid, set()).update(entry.members)
            assert all(people <= holds[uid] for uid, people in sent.items())
            for group in round_.groups:
                sent.setdefault(group.uid, set()).update(group.members)
            # A cancelled entry was sent to its people and no plan holds exactly them now.
            assert {frozenset(e.members) for e in round_.cancelled}.isdisjoint(frozenset(g) for g in groups)
            again = run_at(history, plan(*groups), datetime(2026, 12, 2, 10, k, tzinfo=UTC))
            assert again.rounds == carried.rounds


# -- the command ------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "integrated-care-roster.csv"
CONFIG = ROOT / "examples" / "peermatch.toml"


def schedule_at(monkeypatch: pytest.MonkeyPatch, moment: datetime, roster: Path, history: Path,
                *extra: str) -> Result:
    monkeypatch.setattr(schedule_command, "recording_time", lambda: moment)
    result = CliRunner().invoke(app, ["schedule", str(roster), "-c", str(CONFIG), "--rounds", "2", "--start",
                                      "2027-01-11", "--seed", "3", "--history", str(history), *extra])
    assert result.exit_code == 0, result.stderr
    return result


def test_schedule_counts_the_cancelled_entries_and_says_so_in_one_line(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    history = tmp_path / "h.sqlite"
    first = schedule_at(monkeypatch, T0, ROSTER, history, "--format", "json")
    assert json.loads(first.stdout)["summary"]["calendar_entries_cancelled"] == 0
    with History.open(history, write=False) as store:
        sent = {label: {g.uid for g in store.calendar_versions(label)} for label in ("2027-01-11", "2027-01-25")}
    # Someone leaves: their partner is paired again, and some conversations are now in nobody's plan.
    lines = ROSTER.read_text(encoding="utf-8").splitlines(keepends=True)
    smaller = tmp_path / "roster.csv"
    smaller.write_text("".join(lines[:5] + lines[6:]), encoding="utf-8")
    later = schedule_at(monkeypatch, T1, smaller, history, "--format", "json")
    with History.open(history, write=False) as store:
        gone = {label: uids - {g.uid for g in store.calendar_versions(label)} for label, uids in sent.items()}
        assert {label: {e.uid for e in store.cancelled_entries(label)} for label in sent} == gone
    count = sum(map(len, gone.values()))
    assert count > 0
    data = json.loads(later.stdout)
    summary = data["summary"]
    assert (summary["calendar_entries_cancelled"], summary["calendar_entries_cancelled_now"]) == (count, count)
    # Each round lists them, ids only, as the history holds them.
    with History.open(history, write=False) as store:
        for rnd in data["rounds"]:
            assert rnd["cancelled"] == [{"uid": e.uid, "members": list(e.members), "sequence": e.sequence}
                                        for e in store.cancelled_entries(rnd["label"])]
            assert rnd["uninvited"] == [{"uid": e.uid, "members": list(e.members), "sequence": e.sequence}
                                        for e in store.uninvited_entries(rnd["label"])]
    table = schedule_at(monkeypatch, T2, smaller, history).stdout
    assert [line.split(None, 1)[1].rstrip() for line in table.splitlines() if line.startswith("Cancelled")] == [
        f"{count} calendar entries, no longer planned (by earlier runs)"]
    taken_off = summary["people_uninvited"]
    assert taken_off == summary["people_uninvited_now"] > 0
    assert [line.split(None, 2)[2].rstrip() for line in table.splitlines() if line.startswith("Taken off")] == [
        f"{taken_off} people, off conversations that changed (by earlier runs)"]

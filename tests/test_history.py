"""The history store: rounds replaced, not added; repeat-avoidance; privacy; locking and crashes in real processes."""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peermatch.errors import HistoryBusy, HistoryError
from peermatch.history.rounds import RecordedGroup
from peermatch.history.store import History

ROOT = Path(__file__).resolve().parent.parent
CHILD_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def group(*members: str, odd: str | None = None, table: int | None = None, uid: str = "") -> RecordedGroup:
    return RecordedGroup(members=members, table=table, uid=uid, odd_one=odd)


def record(history: History, label: str, groups: Sequence[RecordedGroup], *, unmatched: Sequence[str] = (),
           starts: str | None = None, kind: str = "schedule",
           profiles: dict[str, tuple[str, str]] | None = None) -> None:
    history.record_round(label, kind=kind, starts=starts, groups=groups, unmatched=unmatched, profiles=profiles or {})


def pairs(*groups: Sequence[str]) -> set[frozenset[str]]:
    return {frozenset(pair) for members in groups for pair in itertools.combinations(members, 2)}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


@pytest.fixture
def store(path: Path) -> Iterator[History]:
    with History.open(path, write=True) as history:
        yield history


# -- the file ---------------------------------------------------------------------------------------------------


def test_a_new_history_is_readable_by_its_owner_only(path: Path) -> None:
    old = os.umask(0)  # even with no umask at all: the mode comes from peermatch, not from SQLite's default 0644
    try:
        with History.open(path, write=True) as history:
            history.commit()
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600


def test_reading_a_missing_history_is_an_empty_history_and_creates_nothing(path: Path) -> None:
    with History.open(path, write=False) as history:
        assert history.rounds() == [] and history.met_pairs() == set() and history.export_rows() == []
    assert not path.exists()


@pytest.mark.parametrize("write", [True, False])
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(path: Path, write: bool) -> None:
    path.write_text("round,group,person_id\nr1,1,A\n" * 50, encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="not a peermatch history") as raised:
        History.open(path, write=write)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("write", [True, False])
def test_someone_elses_sqlite_database_is_refused_and_left_alone(path: Path, write: bool) -> None:
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE patients (name TEXT)")
    other.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="another SQLite database"):
        History.open(path, write=write)
    assert path.read_bytes() == before


def test_a_history_from_a_newer_peermatch_is_refused(path: Path) -> None:
    with History.open(path, write=True) as history:
        history.commit()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(HistoryError, match="newer peermatch"):
        History.open(path, write=False)


@pytest.mark.parametrize("write", [True, False])
def test_a_history_at_a_schema_no_peermatch_wrote_is_refused_and_left_alone(path: Path, write: bool) -> None:
    with History.open(path, write=True) as history:
        record(history, "r1", [group("a", "b")])
        history.commit()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 0")  # still marked as a peermatch history
    raw.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="schema version 0, which no peermatch wrote") as raised:
        History.open(path, write=write)
    assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value)
    assert path.read_bytes() == before


def test_a_history_in_a_missing_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="no-such-folder"):
        History.open(tmp_path / "no-such-folder" / "h.sqlite", write=True)


def test_a_run_that_fails_on_a_new_history_leaves_an_empty_history(path: Path) -> None:
    with History.open(path, write=True) as history:
        record(history, "r1", [group("a", "b")])
    with History.open(path, write=False) as history:
        assert history.rounds() == [] and history.met_pairs() == set()
    with History.open(path, write=True) as history:
        record(history, "r1", [group("a", "b")])
        history.commit()
    with History.open(path, write=False) as history:
        assert [info.label for info in history.rounds()] == ["r1"]


def test_nothing_is_kept_without_commit(path: Path) -> None:
    with History.open(path, write=True) as history:
        record(history, "r1", [group("a", "b")])
        history.commit()
    with History.open(path, write=True) as history:
        record(history, "r2", [group("a", "c")])
    with History.open(path, write=True) as history:
        assert [info.label for info in history.rounds()] == ["r1"]
        record(history, "r3", [group("a", "d")])
        history.commit()
    with History.open(path, write=False) as history:
        assert [info.label for info in history.rounds()] == ["r1", "r3"]


# -- rounds and repeat-avoidance ----------------------------------------------------------------------------------


def test_recording_a_label_again_replaces_the_round(store: History) -> None:
    record(store, "2027-01-11", [group("a", "b"), group("c", "d")], starts="2027-01-11T09:00")
    record(store, "2027-01-11", [group("a", "c"), group("b", "d")], starts="2027-01-11T09:00")
    assert [info.label for info in store.rounds()] == ["2027-01-11"]
    assert store.met_pairs() == pairs(("a", "c"), ("b", "d"))


def test_met_pairs_leave_out_the_rounds_being_replanned(store: History) -> None:
    record(store, "r1", [group("a", "b")], starts="2027-01-11")
    record(store, "r2", [group("a", "c", "d", odd="d")], starts="2027-02-11")
    assert store.met_pairs() == pairs(("a", "b"), ("a", "c", "d"))
    assert store.met_pairs(replacing=["r2"]) == pairs(("a", "b"))
    assert store.met_pairs(replacing=["r1", "r2"]) == set()


def test_within_rounds_counts_only_the_most_recent_rounds(store: History) -> None:
    record(store, "late", [group("a", "b")], starts="2027-03-01")
    record(store, "early", [group("a", "c")], starts="2027-01-01")  # recorded later, but starts earlier
    record(store, "middle", [group("a", "d")], starts="2027-02-01")
    assert store.met_pairs(within_rounds=1) == pairs(("a", "b"))
    assert store.met_pairs(within_rounds=2) == pairs(("a", "b"), ("a", "d"))
    assert store.met_pairs(within_rounds=2, replacing=["late"]) == pairs(("a", "d"), ("a", "c"))
    assert store.met_pairs(within_rounds=0) == set()
    assert [info.label for info in store.rounds()] == ["early", "middle", "late"]


def test_feedback_that_a_group_did_not_meet_frees_its_pairs(store: History) -> None:
    record(store, "r1", [group("a", "b"), group("c", "d", "e")])
    met, not_met = store.record_feedback([
        {"round": "r1", "person_a": "a", "person_b": "b", "met": "No"},
        {"round": "r1", "person_a": "e", "person_b": "c", "met": "Y"},
        {"round": "r1", "person_a": "d", "person_b": "c", "met": "yes"},  # the same conversation again
    ])
    assert (met, not_met) == (1, 1)
    assert store.met_pairs() == pairs(("c", "d", "e"))
    assert [(g["group"], g["met"]) for g in store.show("r1")] == [(1, False), (2, True)]
    info, = store.rounds()
    assert (info.met, info.not_met) == (1, 1)
    assert store.record_feedback([{"round": "r1", "group": "1", "met": "TRUE"}]) == (1, 0)
    assert store.met_pairs() == pairs(("a", "b"), ("c", "d", "e"))


@pytest.mark.parametrize(("rows", "where"), [
    ([{"round": "r9", "person_a": "a", "person_b": "b", "met": "yes"}], "row 2, column 'round'"),
    ([{"round": "r1", "person_a": "a", "person_b": "b", "met": "yes"},
      {"round": "r1", "person_a": "a", "person_b": "c", "met": "no"}], "row 3, column 'person_b'"),
    ([{"round": "r1", "person_a": "a", "person_b": "b", "met": "maybe"}], "row 2, column 'met'"),
    ([{"round": "r1", "person_a": "a", "person_b": "b", "met": "yes"},
      {"round": "r1", "person_a": "b", "person_b": "a", "met": "no"}], "row 3, column 'met'"),
    ([{"round": "r1", "group": "7", "met": "yes"}], "row 2, column 'group'"),
])
def test_wrong_feedback_names_row_and_column_and_changes_nothing(store: History, rows: list[dict[str, str]],
                                                                 where: str) -> None:
    record(store, "r1", [group("a", "b"), group("c", "d")])
    with pytest.raises(HistoryError, match=where):
        store.record_feedback(rows, source="feedback.csv")
    assert [g["met"] for g in store.show("r1")] == [None, None]


def test_odd_counts_and_professions_met(store: History) -> None:
    profiles = {"a": ("nurse", "nhs"), "b": ("gp", "nhs"), "c": ("work coach", "dwp"), "d": ("nurse", "")}
    record(store, "r1", [group("a", "b", "c", odd="c")], unmatched=["d"], profiles=profiles)
    record(store, "r2", [group("a", "d"), group("b", "c")], profiles=profiles)
    assert store.odd_counts() == {"c": 1, "d": 1}
    assert store.odd_counts(replacing=["r1"]) == {}
    assert store.professions_met()["a"] == {"gp", "work coach", "nurse"}
    assert store.professions_met()["d"] == {"nurse"}


def test_uid_for_finds_the_same_group_in_the_same_round(store: History) -> None:
    record(store, "r1", [group("a", "b", uid="one@peermatch"), group("c", "d", "e", uid="two@peermatch")])
    assert store.uid_for("r1", ["e", "c", "d"]) == "two@peermatch"
    assert store.uid_for("r1", ["a", "c"]) is None
    assert store.uid_for("r2", ["a", "b"]) is None


def test_uid_for_sees_a_round_recorded_again_in_the_same_run(store: History) -> None:
    record(store, "r1", [group("a", "b", uid="one@peermatch")])
    assert store.uid_for("r1", ["b", "a"]) == "one@peermatch"
    record(store, "r1", [group("a", "b", uid="new@peermatch"), group("c", "d", uid="two@peermatch")])
    assert store.uid_for("r1", ["a", "b"]) == "new@peermatch"
    assert store.uid_for("r1", ["d", "c"]) == "two@peermatch"
    store.forget_round("r1")
    assert store.uid_for("r1", ["a", "b"]) is None


def test_uid_for_sees_what_another_run_committed_meanwhile(path: Path) -> None:
    with History.open(path, write=True) as writer:
        record(writer, "r1", [group("a", "b", uid="one@peermatch")])
        writer.commit()
    with History.open(path, write=False) as reader:
        assert reader.uid_for("r1", ["a", "b"]) == "one@peermatch"
        with History.open(path, write=True) as writer:
            record(writer, "r1", [group("a", "b", uid="two@peermatch")])
            writer.commit()
        assert reader.uid_for("r1", ["a", "b"]) == "two@peermatch"


def test_uid_for_sees_what_another_run_committed_between_two_of_its_transactions(path: Path) -> None:
    with History.open(path, write=True) as first:
        record(first, "r1", [group("a", "b", uid="one@peermatch")])
        assert first.uid_for("r1", ["a", "b"]) == "one@peermatch"
        first.commit()  # lets go of the lock until its next change
        with History.open(path, write=True) as second:
            record(second, "r1", [group("a", "b", uid="two@peermatch")])
            second.commit()
        assert first.prune_before("2000-01-01") == 0  # a new transaction that changes nothing
        assert first.uid_for("r1", ["a", "b"]) == "two@peermatch"


def test_a_group_of_one_or_a_person_twice_is_a_programming_error(store: History) -> None:
    with pytest.raises(ValueError, match="two or more"):
        record(store, "r1", [group("a")])
    with pytest.raises(ValueError, match="two or more"):
        record(store, "r1", [group("a", "b"), group("b", "c")])
    with pytest.raises(ValueError, match="unmatched"):
        record(store, "r1", [group("a", "b")], unmatched=["a"])


_IDS = [f"p{i}" for i in range(8)]


@st.composite
def recordings(draw: st.DrawFn) -> tuple[str, list[tuple[str, ...]]]:
    label = draw(st.sampled_from(["r1", "r2", "r3"]))
    people = draw(st.permutations(_IDS))
    groups: list[tuple[str, ...]] = []
    for size in draw(st.lists(st.sampled_from([2, 3]), max_size=4)):
        taken = sum(map(len, groups))
        if taken + size <= len(people):
            groups.append(tuple(people[taken:taken + size]))
    return label, groups


@given(st.lists(recordings(), max_size=8))
def test_rounds_are_the_last_recording_of_each_label(sequence: list[tuple[str, list[tuple[str, ...]]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite"
        with History.open(path, write=True) as history:
            for label, groups in sequence:
                record(history, label, [group(*members) for members in groups])
            history.commit()
        last = dict(sequence)
        with History.open(path, write=False) as history:
            assert len(history.rounds()) == len(last)
            assert history.met_pairs() == pairs(*itertools.chain.from_iterable(last.values()))
            for label in last:
                others = [groups for other, groups in last.items() if other != label]
                assert history.met_pairs(replacing=[label]) == pairs(*itertools.chain.from_iterable(others))


# -- forgetting -------------------------------------------------------------------------------------------------

SECRET = "ZQX-SECRET-7741"


def test_forget_person_leaves_no_trace_of_the_id_in_the_file(path: Path) -> None:
    with History.open(path, write=True) as history:
        for k in range(30):  # enough rounds for several pages and an index with interior pages
            others = [f"N{k:02d}{i:03d}" for i in range(60)]
            groups = [group(*others[i:i + 2]) for i in range(2, 60, 2)]
            record(history, f"r{k}", [group(SECRET, others[0], others[1], odd=SECRET), *groups],
                   starts=f"2027-01-{k % 28 + 1:02d}")
        record(history, "pair", [group(SECRET, "B")], kind="pair")
        record(history, "left", [group("C", "D")], unmatched=[SECRET], kind="pair")
        history.commit()
    assert SECRET.encode() in path.read_bytes()
    with History.open(path, write=True) as history:
        assert history.forget_person(SECRET) == 32
        history.commit()
    assert SECRET.encode() not in path.read_bytes()
    journal = path.with_name(path.name + "-journal")
    assert not journal.exists() or SECRET.encode() not in journal.read_bytes()
    with History.open(path, write=False) as history:
        assert not any(SECRET in pair for pair in history.met_pairs())
        assert frozenset({"N00000", "N00001"}) in history.met_pairs()  # the rest of their group still met
        assert history.show("pair") == [] and history.unmatched("left") == []
        assert history.odd_counts() == {}


def test_forget_round_and_prune(store: History) -> None:
    record(store, "old", [group("a", "b")], starts="2024-05-01T10:00")
    record(store, "edge", [group("a", "c")], starts="2025-01-01T09:00")
    record(store, "new", [group("a", "d")], starts="2027-01-01")
    with pytest.raises(HistoryError, match="'nope'"):
        store.forget_round("nope")
    with pytest.raises(HistoryError, match="not a date"):
        store.prune_before("first of may")
    assert [info.label for info in store.rounds_before("2025-01-01")] == ["old"]
    assert store.prune_before("2025-01-01") == 1
    store.forget_round("new")
    store.commit()
    assert [info.label for info in store.rounds()] == ["edge"]


# -- export and import ------------------------------------------------------------------------------------------


def _as_csv_cells(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    return [{key: "" if value is None else str(value) for key, value in row.items()} for row in rows]


def test_export_then_import_gives_the_same_rounds_and_pairs(tmp_path: Path, store: History) -> None:
    profiles = {"a": ("nurse", "nhs"), "b": ("gp", "practice"), "c": ("work coach", "dwp")}
    record(store, "2027-01-11", [group("a", "b", "c", odd="c", table=3, uid="x@peermatch"), group("d", "e")],
           unmatched=["f"], starts="2027-01-11T09:00", profiles=profiles)
    record(store, "adhoc", [group("a", "d")], kind="pair")
    store.record_feedback([{"round": "2027-01-11", "group": "2", "met": "no"}])
    with History.open(tmp_path / "copy.sqlite", write=True) as copy:
        assert copy.import_rows(_as_csv_cells(store.export_rows())) == 2
        for label in ("2027-01-11", "adhoc"):
            assert copy.show(label) == store.show(label) and copy.unmatched(label) == store.unmatched(label)
        assert copy.met_pairs() == store.met_pairs() and copy.odd_counts() == store.odd_counts()
        assert copy.professions_met() == store.professions_met()
        assert copy.export_rows() == store.export_rows()


def test_import_a_minimal_spreadsheet(store: History) -> None:
    rows = [{"Round": "Spring 2024", "Group": "A", "Person ID": "a", "Name": "Ann"},
            {"Round": "Spring 2024", "Group": "A", "Person ID": "b", "Name": "Bea"},
            {"Round": "Spring 2024", "Group": "B", "Person ID": "c", "Name": "Cal"},
            {"Round": "", "Group": "", "Person ID": "", "Name": ""},
            {"Round": "Spring 2024", "Group": "B", "Person ID": "d", "Name": "Dev"}]
    assert store.import_rows(rows) == 1
    info, = store.rounds()
    assert (info.label, info.kind, info.groups, info.people) == ("Spring 2024", "import", 2, 4)
    assert store.met_pairs() == pairs(("a", "b"), ("c", "d"))


@pytest.mark.parametrize(("rows", "where"), [
    ([{"round": "r", "person_id": "a"}], "no group column"),
    ([{"round": "r", "group": "1", "person_id": "a"}], "row 2, column 'group': group '1' of round 'r' has only one"),
    ([{"round": "r", "group": "1", "person_id": "a"}, {"round": "r", "group": "1", "person_id": ""}],
     "row 3, column 'person_id'"),
    ([{"round": "r", "group": "1", "person_id": "a"}, {"round": "r", "group": "2", "person_id": "a"}],
     "row 3, column 'person_id'"),
    ([{"round": "r", "group": "1", "person_id": "a", "starts": "soon"}], "row 2, column 'starts'"),
    ([{"round": "r", "group": "1", "person_id": "a", "starts": "2027-01-01"},
      {"round": "r", "group": "2", "person_id": "b", "starts": "2027-02-01"}], "row 3, column 'starts'"),
    ([{"round": "r", "group": "1", "person_id": "a", "table": "two"}], "row 2, column 'table'"),
    ([{"round": "r", "group": "1", "person_id": "a", "met": "perhaps"}], "row 2, column 'met'"),
    ([{"round": "r", "group": "1", "person_id": "a", "kind": "party"}], "row 2, column 'kind'"),
])
def test_wrong_import_rows_name_row_and_column(store: History, rows: list[dict[str, str]], where: str) -> None:
    with pytest.raises(HistoryError, match=where) as raised:
        store.import_rows(rows, source="old.csv")
    assert str(raised.value).startswith("old.csv") and "\n" not in str(raised.value)


def test_an_import_with_one_wrong_row_records_nothing(store: History) -> None:
    rows = [{"round": "good", "group": "1", "person_id": "a"}, {"round": "good", "group": "1", "person_id": "b"},
            {"round": "bad", "group": "1", "person_id": "c", "met": ""},
            {"round": "bad", "group": "1", "person_id": "d", "met": "perhaps"}]
    with pytest.raises(HistoryError, match="row 5, column 'met'"):
        store.import_rows(rows)
    assert store.rounds() == []


# -- two runs at once: real processes ----------------------------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from peermatch.history.store import History
from peermatch.history.rounds import RecordedGroup
path, ready, release = map(Path, sys.argv[1:4])
with History.open(path, write=True) as history:
    history.record_round("held", kind="pair", starts=None, groups=[RecordedGroup(("a", "b"), None, "", None)],
                         unmatched=[], profiles={})
    ready.write_text("holding")
    deadline = time.monotonic() + 20
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    history.commit()
"""


def wait_for(marker: Path, child: subprocess.Popen[bytes], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the child never got ready"
        time.sleep(0.005)


class Holder:
    """Another peermatch process holding the history for writing until released."""

    def __init__(self, path: Path) -> None:
        self.ready, self.release = path.with_name("ready"), path.with_name("release")
        self.child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(self.ready), str(self.release)],
                                      env=CHILD_ENV, stderr=subprocess.PIPE)
        wait_for(self.ready, self.child)

    def finish(self) -> None:
        self.release.touch()
        _, err = self.child.communicate(timeout=20)
        assert self.child.returncode == 0, err


@pytest.fixture
def holder(path: Path) -> Iterator[Holder]:
    held = Holder(path)
    yield held
    if held.child.poll() is None:
        held.finish()


def test_a_second_writer_gets_busy_after_its_wait(path: Path, holder: Holder) -> None:
    started = time.monotonic()
    with pytest.raises(HistoryBusy, match="another peermatch run is using this history") as raised:
        History.open(path, write=True, wait_seconds=0.5)
    assert time.monotonic() - started >= 0.45
    assert str(path) in str(raised.value)
    with History.open(path, write=False) as reader:  # readers are not held up, and see only committed rounds
        assert reader.rounds() == []
    holder.finish()
    with History.open(path, write=False) as reader:
        assert [info.label for info in reader.rounds()] == ["held"]


def test_a_second_writer_that_waits_long_enough_goes_after_the_first(path: Path, holder: Holder) -> None:
    threading.Timer(0.3, holder.release.touch).start()
    started = time.monotonic()
    with History.open(path, write=True, wait_seconds=15) as history:
        assert time.monotonic() - started >= 0.25
        assert history.met_pairs() == pairs(("a", "b"))  # it read what the first run committed
        record(history, "next", [group("a", "c")])
        history.commit()
    holder.child.communicate(timeout=20)
    with History.open(path, write=False) as reader:
        assert [info.label for info in reader.rounds()] == ["held", "next"]


# -- crashes: real processes killed with SIGKILL -----------------------------------------------------------------

OLD_GROUPS, NEW_GROUPS = 10, 4000
BIG = 20000  # a commit of this many groups takes long enough (~20 ms) to be killed in the middle

CRASHER = """
import functools, sqlite3, sys, time
from pathlib import Path
from peermatch.history.store import History
from peermatch.history.rounds import RecordedGroup
path, stop, marker, size = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])

def stop_here(note):
    marker.write_text(note)
    time.sleep(60)  # the test kills the process here

class Instrumented(sqlite3.Connection):
    # The harness, not peermatch, chooses where to stop, around SQLite's own statements.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if stop == "mid-write":  # a small cache: SQLite writes pages into the file itself before COMMIT
            super().execute("PRAGMA cache_size = 8")
        if stop == "mid-commit":  # a large one: the file changes only during COMMIT
            super().execute("PRAGMA cache_size = -65536")

    def execute(self, sql, *args):
        if stop == "mid-commit" and sql == "COMMIT":
            marker.write_text("committing")  # the test kills after a short delay, while SQLite commits
        result = super().execute(sql, *args)
        if stop == "after-commit" and sql == "COMMIT":
            stop_here("committed")
        return result

    def executemany(self, sql, rows):
        result = super().executemany(sql, rows)
        if stop == "mid-write" and "INSERT INTO members" in sql:
            stop_here("written")
        return result

sqlite3.connect = functools.partial(sqlite3.connect, factory=Instrumented)
groups = [RecordedGroup((f"n{i}a", f"n{i}b"), None, f"u{i}", None) for i in range(size)]
with History.open(path, write=True) as history:
    history.record_round("r1", kind="schedule", starts="2027-01-11T09:00", groups=groups, unmatched=["odd"],
                         profiles={})
    if stop == "before-commit":
        stop_here("recorded")
    history.commit()
stop_here("done")  # a kill meant for the middle of the commit may land after it
"""


def crash(path: Path, stop: str, delay: float = 0.0, size: int = NEW_GROUPS) -> bool:
    """Run the recording child, kill it at ``stop`` (after ``delay``); whether a hot journal was left."""
    marker = path.with_name(f"marker-{stop}-{delay}")
    child = subprocess.Popen([sys.executable, "-c", CRASHER, str(path), stop, str(marker), str(size)],
                             env=CHILD_ENV, stderr=subprocess.PIPE)
    wait_for(marker, child)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=20)
    assert child.returncode == -signal.SIGKILL
    return path.with_name(path.name + "-journal").exists()


def state(path: Path) -> tuple[int, int, int, int]:
    """(rounds, groups, members, unmatched), read the way peermatch reads it, after an integrity check."""
    with History.open(path, write=False) as history:  # read-only: must cope with a hot journal
        rounds = history.rounds()
        pairs_met = len(history.met_pairs())
    with sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        counts = [raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("groups", "members", "unmatched")]
    raw.close()
    assert [info.label for info in rounds] == ["r1"] and pairs_met == counts[0]
    return len(rounds), *counts


OLD_STATE = (1, OLD_GROUPS, 2 * OLD_GROUPS, 0)


def new_state(size: int = NEW_GROUPS) -> tuple[int, int, int, int]:
    return 1, size, 2 * size, 1


@pytest.fixture
def old_history(path: Path) -> Path:
    with History.open(path, write=True) as history:
        record(history, "r1", [group(f"o{i}a", f"o{i}b") for i in range(OLD_GROUPS)], starts="2027-01-11T09:00")
        history.commit()
    assert state(path) == OLD_STATE
    return path


def test_killed_before_commit_leaves_the_old_history(old_history: Path) -> None:
    crash(old_history, "before-commit")
    assert state(old_history) == OLD_STATE


def test_killed_while_pages_are_half_written_leaves_the_old_history(old_history: Path) -> None:
    assert crash(old_history, "mid-write")  # a hot journal: the file itself was part-way through changing
    assert state(old_history) == OLD_STATE
    with History.open(old_history, write=True) as history:  # and the next run can write
        record(history, "r1", [group("a", "b")])
        history.commit()


@pytest.mark.parametrize("delay", [0.0, 0.008, 0.011, 0.02])
def test_killed_during_commit_leaves_the_old_or_the_whole_new_history(old_history: Path, delay: float) -> None:
    crash(old_history, "mid-commit", delay, size=BIG)
    assert state(old_history) in (OLD_STATE, new_state(BIG))


def test_killed_after_commit_keeps_the_whole_new_history(old_history: Path) -> None:
    crash(old_history, "after-commit")
    assert state(old_history) == new_state()

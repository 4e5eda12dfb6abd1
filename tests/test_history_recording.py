"""Recording a round in bulk: many rows to a statement, the person index made again when a round brings many rows,
and a round recorded whole or not at all."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.errors import HistoryError
from peermatch.history.file import MEMBERS_BY_PERSON, MEMBERS_BY_PERSON_AGAIN, MEMBERS_BY_PERSON_ASIDE
from peermatch.history.recording import _PerGroup, _profiles, record_pair_result
from peermatch.history.rounds import GroupColumns, RecordedGroup
from peermatch.history.store import History
from peermatch.matching.pairing import pair
from peermatch.models import group_uid
from peermatch.roster.config import Config
from tests.factories import person, roster_of


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


def statements(store: History) -> list[str]:
    """What SQLite is asked from now on (the store's own connection, traced)."""
    seen: list[str] = []
    store._connection.set_trace_callback(seen.append)
    return seen


def sound(path: Path) -> None:
    """The file passes SQLite's own checks, foreign keys included, and has the person index of a new history."""
    with sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        assert raw.execute("SELECT sql FROM sqlite_master WHERE name = 'members_by_person'").fetchall() == [
            (MEMBERS_BY_PERSON,)]
    raw.close()


def columns(label: str, groups: Sequence[RecordedGroup]) -> GroupColumns:
    return GroupColumns(members=[g.members for g in groups], uids=[g.uid for g in groups],
                        odd_ones=[g.odd_one for g in groups])


def pairs_of(prefix: str, count: int, start: int = 0) -> list[RecordedGroup]:
    return [RecordedGroup((f"{prefix}{k}a", f"{prefix}{k}b"), None, f"{prefix}{k}@peermatch", None)
            for k in range(start, start + count)]


def rows_of(path: Path, label: str) -> list[dict[str, object]]:
    with History.open(path, write=False) as history:
        return [row for row in history.export_rows() if row["round"] == label]


@st.composite
def rounds(draw: st.DrawFn) -> tuple[list[RecordedGroup], list[str], dict[str, tuple[str, str]]]:
    """Groups of two to four (some with someone who joined), a few unmatched, and profiles for most people.

    Up to 400 groups: more than one statement's worth of groups rows and of members rows.
    """
    sizes = draw(st.lists(st.integers(2, 4), max_size=400))
    groups, taken = [], 0
    for k, size in enumerate(sizes):
        members = tuple(f"id{taken + n}" for n in range(size))
        taken += size
        odd = members[draw(st.integers(0, size - 1))] if draw(st.booleans()) else None
        groups.append(RecordedGroup(members, None, f"uid{k}@peermatch", odd))
    unmatched = [f"id{taken + n}" for n in range(draw(st.integers(0, 3)))]
    profiles = {f"id{n}": (f"profession {n % 3}", f"organisation {n % 5}") for n in range(taken) if n % 7}
    return groups, unmatched, profiles


@settings(max_examples=25, deadline=None)
@given(rounds())
def test_the_bulk_and_the_row_by_row_index_record_the_same_rows(
        drawn: tuple[list[RecordedGroup], list[str], dict[str, tuple[str, str]]]) -> None:
    groups, unmatched, profiles = drawn
    people = sum(len(g.members) for g in groups) + len(unmatched)
    with tempfile.TemporaryDirectory() as folder:
        bulk, row_by_row = Path(folder) / "bulk.sqlite", Path(folder) / "row-by-row.sqlite"
        with History.open(bulk, write=True) as store:  # a new history: the index is made again after
            seen = statements(store)
            store.record_round("r", kind="pair", starts=None, groups=groups, unmatched=unmatched, profiles=profiles)
            store.commit()
        assert MEMBERS_BY_PERSON_ASIDE in seen
        with History.open(row_by_row, write=True) as store:  # one holding far more: added to row by row
            store.record_round("earlier", kind="pair", starts=None, groups=pairs_of("e", 4 * people + 10),
                               unmatched=[], profiles={})
            store.commit()
            seen = statements(store)
            store.record_round("r", kind="pair", starts=None, groups=columns("r", groups), unmatched=unmatched,
                               profiles=profiles)
            store.commit()
        assert not [sql for sql in seen if "INDEX" in sql]
        joined = {g.odd_one: "third" if len(g.members) == 3 else "extra" for g in groups}
        expected = [(k + 1, g.uid, person, *profiles.get(person, ("", "")), joined.get(person, ""))
                    for k, g in enumerate(groups) for person in g.members]
        expected += [(None, "", person, "", "", "unmatched") for person in unmatched]
        for path in (bulk, row_by_row):
            sound(path)
            assert [(row["group"], row["uid"], row["person_id"], row["profession"], row["organisation"], row["odd"])
                    for row in rows_of(path, "r")] == expected


def test_a_round_larger_than_the_rest_makes_the_index_again_and_a_smaller_one_adds_to_it(path: Path) -> None:
    with History.open(path, write=True) as store:
        store.record_round("first", kind="pair", starts=None, groups=pairs_of("a", 100), unmatched=[], profiles={})
        seen = statements(store)
        # A quarter of the 200 members rows held is the most that is still added row by row.
        store.record_round("small", kind="pair", starts=None, groups=pairs_of("b", 24), unmatched=[], profiles={})
        assert not [sql for sql in seen if "INDEX" in sql]
        store.record_round("larger", kind="pair", starts=None, groups=pairs_of("c", 200), unmatched=[], profiles={})
        assert seen[-2:] == [MEMBERS_BY_PERSON_AGAIN, "RELEASE whole"]
        # Recording a label again takes its old rows out first: they do not count as held.
        seen.clear()
        store.record_round("larger", kind="pair", starts=None, groups=pairs_of("d", 100), unmatched=[], profiles={})
        assert MEMBERS_BY_PERSON_ASIDE in seen
        store.commit()
    sound(path)
    with History.open(path, write=False) as store:
        assert [(info.label, info.groups) for info in store.rounds()] == [("first", 100), ("small", 24),
                                                                          ("larger", 100)]
        assert {"d0a", "d0b"} in [set(pair) for pair in store.met_pairs()]


class Failing(Mapping[str, tuple[str, str]]):
    """Profiles that fail part-way through a round's members, as a disk filling up would."""

    def __init__(self, failing: str, error: type[Exception] | None) -> None:
        self._failing, self._error = failing, error

    def __getitem__(self, person: str) -> Any:
        if person != self._failing:
            return ("nurse", "trust")
        if self._error is not None:
            raise self._error("stopped part-way")
        return (None, "trust")  # SQLite refuses a member without a profession

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.mark.parametrize("held", [10, 2500], ids=["index-made-again", "index-added-to"])
@pytest.mark.parametrize("error", [None, RuntimeError, KeyboardInterrupt])
def test_a_round_that_fails_part_way_leaves_the_history_as_it_was(path: Path, held: int,
                                                                 error: type[Exception] | None) -> None:
    with History.open(path, write=True) as store:
        store.record_round("kept", kind="pair", starts=None, groups=pairs_of("k", held), unmatched=[], profiles={})
        store.commit()
    before = rows_of(path, "kept")
    with History.open(path, write=True) as store:
        for label in ("new", "kept"):  # a new round, and one replacing a recorded round
            with pytest.raises(HistoryError if error is None else error):
                store.record_round(label, kind="pair", starts=None, groups=pairs_of("n", 600), unmatched=["odd"],
                                   profiles=Failing("n450b", error))
            assert [info.label for info in store.rounds()] == ["kept"]
        # The run goes on with the history as it was: the index is there, and the next round is recorded.
        store.record_round("next", kind="pair", starts=None, groups=pairs_of("x", 3), unmatched=[], profiles={})
        assert {"x1a", "x1b"} in [set(pair) for pair in store.met_pairs()]
        store.commit()
    sound(path)
    assert rows_of(path, "kept") == before
    with History.open(path, write=False) as store:
        assert [info.label for info in store.rounds()] == ["kept", "next"]
        assert not [row for row in store.export_rows() if str(row["person_id"]).startswith("n")]


def test_columns_need_one_entry_per_group(path: Path) -> None:
    with History.open(path, write=True) as store:
        with pytest.raises(ValueError, match="one entry per group"):
            store.record_round("r", kind="pair", starts=None, unmatched=[], profiles={},
                               groups=GroupColumns(members=[("a", "b"), ("c", "d")], uids=["u"], odd_ones=[None, None]))
        with pytest.raises(ValueError, match="odd one"):
            store.record_round("r", kind="pair", starts=None, unmatched=[], profiles={},
                               groups=GroupColumns(members=[("a", "b")], uids=["u"], odd_ones=["c"]))
        with pytest.raises(ValueError, match="two or more"):
            store.record_round("r", kind="pair", starts=None, unmatched=[], profiles={},
                               groups=GroupColumns(members=[("a", "b"), ("b", "c")], uids=["u", "v"],
                                                   odd_ones=[None, None]))
        assert store.rounds() == []


def test_a_pairing_records_each_persons_profile_and_shares_the_same_ones() -> None:
    people = [person(f"p{k}", profession=["Nurse", "Social worker"][k % 2], organisation="Trust") for k in range(6)]
    profiles = _profiles(people)
    assert profiles == {p.id: (p.profession_key, p.organisation_key) for p in people}
    assert profiles["p0"] is profiles["p2"] and profiles["p1"] is profiles["p5"]


def test_a_pairings_uids_are_made_as_they_are_read_and_read_like_a_list() -> None:
    groups = pair(roster_of(*[person(f"p{k}", profession=["Nurse", "GP"][k % 2]) for k in range(11)]), Config(),
                  seed=1).groups
    uids = _PerGroup(groups, lambda group: group_uid("r", group.members))
    made = [group_uid("r", group.members) for group in groups]
    assert len(uids) == len(made) == 5 and list(uids) == made
    assert [uids[k] for k in range(-5, 5)] == made + made and uids[1:4] == made[1:4] and uids[::-2] == made[::-2]


def test_a_pairing_of_thousands_is_recorded_group_by_group(path: Path) -> None:
    professions = ["Nurse", "Social worker", "Pharmacist"]
    people = [person(f"p{k:05}", profession=professions[k % 3], organisation=f"Org {k % 4}") for k in range(2001)]
    result = pair(roster_of(*people), Config(), seed=3)
    assert any(group.joined for group in result.groups)
    with History.open(path, write=True) as store:
        record_pair_result(store, "pair-2027-06", result)
        store.commit()
    sound(path)
    with History.open(path, write=False) as store:
        shown = store.show("pair-2027-06")
        rows = store.export_rows()
    assert [(tuple(g["members"]), g["odd_one"], g["uid"]) for g in shown] == [
        (group.members, group.joined, group_uid("pair-2027-06", group.members)) for group in result.groups]
    by_id = {p.id: p for p in people}
    assert [(row["person_id"], row["profession"], row["organisation"]) for row in rows] == [
        (pid, by_id[pid].profession_key, by_id[pid].organisation_key) for group in result.groups
        for pid in group.members]


def test_a_history_left_without_the_person_index_gets_it_back_with_the_next_large_round(path: Path) -> None:
    # A library caller that kept the transaction of a failed change could commit the index set aside.
    with History.open(path, write=True) as store:
        store.record_round("first", kind="pair", starts=None, groups=pairs_of("a", 10), unmatched=[], profiles={})
        store._connection.execute(MEMBERS_BY_PERSON_ASIDE)
        store.commit()
    with History.open(path, write=True) as store:
        store.record_round("second", kind="pair", starts=None, groups=pairs_of("b", 10), unmatched=[], profiles={})
        store.commit()
    sound(path)


def test_when_sqlite_undoes_the_whole_run_nothing_more_is_written(path: Path) -> None:
    with History.open(path, write=True) as store:
        store.record_round("kept", kind="pair", starts=None, groups=pairs_of("k", 3), unmatched=[], profiles={})
        store.commit()
    with History.open(path, write=True) as store:
        store.record_round("lost", kind="pair", starts=None, groups=pairs_of("l", 3), unmatched=[], profiles={})
        # As a full disk or an I/O error can: SQLite rolls back the run's whole transaction, not just the round.
        with pytest.raises(sqlite3.OperationalError), store._all_or_nothing():
            store._connection.execute("ROLLBACK")
            raise sqlite3.OperationalError("disk I/O error")
        with pytest.raises(HistoryError, match="undid this run's earlier changes"):
            store.record_round("after", kind="pair", starts=None, groups=pairs_of("x", 3), unmatched=[], profiles={})
        store.commit()
    with History.open(path, write=False) as store:
        assert [info.label for info in store.rounds()] == ["kept"]
    sound(path)

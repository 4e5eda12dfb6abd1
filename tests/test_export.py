"""Exported files (and the history a pairing leaves): golden copies, formula escaping, atomic replacement."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peermatch.errors import OutputError
from peermatch.history.recording import record_pair_result
from peermatch.history.store import History
from peermatch.matching.pairing import pair
from peermatch.models import group_uid
from peermatch.outputs import export
from peermatch.outputs.export import (
    MEMBER_FIELDS,
    cell,
    csv_document,
    escape_formula,
    pair_result_dict,
    pair_result_json,
    pair_result_json_parts,
    pairs_csv,
    pairs_csv_parts,
    text_cells,
    write_atomic,
    write_files,
)
from peermatch.outputs.schedule_tables import schedule_people_csv
from peermatch.roster.config import Config
from tests.factories import person, roster_of
from tests.golden import Golden
from tests.test_ics import sample_schedule


def small_result():  # type: ignore[no-untyped-def]
    people = roster_of(
        person("007", "Band 6", "Nurse", "Northshire NHS", "Riverside", "Siân Jones", "sian@nhs.example"),
        person("A2", "Band 6", "Social Worker", "Northshire Council", "Riverside", "Tom O’Brien",
               "tom@council.example"),
        person("A3", "Band 7", "GP", "Hillside Practice", "", "Zoë Adeyemi", "zoe@gp.example"),
        person("A4", "Band 7", "Work Coach", "DWP", "", "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0"),
        person("A5", "Band 7", "Housing Officer", "Riverside Homes", "", "@SUM(1)", "-2+3"),
    )
    return pair(people, Config(), seed=1)


def test_pairs_csv_matches_golden_copy(golden: Golden) -> None:
    golden.check("pairs.csv", pairs_csv(small_result()))


def test_pairs_json_matches_golden_copy(golden: Golden) -> None:
    golden.check("pairs.json", pair_result_json(small_result()).encode())


def _many_groups():  # type: ignore[no-untyped-def]
    # 23 people over two levels, so an odd count makes a group of three, and a level nobody else holds leaves
    # someone unmatched; names and emails that need quoting and neutralising in every chunk.
    professions = ("Nurse", "Social Worker", "GP", "Work Coach")
    names = ('=HYPERLINK("x")', "O’Brien, Siân", 'Jo "JJ" Smith', "Zoë\nAdeyemi", "+44 1234", "Plain Name")
    people = [person(f"P{k:02d}", ("Band 6", "Band 7")[k % 2], professions[k % 4], f"Org {k % 3}", "",
                     names[k % len(names)], f"p{k}@x.example" if k % 5 else "-2+3") for k in range(23)]
    people.append(person("ALONE", "Band 2", "GP", "Org 9", "", "@SUM(1)", ""))
    return pair(roster_of(*people), Config(), seed=5)


def _pairs_csv_by_the_csv_module(result) -> bytes:  # type: ignore[no-untyped-def]
    """What pairs_csv must write, row by row through the csv module (as the pandas-based writer once did)."""
    people = {p.id: p for p in result.roster.people}
    width = max(len(g.members) for g in result.groups)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["group", "size", "score", "reasons"] + [f"member_{k + 1}_{name}" for k in range(width)
                                                            for name in MEMBER_FIELDS])

    def cells(ids: tuple[str, ...]) -> list[str]:
        own = [escape_formula(str(getattr(people[pid], name))) for pid in ids for name in MEMBER_FIELDS]
        return own + [""] * len(MEMBER_FIELDS) * (width - len(ids))

    for number, group in enumerate(result.groups, start=1):
        writer.writerow([number, len(group.members), group.score, escape_formula(" | ".join(group.reasons)),
                         *cells(group.members)])
    for pid in result.unmatched:
        writer.writerow(["", 1, "", escape_formula("unmatched: " + result.unmatched_reasons[pid]), *cells((pid,))])
    return out.getvalue().encode("utf-8-sig")


def test_pairs_csv_written_in_chunks_is_the_whole_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small chunks, so that 12 groups and an unmatched person take several of each: member cells made per chunk
    # of groups, lines encoded per chunk of lines.
    monkeypatch.setattr(export, "_GROUPS_AT_ONCE", 4)
    monkeypatch.setattr(export, "_CSV_CHUNK", 3)
    result = _many_groups()
    assert len(result.groups) > 8 and result.unmatched and max(len(g.members) for g in result.groups) == 3
    parts = list(pairs_csv_parts(result))
    assert len(parts) > 4
    target = tmp_path / "pairs.csv"
    write_atomic(target, iter(parts))
    expected = _pairs_csv_by_the_csv_module(result)
    assert target.read_bytes() == expected == pairs_csv(result)
    monkeypatch.setattr(export, "_GROUPS_AT_ONCE", 10_000)
    monkeypatch.setattr(export, "_CSV_CHUNK", 10_000)
    assert pairs_csv(result) == expected  # one chunk: the same bytes


def test_pairs_json_in_chunks_is_json_of_the_documented_dict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "_GROUPS_AT_ONCE", 4)
    result = _many_groups()
    parts = list(pair_result_json_parts(result))
    assert len(parts) > 4
    assert "".join(parts) == json.dumps(pair_result_dict(result), ensure_ascii=False) + "\n"


def test_pairs_csv_opens_in_excel_and_neutralises_formulas() -> None:
    data = pairs_csv(small_result())
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    cells = {value for row in rows for value in row.values()}
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert "'@SUM(1)" in cells and "'-2+3" in cells
    assert "Siân Jones" in cells and "007" in cells  # leading zeros kept
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert rows[0]["group"] == "1" and rows[0]["score"].isdigit()  # numbers stay numbers


def test_schedule_people_csv_matches_golden_copy(golden: Golden) -> None:
    # The golden copy was written by the earlier DataFrame-based writer: a pair, a group of three, tables, someone
    # unmatched, a prompt with a line break, and a name and email that need quoting and neutralising.
    schedule = sample_schedule(name='=HYPERLINK("http://x"), Tom', email="@tom@council.example")
    golden.check("schedule_people.csv", schedule_people_csv(schedule))


def test_pairs_json_is_exactly_json_of_the_documented_dict() -> None:
    awkward = roster_of(
        person('Q"1', "Band 6", "Nurse", "Org \\ A", "", "Tab\there", "a@x.example"),
        person("Ünï", "Band 6", "Social Worker", "Org B", "", "Zoë", "z@x.example"),
        person("c\u0001", "Band 6", "GP", "", "", "=1+1", ""),
        person("solo", "Band 2", "GP", "Org C", "", "Nobody Near", ""),
    )
    for result in (small_result(), pair(awkward, Config(), seed=3), pair(awkward, Config(), seed=3, odd="leave-out")):
        expected = json.dumps(pair_result_dict(result), ensure_ascii=False) + "\n"
        assert pair_result_json(result) == expected


_CELL_TEXT = st.text(st.sampled_from(list("aZé· ,\"'\n\r\t=+-@;")), max_size=8)


@given(st.lists(st.lists(_CELL_TEXT, min_size=2, max_size=4), max_size=5))
def test_hand_written_csv_is_what_the_csv_module_writes(rows: list[list[str]]) -> None:
    # pandas' to_csv writes through the csv module with these settings: the bytes peermatch wrote before.
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(["a", "b"])
    writer.writerows([escape_formula(value) for value in row] for row in rows)
    lines = [",".join(text_cells(row)) for row in rows]
    assert csv_document(["a", "b"], lines) == expected.getvalue().encode("utf-8-sig")
    assert all(text_cells(row) == [cell(escape_formula(value)) for value in row] for row in rows)


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Nurse", "Nurse"), ("a=b", "a=b"), ("", ""),
])
def test_escape_formula(cell: str, safe: str) -> None:
    assert escape_formula(cell) == safe


def test_json_has_the_documented_shape() -> None:
    data = json.loads(pair_result_json(small_result()))
    assert set(data) == {"groups", "unmatched", "left_out", "summary"}
    assert all(set(g) == {"members", "score", "reasons"} for g in data["groups"])
    assert all(isinstance(m, str) for g in data["groups"] for m in g["members"])
    assert sorted(m for g in data["groups"] for m in g["members"]) == ["007", "A2", "A3", "A4", "A5"]


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "pairs.csv"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["pairs.csv"]  # no temporary left behind


def test_new_output_is_private_to_its_owner(tmp_path: Path) -> None:
    target = tmp_path / "pairs.csv"
    write_atomic(target, b"x")
    assert target.stat().st_mode & 0o777 == 0o600


def test_write_atomic_leaves_old_file_when_it_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "pairs.csv"
    target.write_bytes(b"old")

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["pairs.csv"]


def test_write_atomic_refuses_to_overwrite_the_roster(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"keep")
    with pytest.raises(OutputError, match="input"):
        write_atomic(tmp_path / "." / "roster.csv", b"x", protect=[roster])
    assert roster.read_bytes() == b"keep"


def test_write_atomic_into_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as caught:
        write_atomic(tmp_path / "nope" / "pairs.csv", b"x")
    assert caught.value.exit_code == 73


def test_a_write_removes_what_a_killed_earlier_write_left_behind(tmp_path: Path) -> None:
    """A run killed mid-write leaves its temporary file (personal data); a later write of that file removes it."""
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its process id now belongs to nobody
    old = time.time() - 3600

    def leftover(name: str, age: float = old) -> Path:
        path = tmp_path / name
        path.write_text("id,name\n1,Ann\n", encoding="utf-8")
        os.utime(path, (age, age))
        return path

    abandoned = leftover(f".pairs.csv.{finished.pid}.k2j4x9q1.tmp")
    kept = [
        leftover(f".pairs.csv.{os.getppid()}.x9q1k2j4.tmp"),  # its process still runs: a write in progress
        leftover(f".pairs.csv.{finished.pid}.a1b2c3d4.tmp", age=time.time()),  # recent: maybe another machine's
        leftover(f".other.csv.{finished.pid}.a1b2c3d4.tmp"),  # another output's
        leftover(f".pairs.csv.9.{finished.pid}.a1b2c3d4.tmp"),  # output "pairs.csv.9", not "pairs.csv"
        leftover(".pairs.csv.99999999999999999999.a1b2c3d4.tmp"),  # no process id at all
        leftover(".pairs.csv.\u00b2.a1b2c3d4.tmp"),  # a digit to str.isdigit, not to int()
    ]
    write_atomic(tmp_path / "pairs.csv", b"group\n1\n")
    assert (tmp_path / "pairs.csv").read_bytes() == b"group\n1\n"
    assert not abandoned.exists()
    assert all(path.exists() for path in kept)


def test_a_folder_of_files_is_swept_once_for_all_its_names(tmp_path: Path) -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    folder = tmp_path / "invitations"
    folder.mkdir()
    abandoned = folder / f".round-1-table-2.ics.{finished.pid}.abcd1234.tmp"
    abandoned.write_text("BEGIN:VCALENDAR", encoding="utf-8")
    os.utime(abandoned, (time.time() - 3600,) * 2)
    write_files(folder, {f"round-1-table-{k}.ics": b"x" for k in range(1, 4)})
    assert not abandoned.exists() and len(list(folder.iterdir())) == 3


def test_a_pairing_is_recorded_group_by_group_with_its_calendar_uids(tmp_path: Path) -> None:
    result = _many_groups()
    with History.open(tmp_path / "h.sqlite", write=True) as store:
        record_pair_result(store, "pair-2027-05", result)
        store.commit()
    with History.open(tmp_path / "h.sqlite", write=False) as store:
        shown = store.show("pair-2027-05")
        rows = store.export_rows()
    assert [(g["members"], g["odd_one"], g["uid"]) for g in shown] == [
        (list(g.members), g.joined, group_uid("pair-2027-05", g.members)) for g in result.groups]
    people = {p.id: p for p in result.roster.people}
    assert {(row["person_id"], row["profession"], row["organisation"]) for row in rows if row["group"]} == {
        (pid, people[pid].profession_key, people[pid].organisation_key) for g in result.groups for pid in g.members}

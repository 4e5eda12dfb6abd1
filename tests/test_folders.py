"""Folders of outputs (``--ics-dir``, ``--eml-dir``): put in place whole, or left exactly as they were.

A new folder is built beside its target and renamed into place once; an existing one has its files replaced one
by one from a temporary folder inside it, keeping files peermatch did not write.  A run that fails half-way leaves
neither a half-made folder nor a temporary one, and a killed run's leftovers are swept by the next write.
"""

from __future__ import annotations

import csv
import io
import os
import random
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.errors import OutputError
from peermatch.outputs.export import Staged, write_files
from peermatch.outputs.ics import invitation_files, schedule_ics, schedule_ics_parts
from peermatch.outputs.messages import DEFAULT_INTRO_TEMPLATE, eml_files, intros_csv, intros_csv_parts
from tests.test_ics import sample_schedule

runner = CliRunner()


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def failing_after(count: int) -> Iterator[tuple[str, bytes]]:
    """``count`` files, then the failure a bad roster address raises half-way through making a folder."""
    for k in range(1, count + 1):
        yield f"round-01-group-{k:03d}.ics", f"new {k}".encode()
    raise OutputError("a problem found half-way")


def dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its process id now belongs to nobody
    return finished.pid


def test_a_new_folder_appears_whole_with_nothing_left_beside_it(tmp_path: Path) -> None:
    files = {f"round-01-group-{k:03d}.ics": f"invitation {k}".encode() for k in range(1, 6)}
    write_files(tmp_path / "invitations", files)
    assert listing(tmp_path) == ["invitations"]
    assert contents(tmp_path / "invitations") == files
    assert {stat.S_IMODE(path.stat().st_mode) for path in (tmp_path / "invitations").iterdir()} == {0o600}


def test_a_failure_half_way_leaves_no_new_folder_and_no_temporary_one(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(OutputError, match="half-way"), Staged() as staged:
        staged.folder(tmp_path / "invitations", failing_after(3))
        staged.commit()
    assert listing(tmp_path) == ["roster.csv"]


def test_a_failure_half_way_leaves_an_existing_folder_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "invitations"
    folder.mkdir()
    for k in (1, 2, 9):
        (folder / f"round-01-group-{k:03d}.ics").write_bytes(f"old {k}".encode())
    (folder / "notes.txt").write_text("the coordinator's own notes", encoding="utf-8")
    before = contents(folder)
    with pytest.raises(OutputError, match="half-way"), Staged() as staged:
        staged.folder(folder, failing_after(3))
        staged.commit()
    assert contents(folder) == before  # no file replaced, no temporary folder inside
    assert listing(tmp_path) == ["invitations"]


def test_a_failure_in_a_later_output_leaves_the_folder_untouched_too(tmp_path: Path) -> None:
    folder = tmp_path / "emails"
    with pytest.raises(OutputError, match="a folder"), Staged() as staged:
        staged.folder(folder, [("round-01-group-001.eml", b"new")])
        (tmp_path / "calendar.ics").mkdir()
        staged.file(tmp_path / "calendar.ics", b"BEGIN:VCALENDAR")
        staged.commit()
    assert listing(tmp_path) == ["calendar.ics"]


def test_a_rerun_replaces_its_files_and_keeps_everyone_elses(tmp_path: Path) -> None:
    folder = tmp_path / "invitations"
    write_files(folder, {f"round-01-group-{k:03d}.ics": b"first run" for k in (1, 2, 3)})
    (folder / "round-01-group-002.ics").chmod(0o640)  # the coordinator shared one with their team
    (folder / "notes.txt").write_text("the coordinator's own notes", encoding="utf-8")
    write_files(folder, {f"round-01-group-{k:03d}.ics": b"second run" for k in (1, 2)})
    assert contents(folder) == {"notes.txt": b"the coordinator's own notes",
                                "round-01-group-001.ics": b"second run", "round-01-group-002.ics": b"second run",
                                "round-01-group-003.ics": b"first run"}  # not made this time: left alone
    assert stat.S_IMODE((folder / "round-01-group-002.ics").stat().st_mode) == 0o640
    assert stat.S_IMODE((folder / "round-01-group-001.ics").stat().st_mode) == 0o600
    assert listing(tmp_path) == ["invitations"]


def test_two_outputs_naming_one_new_folder_share_it(tmp_path: Path) -> None:
    folder = tmp_path / "conversations"
    with Staged() as staged:
        staged.folder(folder, [("round-01-group-001.ics", b"invitation")])
        staged.folder(tmp_path / "." / "conversations", [("round-01-group-001.eml", b"email")])
        staged.commit()
    assert contents(folder) == {"round-01-group-001.eml": b"email", "round-01-group-001.ics": b"invitation"}
    assert listing(tmp_path) == ["conversations"]


def test_the_roster_inside_the_folder_is_never_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "invitations"
    folder.mkdir()
    roster = folder / "round-01-group-002.ics"
    roster.write_bytes(b"id,name\n1,Ann\n")
    with pytest.raises(OutputError, match="refusing to overwrite an input file"), Staged([roster]) as staged:
        staged.folder(folder, [(f"round-01-group-{k:03d}.ics", b"new") for k in (1, 2, 3)])
        staged.commit()
    assert contents(folder) == {"round-01-group-002.ics": b"id,name\n1,Ann\n"}


def test_a_killed_runs_temporary_folders_are_swept_beside_and_inside(tmp_path: Path) -> None:
    dead, hour_ago = dead_pid(), time.time() - 3600

    def leftover(folder: Path, name: str, age: float = hour_ago) -> Path:
        path = folder / name
        path.mkdir()
        (path / "round-01-group-001.ics").write_text("ATTENDEE;CN=Ann:mailto:ann@example.org", encoding="utf-8")
        os.utime(path, (age, age))
        return path

    folder = tmp_path / "invitations"
    write_files(folder, {"round-01-group-001.ics": b"first run"})
    abandoned = [leftover(tmp_path, f".invitations.{dead}.0a1b2c3d.tmp"),  # a new folder's, killed
                 leftover(folder, f".invitations.{dead}.4e5f6a7b.tmp")]  # a rerun's, killed
    kept = [leftover(tmp_path, f".invitations.{os.getppid()}.0a1b2c3d.tmp"),  # its process still runs
            leftover(tmp_path, f".invitations.{dead}.9c8d7e6f.tmp", age=time.time()),  # recent: another machine's?
            leftover(tmp_path, f".emails.{dead}.0a1b2c3d.tmp")]  # another output's
    write_files(folder, {"round-01-group-001.ics": b"second run"})
    assert not any(path.exists() for path in abandoned)
    assert all(path.exists() for path in kept)
    assert contents(folder) == {"round-01-group-001.ics": b"second run"}


def write_roster(path: Path, size: int) -> None:
    chance = random.Random(size)
    professions = ["Nurse", "GP", "Social Worker", "Pharmacist", "Work Coach", "Paramedic", "Housing Officer"]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "name", "email", "organisation", "profession", "grade"])
        for k in range(size):
            writer.writerow([f"P{k:05d}", f"Siân O'Neil-{k}", f"p{k}@example.org",
                             chance.choice(["NHS Trust", "City Council", "DWP"]), chance.choice(professions),
                             f"Band {chance.randint(4, 7)}"])


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_every_export_of_a_large_schedule_tells_the_same_story(tmp_path: Path) -> None:
    people, rounds = 2_000, 3
    roster, config, out = tmp_path / "roster.csv", tmp_path / "peermatch.toml", tmp_path / "out"
    write_roster(roster, people)
    config.write_text('[schedule]\norganiser_email = "Pat Smith <pat@example.org>"\n', encoding="utf-8")
    out.mkdir()
    exports = ["--out", "people.csv", "--groups-out", "groups.csv", "--ics", "programme.ics",
               "--ics-dir", "invitations", "--intros", "intros.csv", "--eml-dir", "emails"]
    result = runner.invoke(app, ["schedule", str(roster), "-c", str(config), "--rounds", str(rounds), "--start",
                                 "2027-01-11", "--seed", "3", "--history", str(tmp_path / "h.sqlite"), "--quiet",
                                 *(a if a.startswith("--") else str(out / a) for a in exports)])
    assert result.exit_code == 0, result.stderr

    groups, intros = rows(out / "groups.csv"), rows(out / "intros.csv")
    calendar = (out / "programme.ics").read_text(encoding="utf-8")
    invitations, emails = listing(out / "invitations"), listing(out / "emails")
    conversations = len(groups)
    assert conversations >= rounds * (people // 2 - people // 40)  # nearly everyone meets someone each round
    assert len(intros) == calendar.count("BEGIN:VEVENT") == len(invitations) == len(emails) == conversations
    assert [name.removesuffix(".ics") for name in invitations] == [name.removesuffix(".eml") for name in emails]
    assert len(rows(out / "people.csv")) == people * rounds  # every person, every round (sitting out included)
    uids = {group["uid"] for group in groups}
    assert len(uids) == conversations
    assert {line.removeprefix("UID:") for line in calendar.splitlines() if line.startswith("UID:")} == uids
    invited = {line.removeprefix("UID:") for name in invitations
               for line in (out / "invitations" / name).read_text(encoding="utf-8").splitlines()
               if line.startswith("UID:")}
    assert invited == uids  # each invitation is its conversation's calendar event
    assert listing(out) == ["emails", "groups.csv", "intros.csv", "invitations", "people.csv", "programme.ics"]


def test_planning_again_updates_the_invitations_in_place(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "examples"
    argv = ["schedule", str(root / "integrated-care-roster.csv"), "-c", str(root / "peermatch.toml"), "--rounds",
            "2", "--start", "2027-01-11", "--seed", "5", "--history", str(tmp_path / "h.sqlite"), "--quiet",
            "--ics-dir", str(tmp_path / "invitations"), "--eml-dir", str(tmp_path / "invitations")]
    assert runner.invoke(app, argv).exit_code == 0
    first = contents(tmp_path / "invitations")
    assert {name.rsplit(".", 1)[1] for name in first} == {"ics", "eml"}
    (tmp_path / "invitations" / "sent.txt").write_text("sent on Monday", encoding="utf-8")
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    assert contents(tmp_path / "invitations") == first | {"sent.txt": b"sent on Monday"}  # the same plan, same bytes
    assert listing(tmp_path) == ["h.sqlite", "invitations"]


def test_made_in_one_pass_the_invitations_and_emails_are_those_made_on_their_own() -> None:
    """With --ics and --ics-dir (or --intros and --eml-dir) each event (each text) is made once for both."""
    schedule, sender = sample_schedule(), "Pat Coordinator <pat@council.example>"
    invited: dict[str, bytes] = {}
    calendar = b"".join(schedule_ics_parts(schedule, organiser=sender, invitation=invited.__setitem__))
    assert calendar == schedule_ics(schedule, organiser=sender)
    assert invited == invitation_files(schedule, sender)
    emailed: dict[str, bytes] = {}
    intros = b"".join(intros_csv_parts(schedule, DEFAULT_INTRO_TEMPLATE, "Pat", sender=sender,
                                       email=emailed.__setitem__))
    assert intros == intros_csv(schedule, DEFAULT_INTRO_TEMPLATE, "Pat")
    assert emailed == eml_files(schedule, DEFAULT_INTRO_TEMPLATE, sender=sender, coordinator="Pat")
    assert len(invited) == len(emailed) == 4


def test_the_current_folder_as_the_output_folder_is_updated_in_place_and_swept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "invitations"
    folder.mkdir()
    monkeypatch.chdir(folder)
    abandoned = folder / f".invitations.{dead_pid()}.0a1b2c3d.tmp"  # named for the folder, not for "."
    abandoned.mkdir()
    os.utime(abandoned, (time.time() - 3600,) * 2)
    write_files(Path("."), {"round-01-group-001.ics": b"invitation"})
    assert listing(folder) == ["round-01-group-001.ics"]

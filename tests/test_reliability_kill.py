"""``peermatch pair --out`` killed with SIGKILL while it writes a large CSV: the file there is the old one (or none),
or the whole new one, never part of one.

One real ``peermatch pair`` run on a generated roster of 20,000 people computes the groups once.  When it reaches
the write, it forks one copy per kill point, each writing the same bytes through the real ``write_atomic`` into a
folder of its own (one holding an old file, one empty); the copies pause at their kill point and the test kills
them with SIGKILL.  Instrumented points stop each copy at a known moment (temporary file created, first 64 KiB
written, half written, all written but not synced, synced but not renamed, renamed); timed points let a copy run
freely and kill it a few milliseconds after it starts writing.  The parent writes the real ``--out`` file to the
end, which gives the complete new bytes to compare with.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 20_000
CHUNK = 64 * 1024
PAUSED = ["temp-created", "first-chunk", "half-written", "written-not-synced", "synced-not-renamed", "renamed"]
DELAYS = [0.0, 0.001, 0.003, 0.008]
OLD = b"the old pairs file, which must survive whole\r\n" * 2000

HARNESS = r"""
import io, json, os, sys, time
from pathlib import Path
import peermatch.cli.app as cli
import peermatch.outputs.export as export

plans = json.loads(sys.argv[1])
real_os, real_write = export.os, export.write_atomic
CHUNK = 64 * 1024


def stop(folder, note):
    (folder / "stopped").write_text(note)
    time.sleep(120)  # the test kills the copy here


class Instrumented:
    # The harness, not peermatch, chooses where to stop, around the calls write_atomic makes.
    def __init__(self, point, folder, size):
        self.point, self.folder, self.size = point, folder, size

    def __getattr__(self, name):
        return getattr(real_os, name)

    def fdopen(self, fd, mode):
        if self.point == "temp-created":
            stop(self.folder, self.point)
        outer = self

        class Chunked(io.BufferedWriter):
            def write(self, data):
                data, done = bytes(data), 0
                while done < len(data):
                    super().write(data[done:done + CHUNK])
                    super().flush()
                    done += len(data[done:done + CHUNK])
                    if outer.point == "first-chunk" or (outer.point == "half-written" and done >= len(data) // 2):
                        stop(outer.folder, outer.point)
                return done

        return Chunked(io.FileIO(fd, "wb"))

    def fsync(self, fd):
        if self.point == "written-not-synced":
            stop(self.folder, self.point)
        real_os.fsync(fd)

    def replace(self, source, target):
        if self.point == "synced-not-renamed":
            stop(self.folder, self.point)
        real_os.replace(source, target)
        if self.point == "renamed":
            stop(self.folder, self.point)


def copy(plan, path, data, protect):
    folder = Path(plan["folder"])
    if plan["point"] == "timed":
        while not (folder / "go").exists():
            time.sleep(0.0002)
    else:
        export.os = Instrumented(plan["point"], folder, len(data))
    real_write(folder / path.name, data, protect=protect)
    stop(folder, "done")  # a timed kill may come after the rename


def forking_write(path, data, *, protect=()):
    # pair hands write_atomic its file a chunk at a time: collected here, so that every copy writes the same bytes
    # and the kill points can be placed by size.
    data = data if isinstance(data, bytes) else b"".join(data)
    pids = []
    for plan in plans:
        pid = os.fork()
        if pid == 0:
            try:
                copy(plan, path, data, protect)
            finally:
                os._exit(3)
        pids.append(pid)
    print(json.dumps(pids), flush=True)
    real_write(path, data, protect=protect)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    print(json.dumps([os.WTERMSIG(s) if os.WIFSIGNALED(s) else -os.WEXITSTATUS(s) for s in statuses]), flush=True)


export.write_atomic = forking_write  # pair imports it when it runs (cli/common.py), so it finds this one
sys.argv = ["peermatch", *sys.argv[2:]]
cli.main()
"""


def big_roster(path: Path) -> Path:
    chance = random.Random(20_000)
    professions = ["Nurse", "GP", "Social Worker", "Pharmacist", "Work Coach", "Paramedic", "Housing Officer"]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "name", "email", "organisation", "profession", "grade"])
        for i in range(PEOPLE):
            writer.writerow([f"P{i:05d}", f"Person {i}", f"p{i}@x.example", chance.choice(["NHS", "Council", "DWP"]),
                             chance.choice(professions), f"Band {chance.randint(4, 7)}"])
    return path


def wait_for(marker: Path, harness: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        assert harness.poll() is None, harness.communicate()
        assert time.monotonic() < deadline, f"{marker} never appeared"
        time.sleep(0.002)


def test_a_run_killed_while_writing_leaves_the_old_file_or_none_never_a_partial_one(tmp_path: Path) -> None:
    roster, out = big_roster(tmp_path / "roster.csv"), tmp_path / "pairs.csv"
    out.write_bytes(OLD)
    plans: list[dict[str, Any]] = [{"point": point, "old": old, "delay": 0.0}
                                   for point in PAUSED for old in (True, False)]
    plans += [{"point": "timed", "old": True, "delay": delay} for delay in DELAYS]
    plans += [{"point": "timed", "old": False, "delay": delay} for delay in DELAYS[1::2]]
    for number, plan in enumerate(plans):
        folder = tmp_path / f"copy-{number:02d}"
        folder.mkdir()
        if plan["old"]:
            (folder / "pairs.csv").write_bytes(OLD)
            (folder / "pairs.csv").chmod(0o600)  # as peermatch makes its outputs, so a leftover's mode says who made it
        plan["folder"] = str(folder)
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS, json.dumps(plans), "pair", str(roster), "--out", str(out), "--seed", "1",
         "--dry-run", "--quiet"],
        cwd=tmp_path, env=os.environ | {"PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert harness.stdout is not None
        pids = json.loads(harness.stdout.readline() or "null")
        assert pids and len(pids) == len(plans), harness.communicate()
        for plan, pid in zip(plans, pids, strict=True):
            folder = Path(plan["folder"])
            if plan["point"] == "timed":
                (folder / "go").touch()
                time.sleep(plan["delay"])
            else:
                wait_for(folder / "stopped", harness)
            os.kill(pid, signal.SIGKILL)
        rest, err = harness.communicate(timeout=120)
    finally:
        if harness.poll() is None:
            harness.kill()
            harness.communicate()
    assert harness.returncode == 0, err
    assert json.loads(rest) == [signal.SIGKILL] * len(plans)  # every copy died by SIGKILL, none finished

    new = out.read_bytes()
    rows = list(csv.reader(io.StringIO(new.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + PEOPLE // 2 and new.endswith(b"\r\n") and len(new) > 1_000_000
    outcomes: dict[str, int] = {}
    for plan in plans:
        folder = Path(plan["folder"])
        target, before = folder / "pairs.csv", OLD if plan["old"] else None
        found = target.read_bytes() if target.exists() else None
        if plan["point"] == "renamed":
            assert found == new, plan
        elif plan["point"] == "timed":
            assert found in (before, new), plan
        else:
            assert found == before, plan  # killed before the rename: exactly the old file, or still none
        leftovers = [p for p in folder.iterdir() if p.name.startswith(".pairs.csv.") and p.name.endswith(".tmp")]
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in leftovers)  # a killed writer's temporary stays private
        if plan["point"] in ("first-chunk", "half-written"):
            [partial] = leftovers
            assert 0 < partial.stat().st_size < len(new)  # the kill really came in the middle of the write
        outcome = "new" if found == new else "old" if found is not None else "none"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("old", 0) >= len(PAUSED) - 1 and outcomes.get("new", 0) >= 2

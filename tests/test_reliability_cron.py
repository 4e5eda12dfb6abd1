"""Unattended runs: nothing ever asks a question, no escape codes or animation off a terminal, ``NO_COLOR`` even on
a terminal, ``--quiet`` prints only errors (and JSON when asked), and two runs at once keep the history consistent.

The cron runs are real processes with standard input closed and output going to pipes, started together: two
``pair`` runs against one history (the lock makes the second wait, or exit 75) and a ``history prune``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import pty
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.history.rounds import RecordedGroup
from peermatch.history.store import History

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "integrated-care-roster.csv"
CONFIG = ROOT / "examples" / "peermatch.toml"
PEOPLE = 63
# Eight people and a row with a blank grade, which --skip-invalid leaves out with a warning.
SMALL = "id,name,email,organisation,profession,grade\n" + "".join(
    f"S{k},Person {k},p{k}@x.example,{('NHS', 'Council')[k % 2]},{('Nurse', 'GP', 'Work Coach', 'Pharmacist')[k % 4]},"
    f"Band {5 + k // 4}\n" for k in range(8)) + "X1,Zed Blank,zed@x.example,NHS,Nurse,\n"
runner = CliRunner()
# Escape codes that set a colour: 30-38 and 90-97 (text), 40-48 and 100-107 (background).
_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_COLOUR = {*range(30, 39), *range(40, 49), *range(90, 98), *range(100, 108)}
TERMINAL_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")


def colour_codes(text: str) -> list[str]:
    return [m[0] for m in _SGR.finditer(text) if _COLOUR & {int(p) for p in m[1].split(";") if p}]


def run(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], env=env, input="")
    return result.exit_code, result.stdout, result.stderr


def plain_environment() -> dict[str, str]:
    """The environment cron gives: a TERM that could show colour, but no terminal and no colour settings."""
    env = {k: v for k, v in os.environ.items() if k not in TERMINAL_VARIABLES}
    return env | {"PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}


def seed_history(path: Path) -> Path:
    """An old round and a recent one, with someone unmatched, for the history commands."""
    with History.open(path, write=True) as store:
        store.record_round("2024-01-08", kind="schedule", starts="2024-01-08T09:00", groups=[
            RecordedGroup(("NT0311", "NC1187"), None, "u1@peermatch", None)], unmatched=["W3"], profiles={})
        store.record_round("2027-01-11", kind="schedule", starts="2027-01-11T09:00", groups=[
            RecordedGroup(("NT0311", "W1"), 1, "u2@peermatch", None)], unmatched=["W3"], profiles={})
        store.commit()
    return path


# -- nothing ever asks ----------------------------------------------------------------------------------------------

def every_command(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Each command and subcommand, as typer hands them to its (vendored) click."""
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from every_command(command, (*prefix, name))


def test_no_command_or_option_can_prompt() -> None:
    commands = list(every_command(typer.main.get_group(app)))
    assert {"pair", "schedule", "history"} <= {path[0] for path, _ in commands} and len(commands) >= 10
    for path, command in commands:
        for parameter in command.params:
            assert not getattr(parameter, "prompt", None), (path, parameter.name)
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "peermatch").glob("*.py"))
    assert not re.search(r"\b(typer|click)\.(prompt|confirm|getchar|pause)\b|\binput\(|getpass", source)


# -- cron: real processes, standard input closed, output to pipes ----------------------------------------------------

@dataclass
class Finished:
    code: int
    out: str
    err: str


def start_closed_stdin(*args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    # `<&-` closes standard input altogether, harsher than /dev/null: Python then has no sys.stdin at all.
    return subprocess.Popen(["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-m", "peermatch", *map(str, args)],
                            cwd=cwd, env=plain_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def start_on_terminal(*args: str | Path, cwd: Path, env: dict[str, str]) -> tuple[int, subprocess.Popen[bytes]]:
    """A run on a pseudo-terminal, so peermatch sees a real one; returns the terminal's reading end."""
    primary, secondary = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "peermatch", *map(str, args)], cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    return primary, child


def read_terminal(primary: int, child: subprocess.Popen[bytes]) -> Finished:
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    return Finished(child.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace"), "")


@pytest.fixture(scope="module")
def cron(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Finished | Path]:
    """Real runs started at once: two cron pairings against one history, and one on a terminal with NO_COLOR."""
    folder = tmp_path_factory.mktemp("cron")
    shared = folder / "shared.sqlite"
    terminal = start_on_terminal("pair", ROSTER, "-c", CONFIG, "--seed", "1", "--dry-run", "--show", "3", cwd=folder,
                                 env=plain_environment() | {"NO_COLOR": "1"})
    jobs = {
        "table": start_closed_stdin("pair", ROSTER, "-c", CONFIG, "--seed", "1", "--round", "jan", "--out",
                                    folder / "jan.csv", "--history", shared, cwd=folder),
        "json": start_closed_stdin("pair", ROSTER, "-c", CONFIG, "--seed", "2", "--round", "feb", "--format",
                                   "json", "--quiet", "--history", shared, cwd=folder),
    }
    results: dict[str, Finished | Path] = {"shared": shared, "folder": folder}
    for name, job in jobs.items():
        out, err = job.communicate(timeout=120)
        results[name] = Finished(job.returncode, out, err)
    results["terminal"] = read_terminal(*terminal)
    return results


def finished(cron: dict[str, Finished | Path], name: str) -> Finished:
    result = cron[name]
    assert isinstance(result, Finished)
    return result


def test_a_cron_run_shows_no_escape_codes_and_no_progress_animation(cron: dict[str, Finished | Path]) -> None:
    table = finished(cron, "table")
    both_ran = finished(cron, "json").code == 0
    assert table.code in ((0, 75) if both_ran else (0,)), table.err
    if table.code == 0:
        assert "Peer-learning groups" in table.out and "wrote" in table.err
    for name in ("table", "json"):
        result = finished(cron, name)
        assert "\x1b" not in result.out + result.err and "\r" not in result.out + result.err, name


def test_a_quiet_cron_run_prints_only_the_json_it_was_asked_for(cron: dict[str, Finished | Path]) -> None:
    result = finished(cron, "json")
    if result.code == 75:  # the other run held the history past the wait: one line, nothing on stdout
        assert result.out == "" and result.err.count("\n") == 1 and "another peermatch run" in result.err
        return
    assert result.code == 0 and result.err == ""
    assert sum(len(group["members"]) for group in json.loads(result.out)["groups"]) == PEOPLE


def test_destructive_history_commands_never_ask_for_confirmation(tmp_path: Path) -> None:
    history = seed_history(tmp_path / "h.sqlite")
    for command in (("forget-person", "NC1187"), ("prune", "--before", "2025-01-01"), ("forget", "2027-01-11")):
        code, out, err = run("history", *command, "--history", history)  # standard input is empty
        assert code == 0 and err == "" and out.count("\n") == 1 and "?" not in out, command
    with History.open(history, write=False) as store:
        assert store.rounds() == []


def test_two_pairings_at_once_one_waits_or_exits_75_and_the_history_stays_consistent(
        cron: dict[str, Finished | Path]) -> None:
    codes = sorted([finished(cron, "table").code, finished(cron, "json").code])
    assert codes in ([0, 0], [0, 75])
    shared = cron["shared"]
    assert isinstance(shared, Path)
    with sqlite3.connect(f"{shared.as_uri()}?mode=ro", uri=True) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    raw.close()
    with History.open(shared, write=False) as store:
        labels = [info.label for info in store.rounds()]
        assert len(labels) == codes.count(0) and set(labels) <= {"jan", "feb"}
        met, rows = [], {}
        for label in labels:
            groups, unmatched = store.show(label), store.unmatched(label)
            members = [p for group in groups for p in group["members"]] + unmatched
            assert len(members) == len(set(members)) == PEOPLE  # everyone once per round
            met.append({frozenset(pair) for group in groups for pair in itertools.combinations(group["members"], 2)})
            rows[label] = len(groups) + len(unmatched)
    if len(met) == 2:
        assert not met[0] & met[1]  # the second run waited, then read the first's pairs and avoided them
    folder = cron["folder"]
    assert isinstance(folder, Path)
    if "jan" in rows:  # the --out file of the run that recorded it: every group and unmatched person, one row each
        written = list(csv.reader(io.StringIO((folder / "jan.csv").read_text(encoding="utf-8-sig"))))
        assert len(written) == 1 + rows["jan"]


# -- colour --------------------------------------------------------------------------------------------------------

def test_colour_is_shown_on_a_forced_terminal_and_left_out_with_no_color(tmp_path: Path) -> None:
    history = seed_history(tmp_path / "h.sqlite")
    forced = {"FORCE_COLOR": "1", "NO_COLOR": None}
    roster = tmp_path / "roster.csv"
    roster.write_text(SMALL, encoding="utf-8")
    cases = [("pair", roster, "--skip-invalid", "--seed", "1", "--dry-run"), ("pair", tmp_path / "missing.csv"),
             ("history", "show", "2027-01-11", "--history", history)]
    for args in cases:
        _, out, err = run(*args, env=forced)  # type: ignore[arg-type]
        assert colour_codes(out + err), args  # the check below can see colour when there is some
        _, out, err = run(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
        assert colour_codes(out + err) == [], args


def test_no_color_on_a_real_terminal(cron: dict[str, Finished | Path]) -> None:
    """On a pseudo-terminal peermatch draws its progress bar and bold headings, but not one colour."""
    result = finished(cron, "terminal")
    assert result.code == 0
    assert "\x1b[?25l" in result.out and "Peer-learning groups" in result.out  # the progress bar ran, on a terminal
    assert colour_codes(result.out) == []


# -- --quiet -------------------------------------------------------------------------------------------------------



def test_quiet_pair_and_schedule_print_nothing_but_requested_json(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(SMALL, encoding="utf-8")  # a row left out with a warning, which --quiet keeps quiet
    history = tmp_path / "h.sqlite"
    base = ("--skip-invalid", "--seed", "1", "--history", history, "--quiet")
    assert run("pair", roster, *base, "--round", "a", "--out", tmp_path / "p.csv") == (0, "", "")
    code, out, err = run("pair", roster, *base, "--round", "b", "--format", "json")
    assert code == 0 and err == "" and json.loads(out)["left_out"]
    schedule = ("schedule", roster, *base, "--start", "2027-01-11", "--rounds", "2")
    assert run(*schedule, "--out", tmp_path / "s.csv", "--ics", tmp_path / "s.ics") == (0, "", "")
    code, out, err = run(*schedule, "--format", "json")
    assert code == 0 and err == "" and len(json.loads(out)["rounds"]) == 2
    code, out, err = run("pair", roster, *base)  # without --quiet the warning is there to be silenced
    assert code == 0 and "warning" in run("pair", roster, *base[:-1])[2]


def test_quiet_history_commands_print_nothing(tmp_path: Path) -> None:
    history = seed_history(tmp_path / "h.sqlite")
    feedback = tmp_path / "feedback.csv"
    feedback.write_text("round,group,met\n2027-01-11,1,yes\n", encoding="utf-8")
    exported = tmp_path / "export.csv"
    commands = [("export", "--out", exported), ("import", exported), ("met", feedback),
                ("forget-person", "NT0311"), ("prune", "--before", "2025-01-01"), ("forget", "2027-01-11")]
    for command in commands:
        assert run("history", *command, "--history", history, "--quiet") == (0, "", ""), command
        assert run("history", *command, "--history", history)[1:] != ("", ""), command  # they do speak otherwise


def test_quiet_still_reports_errors_in_one_line(tmp_path: Path) -> None:
    for args in [("pair", tmp_path / "missing.csv"), ("schedule", ROSTER, "-c", CONFIG, "--start", "someday"),
                 ("history", "forget", "never", "--history", seed_history(tmp_path / "h.sqlite"))]:
        code, out, err = run(*args, "--quiet")
        assert code in (2, 65, 66) and out == "" and err.startswith("error: ") and err.count("\n") == 1, args

"""The progress bar: on a terminal it names each step; anywhere else it shows nothing at all."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from peermatch.cli.render_progress import Progress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "integrated-care-roster.csv"
CONFIG = ROOT / "examples" / "peermatch.toml"


def test_steps_are_named_on_a_terminal() -> None:
    stream = io.StringIO()
    terminal = Console(file=stream, force_terminal=True, width=80)
    with Progress(terminal, 3) as progress:
        assert progress.shown
        progress.step("Reading roster.csv")
        within = progress.step("Planning 2 rounds", units=2)
        within(1, 2)
    assert "Reading roster.csv" in stream.getvalue()
    assert "Planning 2 rounds" in stream.getvalue()


def test_nothing_is_shown_off_a_terminal_or_when_quiet() -> None:
    for console, show in ((Console(file=io.StringIO(), force_terminal=False), True),
                          (Console(file=io.StringIO(), force_terminal=True), False)):
        with Progress(console, 2, show=show) as progress:
            assert not progress.shown
            progress.step("Reading roster.csv")(1, 1)
        assert console.file.getvalue() == ""  # type: ignore[attr-defined]


def _run_on_terminal(*args: str, tmp_path: Path) -> tuple[int, str]:
    """Run peermatch with stderr on a pseudo-terminal, as a coordinator at a terminal sees it."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "PEERMATCH_HISTORY": str(tmp_path / "h.sqlite")}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "peermatch", *args], stdout=subprocess.DEVNULL,
                               stderr=follower, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when peermatch exits
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_pair_shows_its_steps_on_a_terminal(tmp_path: Path) -> None:
    code, terminal = _run_on_terminal("pair", str(EXAMPLE), "--config", str(CONFIG), "--seed", "1", "--format",
                                      "json", "--out", str(tmp_path / "pairs.csv"), tmp_path=tmp_path)
    assert code == 0
    for step in ("Reading integrated-care-roster.csv", "Pairing 63 people", "Writing pairs.csv",
                 "Recording the round in the history"):
        assert step in terminal


def test_schedule_counts_its_rounds_on_a_terminal(tmp_path: Path) -> None:
    code, terminal = _run_on_terminal("schedule", str(EXAMPLE), "--config", str(CONFIG), "--seed", "1",
                                      "--rounds", "3", "--start", "2027-01-11", "--every", "2w", "--dry-run",
                                      "--format", "json", tmp_path=tmp_path)
    assert code == 0
    assert "Planning 3 rounds for 63 people" in terminal
    assert "Recording" not in terminal  # --dry-run records nothing, and the bar says so by leaving it out


def test_quiet_keeps_the_terminal_clear(tmp_path: Path) -> None:
    code, terminal = _run_on_terminal("pair", str(EXAMPLE), "--config", str(CONFIG), "--quiet", "--dry-run",
                                      tmp_path=tmp_path)
    assert code == 0
    assert terminal == ""


def test_check_and_report_show_their_steps_on_a_terminal(tmp_path: Path) -> None:
    code, terminal = _run_on_terminal("check", str(EXAMPLE), "--config", str(CONFIG), "--format", "json",
                                      tmp_path=tmp_path)
    assert code == 0 and "Checking integrated-care-roster.csv" in terminal
    code, terminal = _run_on_terminal("report", "--roster", str(EXAMPLE), "--config", str(CONFIG), "--out",
                                      str(tmp_path / "report.html"), "--quiet", tmp_path=tmp_path)
    assert code == 0 and terminal == ""  # --quiet: no bar either
    code, terminal = _run_on_terminal("report", "--roster", str(EXAMPLE), "--config", str(CONFIG), "--out",
                                      str(tmp_path / "report.html"), tmp_path=tmp_path)
    assert code == 0
    for step in ("Reading integrated-care-roster.csv", "Reading the history h.sqlite", "Writing report.html"):
        assert step in terminal

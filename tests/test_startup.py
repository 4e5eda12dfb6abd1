"""``peermatch --help``, ``--version`` and tab completion load none of the heavy libraries.

pandas, numpy and networkx (and rich, for what prints nothing styled) took a second to import before peermatch
answered anything.  Each command imports them when it runs (cli/common.py); this checks, in a fresh process, that
registering the commands does not.  How long start-up takes is measured by benchmarks/bench_startup.py, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "numpy", "networkx", "rich", "icalendar", "sqlite3")
PROBE = """
import json, sys
sys.argv = ["peermatch", *json.loads(sys.argv[1])]
from peermatch.cli.app import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)), file=sys.stderr)
"""


def _loaded(tmp_path: Path, *arguments: str, env: dict[str, str] | None = None) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), json.dumps(arguments)],
                          capture_output=True, text=True, cwd=tmp_path, env=os.environ | (env or {}), check=False)
    loaded: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return loaded


def test_importing_the_commands_loads_no_heavy_library(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", f"import sys, peermatch.cli.app; print([m for m in {HEAVY!r} "
                           "if m in sys.modules])"], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("arguments", [["--version"], ["--help"], ["pair", "--help"], ["history", "--help"]])
def test_version_and_help_load_no_heavy_library_but_rich_for_help(tmp_path: Path, arguments: list[str]) -> None:
    allowed = {"rich"} if "--help" in arguments else set()  # typer draws its help with rich
    assert set(_loaded(tmp_path, *arguments)) <= allowed


def test_tab_completion_loads_no_heavy_library(tmp_path: Path) -> None:
    completion = {"_PEERMATCH_COMPLETE": "complete_bash", "COMP_WORDS": "peermatch sch", "COMP_CWORD": "1"}
    assert _loaded(tmp_path, env=completion) == []


def test_a_command_still_finds_what_it_imports_when_it_runs(tmp_path: Path) -> None:
    """The imports moved into the commands are there: a real pair run loads pandas and networkx."""
    roster = tmp_path / "roster.csv"
    roster.write_text("Staff ID,Grade,Profession\nE1,Band 5,Nurse\nE2,Band 5,GP\n", encoding="utf-8")
    loaded = _loaded(tmp_path, "pair", str(roster), "--dry-run", "--history", str(tmp_path / "h.sqlite"))
    assert {"pandas", "networkx", "rich", "sqlite3"} <= set(loaded)

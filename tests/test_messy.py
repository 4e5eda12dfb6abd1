"""Real-world-shaped rosters through the whole ``peermatch pair`` command, each with its exact outcome.

The table of outcomes is tests/data/messy/expected.toml: a roster either pairs (and the ids and names come out as
written) or stops with one line naming the file (and the row and column where there is one) and exit 65 or 66.
Never a traceback, never a half-read roster.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from peermatch.cli.app import app

MESSY = Path(__file__).parent / "data" / "messy"
CASES: list[dict[str, Any]] = tomllib.loads((MESSY / "expected.toml").read_text(encoding="utf-8"))["roster"]
MEGABYTE = 1_000_000
HEADINGS = "Staff ID,Name,Grade,Profession"
PEOPLE = ["E1,Ann Lee,Band 5,Nurse", "E2,Bob Kay,Band 5,Social Worker", "E3,Cat Roe,Band 5,GP",
          "E4,Dan Poe,Band 5,Paramedic"]

runner = CliRunner()


# Rosters too big to keep in the repository, written at test time ---------------------------------------------------


def _huge_cell(path: Path) -> None:
    document = '"' + ("Minutes, 3 March: agreed to meet monthly.\n" * (MEGABYTE // 43)) + '"'
    lines = [HEADINGS + ",Notes", *(f"{person}," for person in PEOPLE)]
    lines[2] += document
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _huge_grade(path: Path) -> None:
    lines = [HEADINGS, *PEOPLE]
    lines[2] = "E2,Bob Kay," + "x" * MEGABYTE + ",Social Worker"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _huge_heading(path: Path) -> None:
    path.write_text("\n".join([HEADINGS + "," + "N" * MEGABYTE, *PEOPLE]) + "\n", encoding="utf-8")


def _huge_first_heading(path: Path) -> None:
    path.write_text("\n".join(["N" * MEGABYTE + "," + HEADINGS, *PEOPLE]) + "\n", encoding="utf-8")


def _wide(path: Path) -> None:
    extra = 10_000 - 4
    lines = [HEADINGS + "".join(f",Column {n}" for n in range(extra))]
    lines += [person + "".join(f",{n}" for n in range(extra)) for person in PEOPLE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _wide_row(path: Path) -> None:
    lines = [HEADINGS, *PEOPLE]
    lines[3] += ",note" * (10_000 - 4)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


GENERATORS: dict[str, Callable[[Path], None]] = {
    "huge_cell.csv": _huge_cell, "huge_grade.csv": _huge_grade, "huge_heading.csv": _huge_heading,
    "huge_first_heading.csv": _huge_first_heading, "wide.csv": _wide, "wide_row.csv": _wide_row,
}


def roster_path(case: dict[str, Any], tmp_path: Path) -> Path:
    if case.get("generated"):
        path = tmp_path / case["file"]
        GENERATORS[case["file"]](path)
        return path
    return MESSY / case["file"]


def assert_clean(result: Result) -> None:
    """No traceback, no stray exception (pytest turns warnings into errors too): a clean exit however bad the input."""
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


# The table ---------------------------------------------------------------------------------------------------------


def test_every_file_in_the_folder_has_an_expected_outcome() -> None:
    listed = [case["file"] for case in CASES if not case.get("generated")]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(path.name for path in MESSY.iterdir() if path.name != "expected.toml")
    assert {case["file"] for case in CASES if case.get("generated")} == set(GENERATORS)
    for case in CASES:
        assert case["input"] and case["exit"] in (0, 65, 66)
        assert ("error" in case) == (case["exit"] != 0), case["file"]


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_messy_roster_gives_its_expected_outcome(case: dict[str, Any], tmp_path: Path) -> None:
    roster = roster_path(case, tmp_path)
    out = tmp_path / "pairs.csv"
    result = runner.invoke(app, ["pair", str(roster), "--format", "json", "--seed", "1", "--out", str(out)])
    assert_clean(result)
    assert result.exit_code == case["exit"], result.stderr
    if case["exit"]:
        assert result.stderr == f"error: {roster}{case['error']}\n"
        assert result.stdout == "" and not out.exists()
        return
    data = json.loads(result.stdout)
    assert (data["summary"]["people"], len(data["groups"])) == (case["people"], case["groups"])
    members = [member for group in data["groups"] for member in group["members"]] + data["unmatched"]
    assert len(members) == len(set(members)) == case["people"]
    assert set(case.get("ids", [])) <= set(members)
    written = out.read_bytes().decode("utf-8-sig")
    for name in case.get("names", []):
        assert name in written


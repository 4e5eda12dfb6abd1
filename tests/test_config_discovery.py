"""Which config a command uses without --config: ./peermatch.toml, then $PEERMATCH_CONFIG, then none.

Every command says which it used in its first note on stderr, so --format json keeps stdout pure JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app

runner = CliRunner()
# Headings peermatch does not know without help: only a config naming "Job Level" makes this roster readable.
ROSTER = ("Staff ID,Name,Job Title,Job Level\n1,Ann Lee,Nurse,Band 5\n2,Bo Kay,Social Worker,Band 5\n"
          "3,Cy Roe,GP,Band 6\n4,Di Poe,Pharmacist,Band 6\n")
NAMES_LEVEL = '[columns]\nlevel = "Job Level"\n'


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _pair(*extra: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["pair", "roster.csv", "--dry-run", "--seed", "1", "--format", "json", *extra])
    return result.exit_code, result.stdout, result.stderr


def test_the_config_in_the_current_folder_is_used_and_named(folder: Path) -> None:
    (folder / "peermatch.toml").write_text(NAMES_LEVEL, encoding="utf-8")
    code, out, err = _pair()
    assert code == 0, err
    assert json.loads(out)["summary"]["people"] == 4  # stdout is only JSON
    assert err.splitlines()[0] == "config: peermatch.toml (found in this folder)"


def test_peermatch_config_is_used_when_the_folder_has_none(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = folder / "shared" / "programme.toml"
    shared.parent.mkdir()
    shared.write_text(NAMES_LEVEL, encoding="utf-8")
    monkeypatch.setenv("PEERMATCH_CONFIG", str(shared))
    code, _, err = _pair()
    assert code == 0, err
    assert err.splitlines()[0] == f"config: {shared} (from $PEERMATCH_CONFIG)"


def test_the_folder_comes_before_the_variable_and_config_before_both(folder: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "peermatch.toml").write_text(NAMES_LEVEL, encoding="utf-8")
    elsewhere = folder / "elsewhere.toml"
    elsewhere.write_text('[columns]\nlevel = "No Such Heading"\n', encoding="utf-8")
    monkeypatch.setenv("PEERMATCH_CONFIG", str(elsewhere))
    assert _pair()[0] == 0
    code, _, err = _pair("--config", str(elsewhere))
    assert code == 65 and "there is no column 'No Such Heading'" in err


def test_a_variable_naming_no_file_is_a_config_error(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERMATCH_CONFIG", str(folder / "gone.toml"))
    code, out, err = _pair()
    assert (code, out) == (78, "")
    assert err == (f"error: {folder / 'gone.toml'}: $PEERMATCH_CONFIG names this config file, which does not exist; "
                   "correct the variable or unset it\n")


def test_without_any_config_the_note_says_so(folder: Path) -> None:
    (folder / "roster.csv").write_text(ROSTER.replace("Job Level", "Grade"), encoding="utf-8")
    code, _, err = _pair()
    assert code == 0, err
    assert err.splitlines()[0] == ("no config: peermatch's defaults (no --config, no peermatch.toml in this folder, "
                                   "no $PEERMATCH_CONFIG)")


@pytest.mark.parametrize("command", [
    ["check", "roster.csv"],
    ["explain", "roster.csv", "1"],
    ["schedule", "roster.csv", "--start", "2027-01-11", "--dry-run", "--seed", "1"],
    ["report", "--roster", "roster.csv"],
])
def test_every_command_names_the_config_it_found(folder: Path, command: list[str]) -> None:
    (folder / "peermatch.toml").write_text(NAMES_LEVEL, encoding="utf-8")
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert notes[0] == "config: peermatch.toml (found in this folder)"


def test_an_output_may_not_overwrite_the_config_found(folder: Path) -> None:
    (folder / "peermatch.toml").write_text(NAMES_LEVEL, encoding="utf-8")
    code, _, err = _pair("--out", "peermatch.toml")
    assert code == 73 and "refusing to overwrite an input file" in err
    assert (folder / "peermatch.toml").read_text(encoding="utf-8") == NAMES_LEVEL

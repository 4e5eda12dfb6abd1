"""Generated messy rosters (tests/messy_strategies.py) through the loader and through the whole ``pair`` command.

Each roster comes with a plain model of who must be paired; peermatch must agree with it, or stop with one clean
line and exit 65 -- whatever the encoding, delimiter, headings, blanks and repeats.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.errors import RosterError
from peermatch.roster.reading import load_roster
from tests.messy_strategies import MessyRoster, messy_rosters

runner = CliRunner()
# The command costs a solve and a JSON dump per example: half the profile's examples keep the default run short.
FEWER = settings(max_examples=max(10, settings().max_examples // 2))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("messy")


@given(roster=messy_rosters(), skip_invalid=st.booleans())
def test_the_loader_agrees_with_the_model(folder: Path, roster: MessyRoster, skip_invalid: bool) -> None:
    path = folder / "roster.csv"
    path.write_bytes(roster.raw)
    if not roster.expected_ids or not (roster.clean or skip_invalid):
        with pytest.raises(RosterError) as caught:
            load_roster(path, skip_invalid=skip_invalid)
        message = str(caught.value)
        assert message.startswith(f"{path}") and len(message.splitlines()) == 1
        return
    loaded = load_roster(path, skip_invalid=skip_invalid)
    assert (loaded.encoding, loaded.delimiter) == (roster.encoding, roster.delimiter)
    assert [person.id for person in loaded.people] == roster.expected_ids
    assert {person.id: person.name for person in loaded.people} == roster.names
    assert {person.id: person.level.step for person in loaded.people} == roster.steps
    ids = [person.id for person in loaded.people] + [left.id for left in loaded.left_out]
    assert len(loaded.people) + len(loaded.left_out) <= roster.raw.count(b"\n")
    assert set(roster.expected_ids) <= set(ids)


@FEWER
@given(roster=messy_rosters(), skip_invalid=st.booleans(), max_gap=st.sampled_from([0, 1, 2]))
def test_the_pair_command_pairs_everyone_once_within_the_gap_or_says_why_not(
        folder: Path, roster: MessyRoster, skip_invalid: bool, max_gap: int) -> None:
    path, config = folder / "roster.csv", folder / "peermatch.toml"
    path.write_bytes(roster.raw)
    config.write_text(f"[rules]\nmax_level_gap = {max_gap}\n", encoding="utf-8")
    args = ["pair", str(path), "--config", str(config), "--format", "json", "--seed", "0", "--dry-run"]
    result = runner.invoke(app, args + ["--skip-invalid"] * skip_invalid)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if not roster.expected_ids or not (roster.clean or skip_invalid):
        assert result.exit_code == 65
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(f"error: {path}")
        return
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    members = [member for group in data["groups"] for member in group["members"]] + data["unmatched"]
    assert sorted(members) == sorted(roster.expected_ids)  # everyone taking part, each exactly once
    for group in data["groups"]:
        for a, b in itertools.combinations(group["members"], 2):
            assert abs(roster.steps[a] - roster.steps[b]) <= max_gap

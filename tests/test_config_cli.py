"""A wrong peermatch.toml through the whole ``pair --config`` command: one line naming the file and key, exit 78.

A typo that fell back to a default would pair people by the wrong rules for months, so every mistake stops the run
before the roster is paired; a value that would exhaust memory or overflow a date is refused the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app

ROSTER = Path(__file__).parent / "data" / "messy" / "utf8.csv"
WEIGHTS = "same_level, level_step, different_profession, different_organisation, same_site"
BIG = 9223372036854775807  # the largest whole number TOML allows

runner = CliRunner()

# (what the coordinator wrote, the message after "error: <config>: ")
MISTAKES = [
    ("[weights]\nsame_levle = 100\n", f"unknown key 'weights.same_levle' (allowed in [weights]: {WEIGHTS})"),
    ("[colour]\nsame_level = 100\n",
     "unknown key 'colour' (allowed: weights, rules, columns, levels, schedule, history, groups)"),
    ('[columns]\ngrade = "Pay Band"\n', "unknown key 'columns.grade' (allowed in [columns]: id, name, first_name, "
     "last_name, email, level, profession, organisation, site, active, opt_out, taking_part, consent)"),
    ("weights = 5\n", "weights must be a table, like [weights]"),
    ("[weights]\nsame_level = 1.5\n", "weights.same_level must be a whole number, not 1.5"),
    ('[weights]\nsame_level = "high"\n', "weights.same_level must be a whole number, not 'high'"),
    ("[weights]\ndifferent_profession = true\n", "weights.different_profession must be a whole number, not True"),
    ("[weights]\nsame_site = 5e0\n", "weights.same_site must be a whole number, not 5.0"),
    ("[weights]\nsame_level = nan\n", "weights.same_level must be a whole number, not nan"),
    ("[weights]\nlevel_step = -60\n", "weights.level_step must be at least 0: it is subtracted per level apart"),
    # Beyond 64-bit arithmetic once scaled into tiers: the scores would wrap around without a word.
    ("[weights]\nsame_level = 9223372036854775807\n",
     "weights.same_level must be at most 1000000, not 9223372036854775807"),
    ("[weights]\ndifferent_organisation = -2000000\n",
     "weights.different_organisation must be at least -1000000, not -2000000"),
    ("[rules]\nmax_level_gap = -1\n", "rules.max_level_gap must be at least 0, not -1"),
    ('[rules]\nmax_level_gap = "one"\n', "rules.max_level_gap must be a whole number, not 'one'"),
    # Once exhausted the memory of the machine: the scoring lists every gap up to the maximum.
    (f"[rules]\nmax_level_gap = {BIG}\n", f"rules.max_level_gap must be at most 20, not {BIG}"),
    ('[rules]\nexclude = [["E001"]]\n', 'rules.exclude entry 1 must be a pair of ids, like ["E01", "E02"]'),
    ('[levels]\norder = ["Officer", "Senior Officer", " officer"]\n', "levels.order: 'officer' is listed twice"),
    ('[levels]\norder = "Officer, Senior Officer"\n',
     'levels.order must be a list of level names, junior first, like ["Entry", "Senior"]'),
    ('[levels]\norder = ["Officer", ""]\n', "levels.order: a level label is blank"),
    ('[levels.map.NHS]\n"Band 5" = "Band 99"\n',
     "levels.map.'NHS': 'Band 5' maps to 'Band 99', but grade 'Band 99' is not an Agenda for Change band (1-9)"),
    ('[columns]\nlevel = "Grade"\nprofession = "grade"\n',
     "columns.level and columns.profession both name the column 'grade'; give each its own"),
    ('[columns]\nlevel = "  "\n', "columns.level must be a column heading, not '  '"),
    # Once overflowed the calendar dates of `schedule`.
    (f"[schedule]\nduration_minutes = {BIG}\n", f"schedule.duration_minutes must be at most 1440 (a day), not {BIG}"),
    ("[schedule]\nduration_minutes = 0\n", "schedule.duration_minutes must be at least 1, not 0"),
    ("[schedule]\nprompts = []\n", "schedule.prompts must be a list of one or more conversation prompts"),
    ('[history]\navoid_repeats_within = "3"\n', "history.avoid_repeats_within must be a whole number, not '3'"),
    ("[weights\nsame_level = 100\n", "not valid TOML: Expected ']' at the end of a table declaration (at line 1, "
     "column 9)"),
    ("[weights]\nsame_level = 100\nsame_level = 50\n", "not valid TOML: Cannot overwrite a value (at line 3, "
     "column 16)"),
]


def pair_with(config: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["pair", str(ROSTER), "--config", str(config), "--format", "json", "--dry-run"])
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("text", "message"), MISTAKES, ids=[text.splitlines()[-1][:30] for text, _ in MISTAKES])
def test_a_config_mistake_names_the_file_and_key_and_exits_78(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "peermatch.toml"
    config.write_text(text, encoding="utf-8")
    assert pair_with(config) == (78, "", f"error: {config}: {message}\n")


@pytest.mark.parametrize(("raw", "message"), [
    ("[weights]\n# Zoë's weights\nsame_level = 100\n".encode("cp1252"), "the config file is not UTF-8 text"),
    ("[weights]\nsame_level = 100\n".encode("utf-16"), "the config file is not UTF-8 text"),
    (b"\x00\x01\x02", "not valid TOML: Invalid statement (at line 1, column 1)"),
])
def test_a_config_that_is_not_utf8_toml(tmp_path: Path, raw: bytes, message: str) -> None:
    config = tmp_path / "peermatch.toml"
    config.write_bytes(raw)
    assert pair_with(config) == (78, "", f"error: {config}: {message}\n")


def test_a_missing_or_unreadable_config(tmp_path: Path) -> None:
    missing = tmp_path / "peermatch.toml"
    assert pair_with(missing) == (78, "", f"error: {missing}: cannot read the config file (No such file or "
                                          "directory)\n")
    assert pair_with(tmp_path) == (78, "", f"error: {tmp_path}: cannot read the config file (Is a directory)\n")


def test_a_config_with_a_byte_order_mark_and_negative_bonuses_is_fine(tmp_path: Path) -> None:
    # Notepad saves a BOM; a negative bonus is a penalty the scoring is built to take (say, against pairing
    # across organisations), unlike a negative level_step.
    config = tmp_path / "peermatch.toml"
    config.write_bytes(b"\xef\xbb\xbf[weights]\ndifferent_organisation = -20\nsame_site = -5\n")
    code, out, _ = pair_with(config)
    assert code == 0 and json.loads(out)["summary"]["people"] == 4

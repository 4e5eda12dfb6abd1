"""``peermatch init``: a commented peermatch.toml that loads as exactly the defaults, and never overwrites."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.roster.config import Config, load_config, parse_config
from peermatch.roster.config_template import COLUMNS_EXAMPLE, LEVELS_EXAMPLE, config_template

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_a_file_that_loads_as_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("init")
    written = tmp_path / "peermatch.toml"
    assert code == 0 and "wrote peermatch.toml" in err
    loaded, defaults = load_config(written), Config()
    assert (loaded.weights, loaded.rules, loaded.schedule, loaded.history, loaded.groups, dict(loaded.columns)) == (
        defaults.weights, defaults.rules, defaults.schedule, defaults.history, defaults.groups, {})
    assert not loaded.levels.has_custom_order and loaded.levels.resolve("Grade 10").label == "10"
    assert os.stat(written).st_mode & 0o777 == 0o600


def test_every_default_is_written_out_or_shown_as_an_example() -> None:
    text = config_template()
    defaults = Config()
    for section in ("weights", "rules", "schedule", "history", "groups"):
        for item in fields(getattr(defaults, section)):
            assert re.search(rf"^(# )?{item.name} = ", text, flags=re.M), f"{section}.{item.name}"
    # A changed default shows up in the file: the values are read, not copied.
    assert f"same_level = {defaults.weights.same_level}\n" in text
    assert f"duration_minutes = {defaults.schedule.duration_minutes}\n" in text


def test_the_commented_examples_are_valid_once_uncommented() -> None:
    text = "\n".join(line[2:] if re.match(r"# (\[|\"|[a-z_]+ = )", line) else line
                     for line in config_template().splitlines())
    config = parse_config(tomllib.loads(text))
    assert config.levels.resolve("Grade 10", "Northshire County Council").label == "Band 6"
    assert config.levels.has_custom_order and config.levels.resolve("Senior Officer").step == 2
    assert config.columns == {"level": "Pay Grade", "profession": "Job Family", "opt_out": "Status"}
    assert config.levels.resolve("Band 5", "Northshire GP Federation").label == "Band 5"  # scale = "afc"
    placeholder = config.levels.placeholder("Review Body Band")
    assert placeholder is not None and placeholder.column == "Job Role"
    assert placeholder.levels["consultant"].label == "Band 8c"
    assert len(config.schedule.prompts) == 2 and "$names" in config.schedule.intro_template
    assert parse_config(tomllib.loads(LEVELS_EXAMPLE + COLUMNS_EXAMPLE)).columns["level"] == "Pay Grade"


def test_init_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("[weights]\nsame_level = 7\n", encoding="utf-8")
    code, _, err = run("init", path)
    assert code == 73 and len(err.strip().splitlines()) == 1
    assert "already exists" in err and "mine-new.toml" in err
    assert path.read_text(encoding="utf-8") == "[weights]\nsame_level = 7\n"


def test_init_into_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    code, _, err = run("init", tmp_path / "no" / "such.toml")
    assert code == 73 and "cannot write" in err and not (tmp_path / "no").exists()


def test_init_names_the_file_in_its_usage_line(tmp_path: Path) -> None:
    path = tmp_path / "northshire.toml"
    assert run("init", path, "-q") == (0, "", "")
    assert "--config northshire.toml" in path.read_text(encoding="utf-8")


def test_help_has_a_worked_example() -> None:
    code, out, _ = run("init", "--help")
    assert code == 0 and "Example" in out and "peermatch init northshire.toml" in out


def test_init_into_a_folder_writes_peermatch_toml_inside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("init", ".")
    assert code == 0, err
    assert load_config(tmp_path / "peermatch.toml").weights == Config().weights
    (tmp_path / "team").mkdir()
    code, _, _ = run("init", "team")
    assert code == 0 and (tmp_path / "team" / "peermatch.toml").is_file()
    code, _, err = run("init", ".")  # the folder now has one: never overwritten
    assert code == 73 and "already exists" in err and "Traceback" not in err

from __future__ import annotations

from pathlib import Path

import pytest

from peermatch.errors import ConfigError
from peermatch.roster.config import Weights, load_config, parse_config


def test_no_file_means_the_documented_defaults() -> None:
    config = load_config(None)
    assert config.weights == Weights(same_level=100, level_step=60, different_profession=60,
                                     different_organisation=20, same_site=5)
    assert config.rules.max_level_gap == 1


def test_a_full_config_is_read(tmp_path: Path) -> None:
    path = tmp_path / "peermatch.toml"
    path.write_text("""
[weights]
same_site = 0
[rules]
max_level_gap = 2
exclude = [["E1", "E2"], [3, 4]]
[columns]
level = "Pay Grade"
[levels]
order = ["Officer", "Senior Officer"]
[levels.map."Riverside Housing"]
"Scale 3" = "Officer"
""", encoding="utf-8")
    config = load_config(path)
    assert config.weights.same_site == 0 and config.weights.same_level == 100
    assert config.rules.exclude == (("E1", "E2"), ("3", "4"))
    assert config.columns == {"level": "Pay Grade"}
    assert config.levels.resolve("Scale 3", "Riverside Housing").label == "Officer"


@pytest.mark.parametrize(("text", "named"), [
    ("[weights]\nsame_levle = 1\n", "weights.same_levle"),
    ("[weights]\nsame_level = 1.5\n", "weights.same_level"),
    ("[weights]\nsame_level = true\n", "weights.same_level"),
    ('[weights]\nsame_level = "100"\n', "weights.same_level"),
    ("[rules]\nmax_level_gap = -1\n", "rules.max_level_gap"),
    ('[rules]\nexclude = [["E1"]]\n', "rules.exclude"),
    ('[levels]\norder = ["A", "a"]\n', "levels.order"),
    ("[colour]\nx = 1\n", "colour"),
    ('[columns]\ngrade = "Pay"\n', "columns.grade"),
    ("[weights\n", "not valid TOML"),
    ("[groups]\nsize = 1\n", "groups.size must be at least 2"),
    ("[groups]\nsize = 9\n", "groups.size must be at most 8"),
    ('[groups]\nsize = "five"\n', "groups.size must be a whole number"),
    ("[groups]\ntables = 5\n", "groups.tables"),
])
def test_config_errors_name_the_key(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.exit_code == 78


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_parse_config_accepts_empty() -> None:
    assert parse_config({}).weights == Weights()


def test_group_size_is_read(tmp_path: Path) -> None:
    path = tmp_path / "groups.toml"
    path.write_text("[groups]\nsize = 5\n", encoding="utf-8")
    assert load_config(path).groups.size == 5
    assert parse_config({}).groups.size == 2

"""Coverage-guided fuzzing of the config parser (optional; see README.md in this folder).

Any bytes must give a Config or a ConfigError whose message is one printable line naming the file; any other
exception is a crash and stops the run with the input that caused it.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["peermatch", "tomllib"]):
    from peermatch.errors import ConfigError, UnknownGrade
    from peermatch.matching.graph import Problem
    from peermatch.roster.config import MAX_WEIGHT, load_config

_FOLDER = Path(tempfile.mkdtemp(prefix="peermatch-fuzz-"))
_CONFIG = _FOLDER / "peermatch.toml"


def test_one_input(data: bytes) -> None:
    _CONFIG.write_bytes(data)
    try:
        config = load_config(_CONFIG)
    except ConfigError as error:
        message = error.message
        assert error.exit_code == 78
        assert len(message.splitlines()) == 1, f"not one line: {message!r}"
        assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in message), f"control character: {message!r}"
        assert message.startswith(f"{_CONFIG}: "), f"the file is not named first: {message!r}"
        return
    # What the rest of peermatch relies on once the config is accepted.
    weights = config.weights
    assert all(isinstance(value, int) and not isinstance(value, bool) for value in vars(weights).values())
    assert all(abs(value) <= MAX_WEIGHT for value in vars(weights).values()), "a weight past 64-bit safety"
    assert weights.level_step >= 0 and config.rules.max_level_gap >= 0
    assert config.schedule.duration_minutes >= 1 and config.history.avoid_repeats_within >= 0
    assert 2 <= config.groups.size <= 8
    # The scores of a problem under these rules, and a conversation's end, must be computable.
    Problem(scale=[0, 0], step=[0, 1], prof=[0, 1], org=[-1, -1], site=[-1, -1], weights=weights,
            max_gap=config.rules.max_level_gap)
    datetime(2027, 1, 11, 9) + timedelta(minutes=config.schedule.duration_minutes)
    for grade in ("Band 5", "HEO", "7", "Officer", "Grade 9"):
        with contextlib.suppress(UnknownGrade):  # the roster loader turns it into a row-numbered error
            config.levels.resolve(grade, "Northshire County Council")


def main() -> None:
    warnings.simplefilter("error")
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Golden files: the bytes an export writes, compared with a reviewed copy in ``tests/golden/``.

A test run only compares.  ``python -m pytest --update-golden`` rewrites the copies that differ and fails those tests
all the same, so a refresh is never mistaken for a pass: review ``git diff tests/golden/``, then run the tests again
without the option.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE_OPTION = "--update-golden"


@dataclass(frozen=True)
class Golden:
    update: bool = False  # rewrite the copies that differ (only with --update-golden)
    folder: Path = GOLDEN

    def check(self, name: str, data: bytes) -> None:
        path = self.folder / name
        kept = path.read_bytes() if path.exists() else None
        if data == kept:
            return
        if self.update:
            path.write_bytes(data)
            pytest.fail(f"rewrote {path}; review the change and run the tests again without {UPDATE_OPTION}")
        if kept is None:
            pytest.fail(f"{path} is missing; write it with python -m pytest {UPDATE_OPTION} and review it")
        raise AssertionError(f"{name} differs from {path}; if the change is intended, refresh it with "
                             f"python -m pytest {UPDATE_OPTION} and review the diff")

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.golden import UPDATE_OPTION, Golden

# The everyday run (and CI) tries the same examples every time, so a red run is reproducible and never a matter of
# luck; PEERMATCH_HYPOTHESIS=thorough explores new ones, a thousand per property.
settings.register_profile("default", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("PEERMATCH_HYPOTHESIS", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(UPDATE_OPTION, action="store_true",
                     help="rewrite the golden files in tests/golden/ that differ; those tests still fail, for review")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """Compares an export with its copy in tests/golden/; rewrites it only when the run asks with --update-golden."""
    return Golden(update=bool(request.config.getoption(UPDATE_OPTION)))


@pytest.fixture(autouse=True)
def private_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own history file, never the repository's folder."""
    path = tmp_path / "history.sqlite"
    monkeypatch.setenv("PEERMATCH_HISTORY", str(path))
    monkeypatch.delenv("PEERMATCH_CONFIG", raising=False)  # nor a config file of the machine's
    return path

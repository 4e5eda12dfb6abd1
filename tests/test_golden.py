"""The golden-file helper: a run compares and never writes, unless asked; a refresh fails rather than passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden import Golden


def test_the_same_bytes_pass_and_leave_the_copy_alone(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"id\r\n1\r\n")
    for update in (False, True):
        Golden(update=update, folder=tmp_path).check("a.csv", b"id\r\n1\r\n")
    assert (tmp_path / "a.csv").read_bytes() == b"id\r\n1\r\n"


def test_different_bytes_fail_and_the_copy_is_kept(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"id\r\n1\r\n")
    with pytest.raises(AssertionError, match=r"a\.csv differs .* --update-golden"):
        Golden(folder=tmp_path).check("a.csv", b"id\r\n2\r\n")
    assert (tmp_path / "a.csv").read_bytes() == b"id\r\n1\r\n"


def test_a_missing_copy_fails_and_is_not_written(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="missing"):
        Golden(folder=tmp_path).check("a.csv", b"id\r\n")
    assert not (tmp_path / "a.csv").exists()


def test_a_refresh_writes_the_new_bytes_and_still_fails(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"old")
    with pytest.raises(pytest.fail.Exception, match=r"rewrote .*a\.csv; review"):
        Golden(update=True, folder=tmp_path).check("a.csv", b"new")
    assert (tmp_path / "a.csv").read_bytes() == b"new"
    Golden(folder=tmp_path).check("a.csv", b"new")  # the next, ordinary run compares with the refreshed copy


def test_this_run_compares(golden: Golden) -> None:
    # The suite's own command (README, .ci/run) never asks for a refresh, so every golden test here can fail.
    assert not golden.update

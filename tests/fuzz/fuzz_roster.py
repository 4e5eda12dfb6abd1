"""Coverage-guided fuzzing of the roster loader (optional; see README.md in this folder).

Any bytes must give a roster or a PeermatchError whose message is one printable line naming the file; any other
exception, or a message a cron log would mangle, is a crash and stops the run with the input that caused it.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["peermatch"]):
    from peermatch.errors import PeermatchError
    from peermatch.roster.reading import load_roster

_FOLDER = Path(tempfile.mkdtemp(prefix="peermatch-fuzz-"))
_ROSTER = _FOLDER / "roster.csv"


def check_message(error: PeermatchError, path: Path) -> None:
    """What every peermatch error promises: one line, no control characters, the file named, a sane length."""
    message = error.message
    assert len(message.splitlines()) == 1, f"not one line: {message!r}"
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in message), f"control character: {message!r}"
    assert message.startswith(str(path)), f"the file is not named first: {message!r}"
    assert len(message) < 2_000, f"a {len(message)}-character message"


def test_one_input(data: bytes) -> None:
    _ROSTER.write_bytes(data)
    for skip_invalid in (False, True):
        try:
            roster = load_roster(_ROSTER, skip_invalid=skip_invalid)
        except PeermatchError as error:
            check_message(error, _ROSTER)
            continue
        assert roster.people, "a roster with nobody in it was returned"
        assert len({person.id for person in roster.people}) == len(roster.people), "two people share an id"
        for warning in roster.warnings:
            assert len(warning.splitlines()) == 1, f"warning not one line: {warning!r}"


def main() -> None:
    # A warning from pandas means cells were dropped or guessed at: as much a crash as an exception.
    warnings.simplefilter("error")
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Where the time of ``peermatch schedule`` with every export goes: planning, making each export, writing them.

Not part of the test suite; the figures behind the "where the time goes" table of ``exports-results.md``.  One
process runs the real command twice on the same roster, configuration and seed (``bench_exports.py``'s):

1. with the outputs made but not written (each export's bytes are produced and counted, in the order the command
   makes them), which times each export's making;
2. with the outputs written for real, which times writing them: the files and folders, the ``sync`` and the
   renames (the whole output stage, less the making measured in the first run).

Run it against another copy of peermatch (an older commit, say) with ``PYTHONPATH``; it prints which one it ran:

    python benchmarks/exports_breakdown.py --size 10000
    git archive 452ff29 | tar -x -C /tmp/before && PYTHONPATH=/tmp/before python benchmarks/exports_breakdown.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

from bench_exports import CONFIG, EXPORTS, ROUNDS, ascii_emails, schedule_argv
from bench_pair import generate_roster

import peermatch
from peermatch.cli.app import main as cli
from peermatch.outputs import export, schedule_tables

LABELS = {"people.csv": "mail-merge CSV", "groups.csv": "groups CSV", "programme.ics": "calendar",
          "invitations": "invitations", "intros.csv": "introductions CSV", "emails": "emails (.eml)"}


class Sink:
    """Stands in for a staged folder: counts what an export hands it."""

    def __init__(self) -> None:
        self.size = 0

    def add(self, _name: str, data: bytes) -> None:
        self.size += len(data)


def run_command(argv: list[str]) -> float:
    started = time.perf_counter()
    with mock.patch.object(sys, "argv", ["peermatch", *argv[3:]]):
        try:
            cli()
        except SystemExit as stop:
            if stop.code:
                raise RuntimeError(f"peermatch exited {stop.code}") from None
    return time.perf_counter() - started


def made_only(argv: list[str]) -> tuple[float, dict[str, float]]:
    """The command with each export made and counted, nothing written: (seconds in all, seconds per export)."""
    making: dict[str, float] = {}

    def timed(label: str, produce: Callable[[], Iterable[Any]]) -> None:
        started = time.perf_counter()
        for _ in produce():
            pass
        making[label] = making.get(label, 0.0) + time.perf_counter() - started

    def file(_self: Any, path: Path, data: Any, **_: Any) -> None:
        timed(LABELS[path.name], lambda: [data] if isinstance(data, bytes) else data)

    def folder(_self: Any, path: Path, files: Iterable[Any]) -> None:
        timed(LABELS[path.name], lambda: files)

    def csv(label: str, make: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
        def timed_csv(schedule: Any) -> bytes:  # the command makes the two CSVs before handing them over
            started = time.perf_counter()
            data = make(schedule)
            making[label] = making.get(label, 0.0) + time.perf_counter() - started
            return data
        return timed_csv

    with ExitStack() as patches:
        for name, replacement in (("file", file), ("folder", folder), ("commit", lambda _self: None)):
            patches.enter_context(mock.patch.object(export.Staged, name, replacement))
        for name, label in (("schedule_people_csv", "mail-merge CSV"), ("schedule_groups_csv", "groups CSV")):
            patches.enter_context(mock.patch.object(schedule_tables, name, csv(label, getattr(schedule_tables, name))))
        if hasattr(export.Staged, "open_folder"):  # the calendar hands each invitation to its folder as it goes
            patches.enter_context(mock.patch.object(export.Staged, "open_folder", lambda _self, _path: Sink()))
        whole = run_command(argv)
    return whole, making


def written(argv: list[str]) -> tuple[float, float]:
    """The command writing every export: (seconds in all, seconds from the first export to the last rename)."""
    moments: list[float] = []
    real_enter, real_commit = export.Staged.__enter__, export.Staged.commit

    def enter(self: Any) -> Any:
        moments.append(time.perf_counter())
        return real_enter(self)

    def commit(self: Any) -> None:
        real_commit(self)
        moments.append(time.perf_counter())

    with ExitStack() as patches:
        patches.enter_context(mock.patch.object(export.Staged, "__enter__", enter))
        patches.enter_context(mock.patch.object(export.Staged, "commit", commit))
        whole = run_command(argv)
    return whole, moments[-1] - moments[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--work", type=Path, help="an empty folder to work in, kept (deleting 120,000 files takes "
                        "long; do it when nothing else is being measured); a temporary one by default")
    args = parser.parse_args()
    print(f"peermatch from {Path(peermatch.__file__).parent}; {args.size:,} people, {ROUNDS} rounds", file=sys.stderr)
    with ExitStack() as cleanup:
        work = args.work or Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="peermatch-breakdown-")))
        roster, config = work / "roster.csv", work / "peermatch.toml"
        generate_roster(args.size, roster)
        ascii_emails(roster)
        config.write_text(CONFIG, encoding="utf-8")

        def argv(run: str) -> list[str]:
            out = work / run
            out.mkdir()
            return [*schedule_argv(roster, config, work / f"{run}.sqlite"),
                    *(a if a.startswith("--") else str(out / a) for a in EXPORTS)]

        whole_made, making = made_only(argv("made"))
        whole_written, output_stage = written(argv("written"))
        making_all = sum(making.values())
        rows = [*making.items(), ("making every export", making_all),
                ("writing them (files, folders, sync, renames)", output_stage - making_all),
                ("the command, exports made but not written", whole_made),
                ("the command, every export written", whole_written)]
        for label, seconds in rows:
            print(f"| {label} | {seconds:.2f} |")
        os.sync()


if __name__ == "__main__":
    main()

"""Benchmark ``peermatch schedule`` with every export beside the same schedule with none.

Not part of the test suite.  Target: six rounds with every export (mail-merge CSV, groups CSV, calendar,
invitations, introductions CSV and .eml files) within 3 times planning the same six rounds alone.  Whole
processes, medians over repeats, both measured in the same run so the ratio holds on a busy machine:

    python benchmarks/bench_exports.py --sizes 10000 100000 --repeats 3 --out benchmarks/exports-results.md

"planning alone" is ``peermatch schedule ROSTER --rounds 6 ... --quiet`` recording into a new history file;
"every export" is the same command with ``--out``, ``--groups-out``, ``--ics``, ``--ics-dir``, ``--intros`` and
``--eml-dir``.  The files written are counted and checked: one invitation and one email per conversation, and
one calendar event per conversation.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from bench_pair import SEED, Measurement, generate_roster, measure

ROUNDS = 6
TARGET = 3.0
CONFIG = """\
[schedule]
location = "Riverside Hub"
coordinator = "Priya Natarajan"
organiser_email = "peer-learning@northshire-ics.example"
"""
EXPORTS = ("--out", "people.csv", "--groups-out", "groups.csv", "--ics", "programme.ics", "--ics-dir", "invitations",
           "--intros", "intros.csv", "--eml-dir", "emails")


def ascii_emails(roster: Path) -> None:
    """The roster's emails without accents (siân.jones@ becomes sian.jones@), as a mail system would hold them."""
    frame = pd.read_csv(roster, dtype=str, keep_default_na=False)
    frame["Work Email"] = [unicodedata.normalize("NFKD", email).encode("ascii", "ignore").decode()
                           for email in frame["Work Email"]]
    frame.to_csv(roster, index=False)


def schedule_argv(roster: Path, config: Path, history: Path) -> list[str]:
    return [sys.executable, "-m", "peermatch", "schedule", str(roster), "--config", str(config),
            "--rounds", str(ROUNDS), "--start", "2027-01-11", "--every", "2w", "--seed", str(SEED),
            "--history", str(history), "--quiet"]


def check_outputs(folder: Path) -> str:
    """How many conversations the files hold, after checking that every export agrees on it."""
    invitations = len(os.listdir(folder / "invitations"))
    emails = len(os.listdir(folder / "emails"))
    events = (folder / "programme.ics").read_bytes().count(b"BEGIN:VEVENT")
    groups = (folder / "groups.csv").read_bytes().count(b"\n") - 1
    if not invitations == emails == events == groups:
        raise RuntimeError(f"the exports disagree: {invitations} invitations, {emails} emails, {events} events, "
                           f"{groups} groups")
    return f"{events:,}"


def bench(size: int, repeats: int, workdir: Path) -> tuple[list[str], bool]:
    roster, config = workdir / f"roster-{size}.csv", workdir / "peermatch.toml"
    generate_roster(size, roster)
    ascii_emails(roster)
    config.write_text(CONFIG, encoding="utf-8")
    plans: list[Measurement] = []
    exports: list[Measurement] = []
    conversations = ""
    for run in range(repeats):
        plans.append(measure(schedule_argv(roster, config, workdir / f"plan-{size}-{run}.sqlite")))
        out = workdir / f"out-{size}-{run}"
        out.mkdir()
        argv = schedule_argv(roster, config, workdir / f"exports-{size}-{run}.sqlite")
        exports.append(measure([*argv, *(str(out / a) if not a.startswith("--") else a for a in EXPORTS)]))
        conversations = check_outputs(out)
        # Kept until every size is measured: deleting 600,000 files takes this disk longer than writing them, and
        # keeps it busy long after, which the next measurement would pay for.
    ratio = statistics.median(e.wall / p.wall for e, p in zip(exports, plans, strict=True))
    plan_wall, export_wall = statistics.median(p.wall for p in plans), statistics.median(e.wall for e in exports)
    rows = [
        f"| {size:,} | planning alone | {plan_wall:.2f} | 1.0 | {statistics.median(p.peak_mb for p in plans):.0f} | |",
        f"| {size:,} | every export | {export_wall:.2f} | {ratio:.2f} | "
        f"{statistics.median(e.peak_mb for e in exports):.0f} | {conversations} |",
    ]
    passed = ratio <= TARGET
    rows.append(f"\n{'PASS' if passed else 'FAIL'}: {size:,} people, {ROUNDS} rounds, every export within "
                f"{TARGET:g}x planning alone ({ratio:.2f}x; the exports themselves {ratio - 1:.2f}x)\n")
    return rows, passed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    lines = [f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()} on {platform.system()} "
             f"{platform.machine()}, {os.cpu_count()} CPUs; benchmarks/bench_exports.py; whole processes; medians "
             f"of {args.repeats} run{'s' * (args.repeats > 1)}; load average {os.getloadavg()[0]:.1f} at the start.",
             "",
             "| People | Process | Wall (s) | × planning | Peak RSS (MB) | Conversations |",
             "|---:|---|---:|---:|---:|---:|"]
    notes = []
    with tempfile.TemporaryDirectory(prefix="peermatch-bench-") as folder:
        for size in args.sizes:
            print(f"exports benchmark: {size:,} people", file=sys.stderr)
            (*rows, verdict), _ = bench(size, args.repeats, Path(folder))
            print("\n".join([*rows, verdict]), file=sys.stderr)  # each size as it is done: 100,000 takes long
            lines += rows
            notes.append(verdict)
        report = "\n".join(lines) + "\n" + "".join(notes)
        print(report)
        if args.out:
            args.out.write_text(report, encoding="utf-8")
        print("deleting the files written (a while, for 100,000 people)", file=sys.stderr)


if __name__ == "__main__":
    main()

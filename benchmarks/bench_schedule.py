"""Benchmark ``peermatch schedule`` (6 rounds) beside one ``peermatch pair`` of the same roster.

Not part of the test suite.  Target: six rounds within 8 times one pair, with
no repeated pair.  Whole processes, medians over repeats, measured in the same
run so the ratio holds on a busy machine:

    python benchmarks/bench_schedule.py --sizes 10000 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench_pair import SEED, generate_roster, measure

ROUNDS = 6
TARGET = 8.0


def no_repeats(schedule: dict[str, object]) -> bool:
    seen: set[frozenset[str]] = set()
    for rnd in schedule["rounds"]:  # type: ignore[attr-defined]
        for group in rnd["groups"]:
            members = group["members"]
            for k, a in enumerate(members):
                for b in members[k + 1:]:
                    pair = frozenset((a, b))
                    if pair in seen:
                        return False
                    seen.add(pair)
    return True


def bench(size: int, repeats: int, workdir: Path) -> list[str]:
    roster = workdir / f"roster-{size}.csv"
    generate_roster(size, roster)
    pair_runs, schedule_runs, checks = [], [], []
    for run in range(repeats):
        pair_argv = [sys.executable, "-m", "peermatch", "pair", str(roster), "--seed", str(SEED), "--format", "json",
                     "--out", str(workdir / "pairs.csv"), "--history", str(workdir / f"pair-{size}-{run}.sqlite")]
        schedule_argv = [sys.executable, "-m", "peermatch", "schedule", str(roster), "--rounds", str(ROUNDS),
                         "--start", "2027-01-11", "--every", "2w", "--seed", str(SEED), "--format", "json",
                         "--out", str(workdir / "schedule.csv"),
                         "--history", str(workdir / f"schedule-{size}-{run}.sqlite")]
        pair_runs.append(measure(pair_argv))
        result = measure(schedule_argv)
        schedule_runs.append(result)
        checks.append(no_repeats(json.loads(result.stdout)))
    ratio = statistics.median(s.wall / p.wall for s, p in zip(schedule_runs, pair_runs, strict=True))
    return [
        f"| {size:,} | pair | {statistics.median(p.wall for p in pair_runs):.2f} | 1.0 | "
        f"{statistics.median(p.peak_mb for p in pair_runs):.0f} | |",
        f"| {size:,} | schedule, {ROUNDS} rounds | {statistics.median(s.wall for s in schedule_runs):.2f} | "
        f"{ratio:.1f} | {statistics.median(s.peak_mb for s in schedule_runs):.0f} | "
        f"{'none' if all(checks) else 'FOUND'} |",
        f"\n{'PASS' if ratio <= TARGET and all(checks) else 'FAIL'}: {size:,} people, {ROUNDS} rounds within "
        f"{TARGET:g}x one pair ({ratio:.1f}x), no repeated pair\n",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    lines = ["| People | Process | Wall (s) | × pair | Peak RSS (MB) | Repeated pairs |",
             "|---:|---|---:|---:|---:|---|"]
    notes = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            print(f"schedule benchmark: {size:,} people", file=sys.stderr)
            *rows, verdict = bench(size, args.repeats, Path(folder))
            lines += rows
            notes.append(verdict)
    report = "\n".join(lines) + "\n" + "".join(notes)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

"""Benchmark writing ``peermatch pair``'s outputs: the pairs CSV (``--out``) and the JSON (``--format json``).

Not part of the test suite.  One process reads a roster and pairs it as ``pair`` does, then writes the outputs from
that one result, ``--repeats`` times, taking turns, beside pandas writing a CSV of the same shape (one row per
group, the members' six fields side by side, no formula escaping) with ``DataFrame.to_csv``: the least a Python
tool takes to write that file.  Times are CPU seconds of this process (steadier than the wall clock on a shared
machine); the report gives medians and each writer's multiple of pandas's time.  With ``--baseline DIR`` the
writers of the peermatch in DIR (an older checkout) are timed in the same run, and their bytes compared:

    python benchmarks/bench_pair_outputs.py --sizes 100000 1000000 --repeats 3
    git archive fc2d0e9 | tar -x -C /tmp/before && python benchmarks/bench_pair_outputs.py --baseline /tmp/before
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import io
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType

import pandas as pd
from bench_pair import SEED, generate_roster

from peermatch.models import PairResult
from peermatch.outputs import export
from peermatch.outputs.export import MEMBER_FIELDS
from peermatch.roster.config import Config

Writer = Callable[[Path], None]


def paired(roster: Path) -> PairResult:
    """The roster read and paired with pair's defaults and the benchmarks' seed."""
    from peermatch.matching.pairing import pair
    from peermatch.roster.reading import load_roster

    config = Config()
    return pair(load_roster(roster, levels=config.levels), config, seed=SEED)


def baseline_export(folder: Path) -> ModuleType:
    """peermatch/outputs/export.py of another checkout, importing the rest of peermatch from this one."""
    spec = importlib.util.spec_from_file_location("baseline_export", folder / "peermatch" / "outputs" / "export.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"{folder}: no peermatch/outputs/export.py there")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def into_file(parts: Callable[[PairResult], Iterable[bytes]], result: PairResult) -> Writer:
    def write(path: Path) -> None:
        with path.open("wb") as out:
            for part in parts(result):
                out.write(part)
    return write


def into_text_file(parts: Callable[[PairResult], Iterable[str]], result: PairResult) -> Writer:
    def write(path: Path) -> None:  # as pair prints it: text, a chunk at a time
        with path.open("w", encoding="utf-8") as out:
            for part in parts(result):
                out.write(part)
    return write


def same_shape_frame(result: PairResult) -> pd.DataFrame:
    """The pairs CSV's columns as a DataFrame, the members' fields as plain text (made before the clock starts)."""
    people = {p.id: p for p in result.roster.people}
    width = max((len(g.members) for g in result.groups), default=2)
    columns: dict[str, list[object]] = {
        "group": list(range(1, len(result.groups) + 1)), "size": [len(g.members) for g in result.groups],
        "score": [g.score for g in result.groups], "reasons": [" | ".join(g.reasons) for g in result.groups]}
    for k in range(width):
        members = [people[g.members[k]] if k < len(g.members) else None for g in result.groups]
        for name in MEMBER_FIELDS:
            columns[f"member_{k + 1}_{name}"] = ["" if p is None else str(getattr(p, name)) for p in members]
    return pd.DataFrame(columns)


def cpu_seconds(write: Writer, path: Path) -> float:
    gc.collect()
    started = time.process_time()
    write(path)
    return time.process_time() - started


def bench(roster: Path, repeats: int, baseline: ModuleType | None, work: Path) -> tuple[list[str], int]:
    started = time.perf_counter()
    result = paired(roster)
    print(f"{roster.name}: {len(result.roster.people):,} people paired in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    frame = same_shape_frame(result)
    writers: dict[str, Writer] = {
        "pairs CSV": into_file(export.pairs_csv_parts, result),
        "JSON": into_text_file(export.pair_result_json_parts, result),
    }
    if baseline is not None:
        writers["pairs CSV (baseline)"] = into_file(baseline.pairs_csv_parts, result)
        writers["JSON (baseline)"] = into_text_file(baseline.pair_result_json_parts, result)
    writers["pandas to_csv"] = lambda path: frame.to_csv(path, index=False, lineterminator="\r\n",
                                                         encoding="utf-8-sig")
    times: dict[str, list[float]] = {name: [] for name in writers}
    for repeat in range(repeats):
        for name, write in writers.items():
            times[name].append(cpu_seconds(write, work / f"{name}.out"))
        print(f"  repeat {repeat + 1}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()), file=sys.stderr)
    mismatches = 0
    if baseline is not None:
        for name in ("pairs CSV", "JSON"):
            if (work / f"{name}.out").read_bytes() != (work / f"{name} (baseline).out").read_bytes():
                mismatches += 1
                print(f"  {name}: differs from the baseline's", file=sys.stderr)
    floor = statistics.median(times["pandas to_csv"])
    rows = [f"| {len(result.roster.people):,} | {name} | {statistics.median(spent):.2f} | "
            f"{statistics.median(spent) / floor:.2f} | {(work / f'{name}.out').stat().st_size / 1e6:.0f} |"
            for name, spent in times.items()]
    return rows, mismatches


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--roster", type=Path, help="time this roster instead of generated ones")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="an older checkout whose writers are timed beside these")
    parser.add_argument("--out", type=Path, help="also write the report (markdown) here")
    args = parser.parse_args(argv)
    baseline = baseline_export(args.baseline) if args.baseline else None
    lines = ["| People | Writer | CPU (s), median | × pandas | MB |", "|---:|---|---:|---:|---:|"]
    mismatches = 0
    with tempfile.TemporaryDirectory(prefix="peermatch-bench-outputs-") as folder:
        work = Path(folder)
        rosters = [args.roster] if args.roster else []
        for size in [] if args.roster else args.sizes:
            rosters.append(work / f"roster-{size}.csv")
            generate_roster(size, rosters[-1])
        for roster in rosters:
            rows, wrong = bench(roster, args.repeats, baseline, work)
            lines += rows
            mismatches += wrong
    report = io.StringIO()
    print("# pair's outputs benchmark\n", file=report)
    print(f"`benchmarks/bench_pair_outputs.py`, Python {platform.python_version()} on {platform.system()} "
          f"{platform.machine()}; CPU time of this process, medians of {args.repeats} repeats taken in turn.\n",
          file=report)
    print("\n".join(lines), file=report)
    if baseline is not None:
        print("\n" + ("FAIL: the outputs differ from the baseline's" if mismatches else
                      "The outputs are byte for byte the baseline's."), file=report)
    print(report.getvalue())
    if args.out:
        args.out.write_text(report.getvalue(), encoding="utf-8")
    if mismatches:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

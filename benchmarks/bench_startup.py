"""Benchmark how long ``peermatch --help``, ``--version`` and tab completion take to answer.

Not part of the test suite.  Target: each within 3 times a Python process that only imports typer (the least a
typer command can take), measured in the same run so that the ratio holds on a busy machine.  Whole processes,
medians of ``--repeats`` runs, taken in turn so that a burst of load hits every command alike:

    python benchmarks/bench_startup.py --repeats 21 --out benchmarks/startup-results.md

``--source DIR`` also times the peermatch in another checkout (DIR first on the path), to compare before and after
a change in one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

TARGET = 3.0
BASELINE = 'python -c "import typer"'
# What bash's completion function sets before calling the program (typer's click completion protocol).
COMPLETION = {"_PEERMATCH_COMPLETE": "complete_bash", "COMP_WORDS": "peermatch pa", "COMP_CWORD": "1"}
# What the `peermatch` console script runs; the program name matters to completion, as in bash.
LAUNCHER = "import sys; sys.argv[0] = 'peermatch'; from peermatch.cli.app import main; main()"
CASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "peermatch --help": (["--help"], {}),
    "peermatch --version": (["--version"], {}),
    "peermatch pair --help": (["pair", "--help"], {}),
    "tab completion (peermatch pa<TAB>)": ([], COMPLETION),
}


def timed(argv: list[str], env: dict[str, str], folder: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=folder, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return took


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--source", type=Path, help="another checkout of peermatch to time beside this one")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    env = {key: value for key, value in os.environ.items() if not key.startswith("_PEERMATCH")}
    env |= {"COLUMNS": "100", "NO_COLOR": "1"}
    here = Path(__file__).resolve().parent.parent
    versions = {"this checkout": here, **({"--source": args.source.resolve()} if args.source else {})}
    runs: dict[str, list[float]] = {BASELINE: []}
    commands: dict[str, tuple[list[str], dict[str, str]]] = {BASELINE: ([sys.executable, "-c", "import typer"], env)}
    for version, folder in versions.items():
        path_env = env | {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))}
        for name, (arguments, extra) in CASES.items():
            key = name if version == "this checkout" else f"{name} ({version})"
            commands[key] = ([sys.executable, "-c", LAUNCHER, *arguments], path_env | extra)
            runs[key] = []
    with tempfile.TemporaryDirectory() as folder:  # not the checkout, whose peermatch/ would come first on the path
        for run in range(args.repeats):
            print(f"start-up benchmark: run {run + 1} of {args.repeats}", file=sys.stderr)
            for key, (command, command_env) in commands.items():
                runs[key].append(timed(command, command_env, Path(folder)))
    base = statistics.median(runs[BASELINE])
    lines = [
        "# peermatch start-up benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs.  benchmarks/bench_startup.py; whole processes; medians of "
        f"{args.repeats} runs taken in turn.",
        "",
        "| Process | Median (ms) | × import typer |",
        "|---|---:|---:|",
    ]
    verdicts = []
    for key, times in runs.items():
        median = statistics.median(times)
        lines.append(f"| `{key}` | {median * 1000:.0f} | "
                     f"{median / base:.1f} |")
        if key != BASELINE and "(--source)" not in key:
            verdicts.append(f"{'PASS' if median / base <= TARGET else 'FAIL'}: {key} within {TARGET:g}x "
                            f"`{BASELINE}` ({median / base:.1f}x)")
    report = "\n".join([*lines, "", *verdicts, ""])
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

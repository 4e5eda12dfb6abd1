"""Benchmark ``peermatch pair`` on synthetic rosters against a floor and the exact solver.

Not part of the test suite: it takes minutes and its numbers depend on the machine.

    python benchmarks/bench_pair.py --sizes 1000 2000 10000 100000 --repeats 3 \
        --out benchmarks/results.md

Every measurement is a whole process (interpreter start-up, imports, reading and
writing files included), timed by wall clock, with the peak resident memory of
that process from ``os.wait4``.  Three kinds of process run on the same roster:

* ``peermatch``: ``python -m peermatch pair ROSTER --seed 1 --format json --out OUT``,
  recording the round in a new history file (``--history``) each run.
* ``floor``: Python that only reads the roster with pandas and writes one CSV row
  per pair.  No pairing tool written in Python can beat it, so peermatch's time is
  reported as a multiple of it, measured in the same run on the same machine.
* ``exact``: networkx's blossom algorithm (``peermatch.matching.solve.solve_exact``) on the
  full same/adjacent-level graph; the optimal score peermatch is compared with.
  Cubic in people, so it runs only for ``--exact-sizes`` and is killed after
  ``--exact-timeout`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
SEED = 1

# The shape of a real integrated-care workforce: juniors far outnumber seniors
# (each band up holds about half as many people), one profession is about a third
# of everyone, and most professions work mainly for one or two employers.
GRADES = ("Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a")
GRADE_WEIGHTS = (32, 16, 8, 4, 2, 1)

ORGANISATIONS = (
    # name, email domain, id prefix, sites
    ("Northshire NHS Foundation Trust", "northshire-nhs.example", "NT",
     ("Northshire General Hospital", "Riverside Hub", "Eastfield Community Hospital")),
    ("Northshire Mental Health NHS Trust", "northshire-mh.example", "MH",
     ("Hollybank Unit", "Northgate Centre")),
    ("Northshire County Council", "northshire.gov.example", "NC",
     ("Town Hall", "Riverside Hub", "Northgate Centre")),
    ("Southvale District Council", "southvale.gov.example", "SV",
     ("Civic Offices", "Southvale Library")),
    ("DWP Jobcentre Plus", "dwp.example", "",
     ("Northgate Jobcentre", "Southvale Jobcentre", "Riverside Hub")),
    ("Riverside Housing Association", "riverside-housing.example", "RH",
     ("Riverside Hub", "Eastfield Office")),
    ("Northshire GP Federation", "northshire-gpfed.example", "GP",
     ("Eastfield Surgery", "Northgate Centre", "Market Street Surgery")),
    ("Northshire Ambulance Service", "northshire-ambulance.example", "AS",
     ("Station Road Depot", "Eastfield Community Hospital")),
)

PROFESSIONS = (
    # name, weight, the organisations (indices above) most of them work for
    ("Nurse", 34, (0, 1, 6)),
    ("Social Worker", 10, (2, 3)),
    ("Work Coach", 9, (4,)),
    ("Occupational Therapist", 7, (0, 2)),
    ("Physiotherapist", 7, (0,)),
    ("Mental Health Practitioner", 6, (1,)),
    ("Housing Officer", 6, (5, 3)),
    ("Pharmacist", 5, (0, 6)),
    ("Paramedic", 5, (7,)),
    ("GP", 4, (6,)),
    ("Employment Adviser", 4, (4, 2)),
    ("Social Prescribing Link Worker", 3, (6, 2)),
)
AWAY_FROM_HOME = 0.15  # share of a profession working for any other organisation
AT_SHARED_SITE = 0.10  # share based at a shared hub rather than their own sites

FIRST_NAMES = (
    "Aisha", "Callum", "Grace", "Tomasz", "Siobhán", "Ravi", "Emily", "Nia", "Mohammed",
    "Chloe", "Kwame", "Priya", "Gareth", "Mei", "Fatima", "Declan", "Zoë", "Olumide",
    "Hannah", "Rajesh", "Catriona", "Bartosz", "Yasmin", "Owen", "Precious", "Imran",
)
LAST_NAMES = (
    "Rahman", "McKenzie", "Adebayo", "Nowak", "Gallagher", "Chandran", "Thornton",
    "Roberts", "Iqbal", "Barker", "Mensah", "Nair", "Llewellyn", "Chen", "Yusuf",
    "Murphy", "Whitmore", "Adeyemi", "Whitfield", "Patel", "MacLeod", "Zieliński",
    "Ali", "Jenkins", "Nkosi", "Chaudhry",
)
COLUMNS = ("Staff ID", "Full Name", "Work Email", "Organisation", "Profession", "Grade", "Site")

# The floor: the least any Python pairing tool must do -- start, import pandas,
# read the roster, write one row per pair with both members, a score and a reason
# (the shape of peermatch's --out CSV).  Consecutive rows become "pairs".
FLOOR_SCRIPT = """
import sys
import pandas as pd
roster = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
half = len(roster) // 2
first = roster.iloc[0:2 * half:2].reset_index(drop=True).add_prefix("member_1 ")
second = roster.iloc[1:2 * half:2].reset_index(drop=True).add_prefix("member_2 ")
pairs = pd.concat([first, second], axis=1)
pairs.insert(0, "group", range(1, half + 1))
pairs.insert(1, "size", 2)
pairs.insert(2, "score", 185)
pairs.insert(3, "reasons", "same level (Band 3) | Nurse × Social Worker | different organisations")
pairs.to_csv(sys.argv[2], index=False, encoding="utf-8-sig")
"""

# The reference: the optimal pairing of the same roster, scored like peermatch's.
EXACT_SCRIPT = """
import json
import sys
from pathlib import Path
from peermatch.roster.config import Weights
from peermatch.matching.graph import Problem
from peermatch.roster.reading import load_roster
from peermatch.matching.solve import solve_exact
roster = load_roster(Path(sys.argv[1]))
problem = Problem.from_people(roster.people, Weights(), max_gap=1)
pairs = solve_exact(problem, seed=int(sys.argv[2]))
print(json.dumps({
    "pair_score": sum(problem.score(i, j) for i, j in pairs),
    "ideal_pairs": sum(problem.is_ideal(i, j) for i, j in pairs),
}))
"""


# Starts, times and reaps one child, then prints what it measured as JSON.  On Linux
# a child's ru_maxrss starts at the high-water mark of the process that spawned it
# (fork/vfork then exec keeps it), so spawning from this benchmark, which holds
# pandas and whole rosters, would report its memory as the child's.  This launcher
# is a bare interpreter, about 10 MB, below anything it measures.  The timeout
# kills the child with SIGKILL from an alarm, which interrupts wait4.
LAUNCHER = """
import json, os, signal, sys, time
timeout, stdout_path, *argv = sys.argv[1:]
timed_out = False
def kill(*_):
    global timed_out
    timed_out = True
    os.kill(pid, signal.SIGKILL)
with open(stdout_path, "wb") as out:
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1)])
    if float(timeout) > 0:
        signal.signal(signal.SIGALRM, kill)
        signal.setitimer(signal.ITIMER_REAL, float(timeout))
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
# ru_maxrss is in KiB on Linux, in bytes on macOS.
scale = 1 if sys.platform == "darwin" else 1024
print(json.dumps({"wall": wall, "peak_bytes": usage.ru_maxrss * scale, "timed_out": timed_out,
                  "status": os.waitstatus_to_exitcode(status)}))
"""


def generate_roster(size: int, path: Path) -> None:
    """Write a synthetic roster of ``size`` people; the same size always gives the same file."""
    rng = np.random.default_rng([SEED, size])
    grade = rng.choice(len(GRADES), size, p=_shares(GRADE_WEIGHTS))
    profession = rng.choice(len(PROFESSIONS), size, p=_shares([w for _, w, _ in PROFESSIONS]))
    organisation = np.empty(size, dtype=np.int64)
    away = rng.random(size) < AWAY_FROM_HOME
    for p, (_, _, homes) in enumerate(PROFESSIONS):
        mine = profession == p
        organisation[mine] = rng.choice(homes, mine.sum())
        stray = mine & away
        organisation[stray] = rng.choice(len(ORGANISATIONS), stray.sum())
    shared = rng.random(size) < AT_SHARED_SITE
    site_pick = rng.integers(0, 1 << 30, size)
    first = rng.choice(len(FIRST_NAMES), size)
    last = rng.choice(len(LAST_NAMES), size)

    rows = []
    for n in range(size):
        org_name, domain, prefix, sites = ORGANISATIONS[organisation[n]]
        given, family = FIRST_NAMES[first[n]], LAST_NAMES[last[n]]
        # DWP staff numbers are all digits, with leading zeros that must survive.
        staff_id = f"{prefix}{n + 1:06d}" if prefix else f"{n + 1:07d}"
        rows.append((
            staff_id,
            f"{given} {family}",
            f"{given}.{family}.{n + 1}@{domain}".lower(),
            org_name,
            PROFESSIONS[profession[n]][0],
            GRADES[grade[n]],
            "Riverside Hub" if shared[n] else sites[site_pick[n] % len(sites)],
        ))
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)


def _shares(weights: Sequence[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    shares: np.ndarray = array / array.sum()
    return shares


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds
    peak_mb: float  # peak resident set of the process, 10^6 bytes
    stdout: str


class TimedOut(Exception):
    pass


def measure(argv: Sequence[str], timeout: float = 0) -> Measurement:
    """Run ``argv`` as a child process and measure it alone; ``timeout`` 0 waits for ever.

    The child is started by :data:`LAUNCHER`, not by this process: see there why.
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH")))))
    with tempfile.NamedTemporaryFile() as out:
        launch = subprocess.run([sys.executable, "-c", LAUNCHER, str(timeout), out.name, *argv],
                                capture_output=True, text=True, env=env, cwd=REPO, check=False)
        if launch.returncode != 0:
            raise RuntimeError(f"the launcher failed:\n{launch.stderr.strip()}")
        report = json.loads(launch.stdout)
        if report["timed_out"]:
            raise TimedOut(f"killed after {timeout:g} s")
        if report["status"] != 0:
            tail = "\n".join(launch.stderr.strip().splitlines()[-5:])
            raise RuntimeError(f"{' '.join(argv[:5])} ... exited {report['status']}:\n{tail}")
        stdout = Path(out.name).read_text(encoding="utf-8")
    return Measurement(report["wall"], report["peak_bytes"] / 1e6, stdout)


@dataclass
class SizeResult:
    size: int
    pair: list[Measurement]
    floor: list[Measurement]
    summary: dict[str, int]
    deterministic: bool
    exact: Measurement | None = None
    exact_summary: dict[str, int] | None = None
    exact_note: str = ""

    def ratios(self) -> list[float]:
        return [p.wall / f.wall for p, f in zip(self.pair, self.floor, strict=True)]


def bench_size(size: int, repeats: int, exact: bool, exact_timeout: float, workdir: Path) -> SizeResult:
    roster = workdir / f"roster-{size}.csv"
    generate_roster(size, roster)
    pair_argv = [sys.executable, "-m", "peermatch", "pair", str(roster), "--seed", str(SEED),
                 "--format", "json", "--out", str(workdir / f"pairs-{size}.csv")]
    floor_argv = [sys.executable, "-c", FLOOR_SCRIPT, str(roster), str(workdir / f"floor-{size}.csv")]
    pair, floor, summaries = [], [], []
    for repeat in range(repeats):
        # A new history file each time: every run is a first round, recorded as in real
        # use, and nothing lands in the working folder.
        history = workdir / f"history-{size}-{repeat}.sqlite"
        # Back to back, so that each ratio compares runs under the same machine load.
        floor.append(measure(floor_argv))
        pair.append(measure([*pair_argv, "--history", str(history)]))
        summaries.append(json.loads(pair[-1].stdout)["summary"])
        print(f"  {size:>7,} people: peermatch {pair[-1].wall:7.2f} s, floor {floor[-1].wall:5.2f} s",
              file=sys.stderr)
    result = SizeResult(size, pair, floor, summaries[0], all(s == summaries[0] for s in summaries))
    if exact:
        # Run once: the optimum does not vary, and each run can take minutes.
        try:
            result.exact = measure([sys.executable, "-c", EXACT_SCRIPT, str(roster), str(SEED)],
                                   timeout=exact_timeout)
            result.exact_summary = json.loads(result.exact.stdout)
            print(f"  {size:>7,} people: exact {result.exact.wall:7.2f} s", file=sys.stderr)
        except TimedOut as error:
            result.exact_note = str(error)
            print(f"  {size:>7,} people: exact {error}", file=sys.stderr)
    return result


def render(results: list[SizeResult], repeats: int, exact_timeout: float) -> str:
    lines = [
        "# peermatch benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs.  Synthetic rosters "
        "(benchmarks/bench_pair.py); whole processes; medians of "
        f"{repeats} run{'s' * (repeats > 1)}, except exact (1 run, killed after {exact_timeout:g} s).",
        "",
        "## Time and memory",
        "",
        "| People | Process | Wall (s) | × floor | Peak RSS (MB) |",
        "|---:|---|---:|---:|---:|",
    ]
    for r in results:
        pair_wall = statistics.median([m.wall for m in r.pair])
        pair_peak = statistics.median([m.peak_mb for m in r.pair])
        floor_wall = statistics.median([m.wall for m in r.floor])
        floor_peak = statistics.median([m.peak_mb for m in r.floor])
        lines.append(f"| {r.size:,} | peermatch pair | {pair_wall:.2f} | {statistics.median(r.ratios()):.1f} "
                     f"| {pair_peak:.0f} |")
        lines.append(f"| {r.size:,} | floor (pandas read + write) | {floor_wall:.2f} | 1.0 | {floor_peak:.0f} |")
        if r.exact is not None:
            lines.append(f"| {r.size:,} | exact (networkx blossom) | {r.exact.wall:.2f} | "
                         f"{r.exact.wall / floor_wall:.1f} | {r.exact.peak_mb:.0f} |")
        elif r.exact_note:
            lines.append(f"| {r.size:,} | exact (networkx blossom) | {r.exact_note} | | |")
    lines += [
        "",
        "## Quality",
        "",
        "Proven gap: (score bound − pair score) / score bound, where the bound is "
        "`peermatch.matching.solve.score_upper_bound`; no pairing can score more.",
        "",
        "| People | Pair score | Total score | Score bound | Proven gap | Ideal pairs | Possible "
        "| Exact score | Exact ideal | peermatch / exact |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s = r.summary
        gap = (s["score_bound"] - s["pair_score"]) / s["score_bound"]
        if r.exact_summary:
            e = r.exact_summary
            exact_cells = f"{e['pair_score']:,} | {e['ideal_pairs']:,} | {s['pair_score'] / e['pair_score']:.4%}"
        else:
            exact_cells = " | | "
        lines.append(f"| {r.size:,} | {s['pair_score']:,} | {s['total_score']:,} | {s['score_bound']:,} | "
                     f"{gap:.3%} | {s['ideal_pairs']:,} | {s['ideal_pairs_possible']:,} | {exact_cells} |")
    lines += ["", "## Targets", ""] + [f"- {line}" for line in targets(results)]
    return "\n".join(lines) + "\n"


def targets(results: list[SizeResult]) -> list[str]:
    """Each target as a PASS/FAIL line, or why it was not measured."""
    by_size = {r.size: r for r in results}
    lines = []
    if big := by_size.get(100_000):
        ratio, peak = statistics.median(big.ratios()), statistics.median([m.peak_mb for m in big.pair])
        lines.append(f"{'PASS' if ratio <= 5 else 'FAIL'}: 100,000 people within 5× the floor ({ratio:.1f}×)")
        lines.append(f"{'PASS' if peak < 500 else 'FAIL'}: 100,000 people under 500 MB ({peak:.0f} MB)")
    else:
        lines.append("not measured: 100,000 people within 5× the floor and under 500 MB")
    if million := by_size.get(1_000_000):
        ratio, peak = statistics.median(million.ratios()), statistics.median([m.peak_mb for m in million.pair])
        floor_peak = statistics.median([m.peak_mb for m in million.floor])
        lines.append(f"{'PASS' if ratio <= 4 else 'FAIL'}: 1,000,000 people within 4× the floor ({ratio:.1f}×)")
        lines.append(f"{'PASS' if peak < 700 else 'FAIL'}: 1,000,000 people under 700 MB ({peak:.0f} MB; the floor "
                     f"{floor_peak:.0f} MB)")
    else:
        lines.append("not measured: 1,000,000 people within 4× the floor and under 700 MB (--sizes 1000000)")
    short = [r for r in results if r.summary["ideal_pairs"] != r.summary["ideal_pairs_possible"]]
    lines.append(f"{'FAIL' if short else 'PASS'}: ideal pairs reach the bound at every size"
                 + (f" (short at {', '.join(f'{r.size:,}' for r in short)})" if short else ""))
    at_2000 = by_size.get(2000)
    if at_2000 and at_2000.exact_summary:
        share = at_2000.summary["pair_score"] / at_2000.exact_summary["pair_score"]
        lines.append(f"{'PASS' if share >= 0.9995 else 'FAIL'}: at 2,000 people the score is at "
                     f"least 99.95% of exact ({share:.4%})")
    else:
        why = at_2000.exact_note if at_2000 and at_2000.exact_note else "exact not run at 2,000"
        lines.append(f"not measured: at 2,000 people the score is at least 99.95% of exact ({why})")
    if varied := [r for r in results if not r.deterministic]:
        lines.append(f"FAIL: the same roster and seed gave different summaries at "
                     f"{', '.join(f'{r.size:,}' for r in varied)}")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 10_000, 100_000],
                        help="roster sizes to benchmark (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per size (default: %(default)s)")
    # On a 2-CPU VM the exact solver took 80 s for 1,000 people but 10-13 minutes (570 MB)
    # for 2,000, so comparing at 2,000 needs a longer --exact-timeout.
    parser.add_argument("--exact-sizes", type=int, nargs="*", default=[1000, 2000],
                        help="sizes at which to run the exact solver too (default: %(default)s)")
    parser.add_argument("--exact-timeout", type=float, default=120.0,
                        help="seconds before the exact solver is killed (default: %(default)s)")
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    # One untimed start, so the first timed process does not pay for a cold disk cache.
    measure([sys.executable, "-c", "import pandas, networkx, peermatch.matching.solve"])
    with tempfile.TemporaryDirectory(prefix="peermatch-bench-") as tmp:
        results = [bench_size(size, args.repeats, size in args.exact_sizes, args.exact_timeout, Path(tmp))
                   for size in sorted(set(args.sizes))]
    report = render(results, args.repeats, args.exact_timeout)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

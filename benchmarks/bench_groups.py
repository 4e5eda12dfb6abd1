"""Benchmark groups of 3 to 8: quality against the bound, time against pairing, rounds, the social golfer table.

Not part of the test suite: it takes minutes and its timings depend on the machine.

    python benchmarks/bench_groups.py --sizes 10000 100000 --repeats 3 --out benchmarks/groups-results.md

On the synthetic rosters of ``bench_pair.py`` (read once per size), in one process:

* one round of groups of ``--size`` (``form_groups``) beside one pairing (``pair``) of the same roster, both
  as library calls timed by wall clock, medians over ``--repeats``; target: at most 2x pairing, at least 99.5%
  of the bound in ideal pairs;
* the ideal pairs of a random grouping within each level (same group sizes), the baseline;
* ``--rounds`` rounds (``plan_group_rounds``) at ``--rounds-size`` people beside one round, checked for
  repeated pairs; target: at most 10x one round;
* the social golfer instances (one level, everyone of a different profession): rounds without a repeat reached
  against the best known, each within a minute.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from bench_pair import SEED, generate_roster

from peermatch.matching.graph import Problem
from peermatch.matching.group_rounds import GroupSchedule, plan_group_rounds
from peermatch.matching.groups import Grouping, form_groups, ideal_pairs
from peermatch.matching.pairing import pair
from peermatch.models import Person
from peermatch.roster.config import load_config
from peermatch.roster.levels import LevelScheme
from peermatch.roster.reading import load_roster
from peermatch.text import fold

# (people, group size, rounds reached by the best known schedule)
GOLFERS = ((16, 4, 5), (20, 4, 5), (24, 4, 7), (25, 5, 6), (32, 4, 10), (36, 6, 3))


def timed(work: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def random_within_level(people: Sequence[Person], size: int, problem: Problem) -> int:
    """Ideal pairs of a shuffle: each level's people dealt at random into the same number of groups."""
    rng = random.Random(SEED)
    levels: dict[object, list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        levels[p.level].append(i)
    groups: list[list[int]] = []
    for members in levels.values():
        k = len(members) // size
        if k:
            rng.shuffle(members)
            groups += [members[g::k] for g in range(k)]
    return ideal_pairs(problem, groups)


def bench_round(size: int, group_size: int, repeats: int, workdir: Path) -> list[str]:
    path = workdir / f"roster-{size}.csv"
    generate_roster(size, path)
    config = load_config(None)
    roster = load_roster(path, levels=config.levels)
    people = roster.people
    gap = config.rules.max_level_gap
    pair_time, _ = timed(lambda: pair(roster, config, seed=SEED), repeats)
    group_time, result = timed(lambda: form_groups(people, group_size, max_level_gap=gap,
                                                   exclusions=config.rules.exclude, seed=SEED), repeats)
    assert isinstance(result, Grouping)
    grouping = result
    problem = Problem.from_people(people, config.weights, gap)
    baseline = random_within_level(people, group_size, problem)
    share = grouping.ideal_pairs / grouping.bound if grouping.bound else 1.0
    ratio = group_time / pair_time
    print(f"{size}: pair {pair_time:.2f}s, groups {group_time:.2f}s", file=sys.stderr)
    return [f"| {size:,} | {group_size} | {pair_time:.2f} | {group_time:.2f} | {ratio:.2f}x "
            f"{'PASS' if ratio <= 2 else 'FAIL'} | {grouping.ideal_pairs:,} | {grouping.bound:,} | "
            f"{share:.2%} {'PASS' if share >= 0.995 else 'FAIL'} | {baseline:,} ({baseline / grouping.bound:.1%}) | "
            f"{grouping.stats.pairs_cross_organisation:,} / {grouping.stats.pairs:,} |"]


def bench_rounds(size: int, group_size: int, rounds: int, repeats: int, workdir: Path) -> list[str]:
    path = workdir / f"roster-{size}.csv"
    generate_roster(size, path)
    config = load_config(None)
    people = load_roster(path, levels=config.levels).people
    gap = config.rules.max_level_gap
    one, _ = timed(lambda: form_groups(people, group_size, max_level_gap=gap, seed=SEED), repeats)
    many, result = timed(lambda: plan_group_rounds(people, group_size, rounds, max_level_gap=gap, seed=SEED), repeats)
    assert isinstance(result, GroupSchedule)
    schedule = result
    seen: set[tuple[str, str]] = set()
    repeated = 0
    for rnd in schedule.rounds:
        for group in rnd.groups:
            for pair_ in itertools.combinations(sorted(group), 2):
                repeated += pair_ in seen
                seen.add(pair_)
    worst = min(r.ideal_pairs / r.bound for r in schedule.rounds if r.bound)
    sitting = sum(len(r.unmatched) for r in schedule.rounds)
    ratio = many / one
    print(f"{size} x {rounds}: one {one:.2f}s, all {many:.2f}s", file=sys.stderr)
    return [f"| {size:,} | {group_size} | {rounds} | {one:.2f} | {many:.2f} | {ratio:.1f}x "
            f"{'PASS' if ratio <= 10 else 'FAIL'} | {repeated} | {worst:.2%} | {sitting} |"]


def golfer_people(count: int) -> list[Person]:
    level = LevelScheme().resolve("Band 6")
    return [Person(id=f"g{i}", name="", email="", grade="Band 6", level=level, profession=f"P{i}", organisation="",
                   site="", row=i + 2, profession_key=fold(f"P{i}"), organisation_key="", site_key="")
            for i in range(count)]


def bench_golfers() -> list[str]:
    rows = []
    for count, size, best in GOLFERS:
        people = golfer_people(count)
        start = time.perf_counter()
        schedule = plan_group_rounds(people, size, best, seed=SEED)
        elapsed = time.perf_counter() - start
        reached = 0
        for rnd in schedule.rounds:
            if rnd.unmatched:
                break
            reached += 1
        rows.append(f"| {count} | {size} | {(count - 1) // (size - 1)} | {best} | {reached} | {elapsed:.1f} "
                    f"{'PASS' if elapsed < 60 else 'FAIL'} |")
        print(f"golfers {count}/{size}: {reached} of {best} in {elapsed:.1f}s", file=sys.stderr)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--size", type=int, default=5, help="group size")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--rounds-size", type=int, default=10_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    lines = ["# Groups benchmark", "",
             f"Python {platform.python_version()} on {platform.machine()}, {args.repeats} runs each (medians); "
             "library calls in one process, the roster read once.", "",
             "## One round against pairing and the bound", "",
             "| People | Group size | pair (s) | groups (s) | groups / pair (≤ 2x) | ideal pairs | bound | "
             "of bound (≥ 99.5%) | random within level | pairs across organisations |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            lines += bench_round(size, args.size, args.repeats, Path(tmp))
        lines += ["", f"## {args.rounds} rounds without repeats against one round", "",
                  "| People | Group size | Rounds | one round (s) | all rounds (s) | ratio (≤ 10x) | repeated pairs | "
                  "worst round, of its bound | sat out (person-rounds) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        lines += bench_rounds(args.rounds_size, args.size, args.rounds, args.repeats, Path(tmp))
    lines += ["", "## Social golfer instances (one level, all professions different)", "",
              "| People | Group size | at most (s-1)/(N-1) | best known | reached | seconds (< 60) |",
              "|---|---|---|---|---|---|"]
    lines += bench_golfers()
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

"""Benchmark the quality of every round of ``peermatch schedule`` beside round-by-round exact matching.

Not part of the test suite.  Rosters shaped like a real integrated care system, where hardly anyone is
interchangeable: many organisations and sites, professions spread across them, grades from Band 2 to Band 9.

Two baselines, both the exact maximum-weight matching (rustworkx ``max_weight_matching``, Edmonds' blossom
algorithm) of the whole candidate graph of a round, less the pairs that have met, with peermatch's own tiered
weights (:mod:`peermatch.matching.graph`, :mod:`peermatch.matching.scoring`):

* *same history*: each round of peermatch's plan beside the exact matching of that round, given who met in the
  plan's earlier rounds;
* *exact plan*: a programme planned round by round by exact matching alone, each round given its own earlier rounds.

Whoever a matching leaves over joins a pair as peermatch does it (:func:`peermatch.matching.solve.solve`'s joining
step), so groups of three are counted alike.  Target: every round holds at least as many ideal pairs as exact
matching of that round and no more groups of three, and the programme at least as many ideal pairs as the exact
plan, with no more groups of three.

    python benchmarks/bench_schedule_quality.py --out /tmp/quality.md   # its tables go in schedule-results.md
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from peermatch.matching.graph import Problem
from peermatch.matching.schedule import Interval, plan_schedule
from peermatch.matching.solve import _join_groups
from peermatch.matching.sparse import match
from peermatch.models import Person, Roster
from peermatch.roster.config import Config
from peermatch.roster.levels import LevelScheme
from peermatch.text import fold

GRADES = ("Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a", "Band 8b", "Band 9")
GRADE_WEIGHTS = (6, 14, 16, 22, 18, 12, 6, 3, 1)
PROFESSIONS = ("Nurse", "Social Worker", "Work Coach", "Occupational Therapist", "Physiotherapist",
               "Mental Health Practitioner", "Housing Officer", "Pharmacist", "Paramedic", "GP",
               "Employment Adviser", "Social Prescribing Link Worker", "Dietitian", "Psychologist")
PROFESSION_WEIGHTS = (30, 10, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2)
CASES = ((250, 40, 25, 5), (400, 15, 10, 6), (3_000, 60, 40, 6))  # people, organisations, sites, rounds


def many_organisations(size: int, organisations: int, sites: int, seed: int) -> Roster:
    """A roster where few people share level, profession, organisation and site."""
    rng = random.Random(seed)
    scheme = LevelScheme()
    people = []
    for k in range(size):
        grade = rng.choices(GRADES, GRADE_WEIGHTS)[0]
        profession = rng.choices(PROFESSIONS, PROFESSION_WEIGHTS)[0]
        organisation, site = f"Org {rng.randrange(organisations)}", f"Site {rng.randrange(sites)}"
        people.append(Person(id=f"P{k:05d}", name="", email="", grade=grade, level=scheme.resolve(grade),
                             profession=profession, organisation=organisation, site=site, row=k + 2,
                             profession_key=fold(profession), organisation_key=fold(organisation),
                             site_key=fold(site)))
    return Roster(path=Path("roster.csv"), people=people)


@dataclass(frozen=True)
class Round:
    ideal: int
    threes: int
    groups: list[tuple[int, ...]]


def exact_round(problem: Problem) -> Round:
    """The exact maximum-weight matching of ``problem``'s whole candidate graph, whoever is left joining a pair."""
    pairs = match(problem, list(range(problem.n)), set(problem.edges()))
    ends = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    paired = set(ends.ravel().tolist())
    loose = [i for i in range(problem.n) if i not in paired]
    groups, _ = _join_groups(problem, problem.attributes(), pairs, ends, loose)
    return Round(ideal=sum(problem.is_ideal(i, j) for i, j in pairs), threes=sum(len(g) == 3 for g in groups),
                 groups=groups)


def met_pairs(groups: Sequence[Sequence[int]], ids: Sequence[str]) -> list[tuple[str, str]]:
    return [(ids[a], ids[b]) for group in groups for a in group for b in group if a < b]


def quality(size: int, organisations: int, sites: int, rounds: int, seed: int) -> tuple[list[str], str]:
    """Table rows, one per round, and the verdict line for one roster."""
    roster = many_organisations(size, organisations, sites, seed)
    config = Config()
    ids = [p.id for p in roster.people]
    index = {pid: i for i, pid in enumerate(ids)}
    interval = Interval(2, "weeks")
    starts = [interval.after(datetime(2027, 1, 11, 9), k) for k in range(rounds)]
    print(f"  planning {size:,} people, {rounds} rounds", file=sys.stderr)
    began = time.perf_counter()
    plan = plan_schedule(roster, config, starts=starts, labels=[f"R-{k + 1}" for k in range(rounds)],
                         interval=interval, seed=seed)
    planning = time.perf_counter() - began

    def problem(met: list[tuple[str, str]]) -> Problem:
        return Problem.from_people(roster.people, config.weights, config.rules.max_level_gap, met)

    plan_met: list[tuple[str, str]] = []
    own_met: list[tuple[str, str]] = []
    rows, exact_time, worse = [], [], []
    own_ideal = own_threes = 0
    for rnd, row in zip(plan.rounds, plan.summary["per_round"], strict=True):
        print(f"  round {rnd.number}: exact matching twice", file=sys.stderr)
        began = time.perf_counter()
        same = exact_round(problem(plan_met))
        exact_time.append(time.perf_counter() - began)
        own = exact_round(problem(own_met))
        own_met += met_pairs(own.groups, ids)
        own_ideal += own.ideal
        own_threes += own.threes
        groups = [tuple(index[m] for m in g.members) for g in rnd.groups]
        plan_met += met_pairs(groups, ids)
        ideal, threes = row["ideal_pairs"], sum(len(g) == 3 for g in groups)
        ok = ideal >= same.ideal and threes <= same.threes
        if not ok:
            worse.append(rnd.number)
        rows.append(f"| {size:,} ({organisations} orgs, {sites} sites) | {rnd.number} | {ideal} | {same.ideal} | "
                    f"{own.ideal} | {row['ideal_pairs_bound']} | {threes} | {same.threes} | {own.threes} | "
                    f"{len(rnd.unmatched)} | {'ok' if ok else 'WORSE'} |")
    ideal, threes = plan.summary["ideal_pairs"], plan.summary["groups_of_three"]
    rows.append(f"| {size:,} | all | {ideal:,} | | {own_ideal:,} | | {threes} | | {own_threes} | "
                f"{plan.summary['unmatched']} | |")
    passed = not worse and ideal >= own_ideal and threes <= own_threes
    verdict = (f"{'PASS' if passed else 'FAIL'}: {size:,} people ({organisations} organisations, {sites} sites), "
               f"{rounds} rounds: every round at least the ideal pairs of exact matching of that round and no more "
               f"groups of three{'' if not worse else ' (not in rounds ' + ', '.join(map(str, worse)) + ')'}; "
               f"the programme {ideal:,} ideal pairs and {threes} groups of three against {own_ideal:,} and "
               f"{own_threes} for the exact plan. Planned in {planning:.1f} s; exact matching of one round, median "
               f"{statistics.median(exact_time):.1f} s.")
    return rows, verdict


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="+", default=[case[0] for case in CASES],
                        help="which of the rosters to run, by size (250, 400, 3000)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    lines = ["| Roster | Round | Ideal pairs | Exact, same history | Exact plan | Bound | Groups of three "
             "| Exact, same history | Exact plan | Unmatched | |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    verdicts = []
    for size, organisations, sites, rounds in CASES:
        if size not in args.sizes:
            continue
        print(f"schedule quality: {size:,} people, {rounds} rounds", file=sys.stderr)
        rows, verdict = quality(size, organisations, sites, rounds, args.seed)
        lines += rows
        verdicts.append(verdict)
        print("\n".join(rows) + "\n" + verdict, file=sys.stderr)
    report = "\n".join(lines) + "\n\n" + "\n\n".join(verdicts) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

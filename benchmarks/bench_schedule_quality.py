"""Benchmark the quality of every round of ``peermatch schedule`` beside round-by-round exact matching.

Not part of the test suite.  Rosters shaped like a real integrated care system, where hardly anyone is
interchangeable: many organisations and sites, professions spread across them, grades from Band 2 to Band 9.
For each round of the plan, the baseline is the exact maximum-weight matching of that same round (rustworkx on
the whole candidate graph, given who met in the plan's earlier rounds).  Target: every round holds at least as
many ideal pairs as the baseline, and no more groups of three.

    python benchmarks/bench_schedule_quality.py --out benchmarks/schedule-quality.md

``--two-opt 1000 10000 100000`` instead measures what the fast solver's 2-opt phase adds to one pairing, and what
it costs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import rustworkx as rx
from bench_pair import generate_roster

from peermatch.matching import fast
from peermatch.matching.graph import Problem
from peermatch.matching.partners import partner_counts
from peermatch.matching.schedule import Interval, plan_schedule
from peermatch.matching.solve import score_upper_bound
from peermatch.models import Person, Roster
from peermatch.roster.config import Config
from peermatch.roster.levels import LevelScheme
from peermatch.roster.reading import load_roster
from peermatch.text import fold

GRADES = ("Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a", "Band 8b", "Band 9")
GRADE_WEIGHTS = (6, 14, 16, 22, 18, 12, 6, 3, 1)
PROFESSIONS = ("Nurse", "Social Worker", "Work Coach", "Occupational Therapist", "Physiotherapist",
               "Mental Health Practitioner", "Housing Officer", "Pharmacist", "Paramedic", "GP",
               "Employment Adviser", "Social Prescribing Link Worker", "Dietitian", "Psychologist")
PROFESSION_WEIGHTS = (30, 10, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2)
CASES = ((250, 40, 25, 5), (400, 15, 10, 6))  # people, organisations, sites, rounds


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


def exact_round(problem: Problem) -> tuple[int, int]:
    """Ideal pairs and pairs of the exact maximum-weight matching of ``problem`` (the whole candidate graph)."""
    graph = rx.PyGraph()
    graph.add_nodes_from(range(problem.n))
    graph.add_edges_from([(i, j, problem.weight(i, j)) for i, j in problem.edges()])
    matched = rx.max_weight_matching(graph, weight_fn=lambda weight: weight)
    return sum(problem.is_ideal(i, j) for i, j in matched), len(matched)


def quality(size: int, organisations: int, sites: int, rounds: int, seed: int) -> list[str]:
    roster = many_organisations(size, organisations, sites, seed)
    config = Config()
    interval = Interval(2, "weeks")
    starts = [interval.after(datetime(2027, 1, 11, 9), k) for k in range(rounds)]
    began = time.perf_counter()
    plan = plan_schedule(roster, config, starts=starts, labels=[f"R-{k + 1}" for k in range(rounds)],
                         interval=interval, seed=seed)
    planning = time.perf_counter() - began
    index = {p.id: i for i, p in enumerate(roster.people)}
    met: list[tuple[str, str]] = []
    lines = []
    exact_time = []
    for rnd, quality_row in zip(plan.rounds, plan.summary["per_round"], strict=True):
        problem = Problem.from_people(roster.people, config.weights, config.rules.max_level_gap, met)
        began = time.perf_counter()
        ideal, pairs = exact_round(problem)
        exact_time.append(time.perf_counter() - began)
        # Whoever exact matching leaves without a partner, though someone is allowed to meet them, joins a pair.
        exact_threes = sum(1 for n in partner_counts(problem).possible if n) - 2 * pairs
        threes = sum(len(g.members) == 3 for g in rnd.groups)
        ours = quality_row["ideal_pairs"]
        verdict = "ok" if ours >= ideal and threes <= exact_threes else "WORSE"
        lines.append(f"| {size:,} ({organisations} orgs, {sites} sites) | {rnd.number} | {ours} | {ideal} | "
                     f"{quality_row['ideal_pairs_bound']} | {threes} | {exact_threes} | {len(rnd.unmatched)} | "
                     f"{quality_row['score_bound'] - quality_row['pair_score']} | {verdict} |")
        for group in rnd.groups:
            members = [index[m] for m in group.members]
            met += [(roster.people[a].id, roster.people[b].id) for a in members for b in members if a < b]
    lines.append(f"| {size:,} | all | {plan.summary['ideal_pairs']} | | | "
                 f"{plan.summary['groups_of_three']} | | | planned in {planning:.1f} s "
                 f"(exact per round: median {statistics.median(exact_time):.1f} s) | |")
    return lines


def two_opt_gain(size: int, shape: str, seed: int, repeats: int) -> str:
    """What the fast solver's 2-opt phase adds to one pairing, and what it costs: the same solve with and without.

    ``shape`` is ``bench_pair`` (the roster of ``bench_pair.py``) or ``many-orgs`` (:func:`many_organisations`).
    Times are medians of ``repeats``: the fast solver alone, and the 2-opt phase inside it.
    """
    if shape == "bench_pair":
        with tempfile.TemporaryDirectory() as folder:
            generate_roster(size, Path(folder) / "roster.csv")
            roster = load_roster(Path(folder) / "roster.csv")
    else:
        roster = many_organisations(size, 8, 6, seed)
    config = Config()
    problem = Problem.from_people(roster.people, config.weights, config.rules.max_level_gap)
    keep = fast._two_opt
    spent = [0.0]

    def timed(*args: Any) -> None:
        began = time.perf_counter()
        keep(*args)
        spent[0] += time.perf_counter() - began

    runs: dict[str, list[tuple[int, float, float]]] = {"with": [], "without": []}
    try:
        for _ in range(repeats):
            for label, phase in (("with", timed), ("without", lambda *args: None)):
                fast._two_opt = phase  # type: ignore[assignment]
                spent[0] = 0.0
                began = time.perf_counter()
                pairs = fast.solve_fast(problem, seed)
                took = time.perf_counter() - began
                runs[label].append((sum(problem.score(i, j) for i, j in pairs), took, spent[0]))
    finally:
        fast._two_opt = keep
    with_it, without = runs["with"][0][0], runs["without"][0][0]
    bound = score_upper_bound(problem)
    solver = statistics.median(r[1] for r in runs["with"])
    phase_time = statistics.median(r[2] for r in runs["with"])
    solver_without = statistics.median(r[1] for r in runs["without"])
    return (f"| {size:,} | {shape} | {with_it:,} | {without:,} | {with_it - without:+,} | {bound - without:,} | "
            f"{solver:.2f} | {phase_time:.2f} | {solver_without:.2f} |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--two-opt", type=int, nargs="*", metavar="SIZE",
                        help="only measure the 2-opt phase of one pairing at these sizes (default 1000 10000 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the 2-opt timings (medians)")
    args = parser.parse_args(argv)
    if args.two_opt is not None:
        rows = ["| People | Roster | Score with 2-opt | Without | 2-opt adds | Gap to bound without | "
                "Fast solver (s) | 2-opt phase (s) | Fast solver without (s) |",
                "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
        for size in args.two_opt or (1_000, 10_000, 100_000):
            for shape in ("bench_pair", "many-orgs"):
                print(f"2-opt: {size:,} people, {shape}", file=sys.stderr)
                rows.append(two_opt_gain(size, shape, args.seed, args.repeats))
        report = "\n".join(rows) + "\n"
        print(report)
        if args.out:
            args.out.write_text(report, encoding="utf-8")
        return
    lines = ["| Roster | Round | Ideal pairs | Exact round | Bound | Groups of three | Exact round | Unmatched "
             "| Score gap | |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for size, organisations, sites, rounds in CASES:
        print(f"schedule quality: {size:,} people, {rounds} rounds", file=sys.stderr)
        lines += quality(size, organisations, sites, rounds, args.seed)
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()

"""``pair``: from a roster to the best groups, as a value (no printing).

This is the library entry point the ``peermatch pair`` command wraps::

    from peermatch.roster.config import load_config
    from peermatch.roster.reading import load_roster
    from peermatch.matching.pairing import pair

    config = load_config(None)
    roster = load_roster(Path("roster.csv"), levels=config.levels)
    result = pair(roster, config, seed=7)
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

import numpy as np

from peermatch.matching.graph import Problem, row_classes
from peermatch.matching.groups import form_groups
from peermatch.matching.partners import Partners, partner_counts
from peermatch.matching.scoring import Scorer, scorer_for
from peermatch.matching.solve import solve
from peermatch.models import Group, PairResult, Person, Roster, Summary
from peermatch.roster.config import Config
from peermatch.text import fold, size_words

SEED_LIMIT = 2**31


def new_seed() -> int:
    """A fresh seed, shown to the user so the run can be repeated exactly."""
    return secrets.randbelow(SEED_LIMIT)


def group_reasons(scorer: Scorer, members: Sequence[Person]) -> tuple[str, ...]:
    """Why these people are together, in words.

    A pair and a group of three list every pairing; a larger group is summed up (a table of eight has 28
    pairings, more than anyone reads): its levels, its professions, how many of its pairs cross professions,
    and its organisations and site.
    """
    if len(members) == 2:
        return scorer.reasons(*members)
    if len(members) == 3:
        lines = ["group of three"]
        for k, a in enumerate(members):
            for b in members[k + 1:]:
                level, professions, *rest = scorer.reasons(a, b)
                lines.append(f"{professions}: " + " · ".join([level, *rest]))
        return tuple(lines)
    return _large_group_reasons(members)


def _large_group_reasons(members: Sequence[Person]) -> tuple[str, ...]:
    levels = sorted({p.level for p in members})
    if len(levels) == 1:
        level = f"same level ({levels[0]})"
    elif len({level.scale for level in levels}) > 1:
        level = "levels not comparable (" + " · ".join(map(str, levels)) + ")"
    else:
        level = "levels " + " · ".join(map(str, levels))
    pairs = [(a, b) for k, a in enumerate(members) for b in members[k + 1:]]
    cross = sum(a.profession_key != b.profession_key for a, b in pairs)
    # Professions alphabetically: the words then depend only on who is in the group, not on their order.
    professions = sorted((p.profession for p in members), key=lambda name: (fold(name), name))
    lines = [f"group of {size_words(len(members))}", level, " × ".join(professions),
             f"{cross} of {len(pairs)} pairs across professions"]
    organisations = {p.organisation_key for p in members}
    if "" not in organisations:
        lines.append("same organisation" if len(organisations) == 1 else
                     "different organisations" if len(organisations) == len(members) else
                     f"{len(organisations)} organisations")
    sites = {p.site_key for p in members}
    if len(sites) == 1 and "" not in sites:
        lines.append(f"same site ({members[0].site})")
    return tuple(lines)


def group_score(scorer: Scorer, members: Sequence[Person]) -> int:
    """A pair's score; for a larger group, the sum over every pairing in it (three in a group of three)."""
    return sum(scorer.score(a, b) for k, a in enumerate(members) for b in members[k + 1:])


class GroupWords:
    """The score and reasons of groups of ``people``, worked out once per combination of kinds of person.

    A kind is everything :class:`~peermatch.matching.scoring.Scorer` reads of a person, so people of one kind give any
    group the same score and reasons.  At 100,000 people a round has 50,000 groups but a few thousand
    combinations, and groups of one combination share one reasons tuple instead of holding copies.
    """

    def __init__(self, scorer: Scorer, people: Sequence[Person]) -> None:
        self._scorer = scorer
        self._people = people
        kinds: dict[tuple[object, ...], int] = {}
        self._kind = [kinds.setdefault((p.level.scale, p.level.step, p.level.label, p.profession, p.profession_key,
                                        p.organisation_key, p.site, p.site_key), len(kinds)) for p in people]
        self._known: dict[tuple[int, ...], tuple[int, tuple[str, ...]]] = {}

    def kinds(self) -> np.ndarray:
        """Everyone's kind, as numbers: people of one kind give any group the same words."""
        return np.asarray(self._kind, dtype=np.int64)

    def __call__(self, members: Sequence[int]) -> tuple[int, tuple[str, ...]]:
        """Score and reasons of the group of these people (by index, in the order they are listed)."""
        key = tuple(map(self._kind.__getitem__, members))
        if len(key) > 3:
            # A larger group's words do not depend on the order of its members, and sorted its kinds repeat
            # five times as often: 2,800 combinations for 20,000 groups of five from 100,000 people.
            key = tuple(sorted(key))
        found = self._known.get(key)
        if found is None:
            group = [self._people[i] for i in members]
            found = self._known[key] = (group_score(self._scorer, group), group_reasons(self._scorer, group))
        return found


def pair(
    roster: Roster,
    config: Config,
    *,
    seed: int | None = None,
    method: str = "auto",
    odd: str = "triad",
    exclude: Iterable[tuple[str, str]] = (),
) -> PairResult:
    """Pair the people of ``roster`` under ``config``; deterministic for a given seed.

    With ``config.groups.size`` above 2 (``--group-size``), form groups of that size instead: see
    :func:`group_roster`.  ``odd`` is then ``triad`` (some groups one larger) or ``leave-out``.
    """
    seed = new_seed() if seed is None else seed
    if config.groups.size > 2:
        return group_roster(roster, config, seed=seed, odd=odd, exclude=exclude)
    people = roster.people
    scorer = scorer_for(config.weights, config.rules)
    forbidden = list(config.rules.exclude) + list(exclude)
    problem = Problem.from_people(people, config.weights, config.rules.max_level_gap, forbidden)
    solution = solve(problem, seed, method=method, odd=odd)

    # A group of three is the solver's pair plus the person who joined it;
    # the pair statistics (and the ideal-pair bound) are about the pairs.
    first = np.fromiter((g[0] for g in solution.groups), dtype=np.int64, count=len(solution.groups))
    second = np.fromiter((g[1] for g in solution.groups), dtype=np.int64, count=len(solution.groups))
    pairs = _PairStatistics(problem, first, second)
    ids = [p.id for p in people]
    unmatched = [ids[i] for i in solution.unmatched]
    reasons: dict[str, str] = {}
    if solution.unmatched:
        partners = partner_counts(problem)
        reasons = {ids[i]: _why_unmatched(problem, partners, i, odd) for i in solution.unmatched}
    described = _Described(GroupWords(scorer, people), solution.groups, first, second)
    order = _senior_first(problem, first, described.scores(), [ids[i] for i in described.lowest.tolist()])
    # The problem's attributes (40 MB at a million people) are let go before the groups are made, when memory peaks.
    del problem, first, second
    groups = described.groups(ids, order)
    summary = Summary(
        people=len(people),
        groups=len(groups),
        pairs_same_level=pairs.same_level,
        pairs_cross_profession=pairs.cross_profession,
        pairs_cross_organisation=pairs.cross_organisation,
        ideal_pairs=pairs.ideal,
        ideal_pairs_possible=solution.ideal_bound,
        unmatched=len(unmatched),
        left_out=len(roster.left_out),
        total_score=sum(g.score for g in groups),
        pair_score=solution.pair_score,
        score_bound=solution.score_bound,
        solver=solution.method,
        seed=seed,
    )
    return PairResult(roster=roster, groups=groups, unmatched=unmatched, summary=summary,
                      unmatched_reasons=reasons)


def _senior_first(problem: Problem, levelled_by: np.ndarray, scores: np.ndarray, firsts: Sequence[str]) -> np.ndarray:
    """The order a coordinator scans groups in: most senior level first, then best score, then by first member.

    A group's level is that of its member ``levelled_by``; ``firsts`` are the ids of the groups' first members.
    Nobody is in two groups, so first members never tie.  Sorted by id first, then stably by numbers: a tuple
    per group to sort on would be 50 MB at a million people.
    """
    by_id = np.array(sorted(range(len(firsts)), key=firsts.__getitem__), dtype=np.int64)
    attrs = problem.attributes()
    who = levelled_by[by_id]
    order: np.ndarray = by_id[np.lexsort((-scores[by_id], -attrs[who, 1], problem.scale_rank()[attrs[who, 0]]))]
    return order


class _Described:
    """The solver's groups with their words, made into :class:`Group` values in the order they are shown.

    A pair's score and reasons are found per combination of kinds of person, as arrays: looked up pair by pair
    they took two seconds at a million people.  Members are listed in roster order.
    """

    def __init__(self, words: GroupWords, groups: Sequence[tuple[int, ...]], first: np.ndarray,
                 second: np.ndarray) -> None:
        self._groups = groups
        self.lowest = np.minimum(first, second)
        self._highest = np.maximum(first, second)
        kinds = words.kinds()
        combination, example = row_classes(np.column_stack((kinds[self.lowest], kinds[self._highest])))
        self._words = [words((int(self.lowest[k]), int(self._highest[k]))) for k in example.tolist()]
        self._of = combination
        # Groups of three are few (one per odd level at most): described one by one.
        self._larger: dict[int, tuple[int, ...]] = {}
        for k in np.flatnonzero(np.fromiter(map(len, groups), dtype=np.int64, count=len(groups)) != 2).tolist():
            members = self._larger[k] = tuple(sorted(groups[k]))
            self.lowest[k] = members[0]
            self._of[k] = len(self._words)
            self._words.append(words(members))

    def scores(self) -> np.ndarray:
        scores: np.ndarray = np.array([score for score, _ in self._words], dtype=np.int64)[self._of]
        return scores

    def groups(self, ids: Sequence[str], order: np.ndarray) -> list[Group]:
        made: list[Group] = []
        # A chunk at a time: the whole order as lists of numbers would be 50 MB more at the peak.
        for start in range(0, len(order), _MADE_AT_ONCE):
            chunk = order[start:start + _MADE_AT_ONCE]
            for k, low, high, of in zip(chunk.tolist(), self.lowest[chunk].tolist(), self._highest[chunk].tolist(),
                                        self._of[chunk].tolist(), strict=True):
                members = self._larger.get(k)
                score, why = self._words[of]
                # Positional: a frozen group takes keywords a third slower, a second at a million people.
                if members is None:
                    made.append(Group((ids[low], ids[high]), score, why))
                else:
                    made.append(Group(tuple(map(ids.__getitem__, members)), score, why, ids[self._groups[k][2]]))
        return made


_MADE_AT_ONCE = 10_000


def group_roster(roster: Roster, config: Config, *, seed: int, odd: str = "triad",
                 exclude: Iterable[tuple[str, str]] = ()) -> PairResult:
    """One round of groups of ``config.groups.size``, as a :class:`PairResult` every output takes.

    The groups come from :func:`peermatch.matching.groups.form_groups`.  The summary's pair counts are over every
    pair of members inside a group, and ``ideal_pairs_possible`` is the grouping bound; the score has no proven
    limit of its own (``score_bound`` is None): the bound that matters for groups is the ideal pairs.
    """
    size, people = config.groups.size, roster.people
    grouping = form_groups(people, size, odd="leave-out" if odd == "leave-out" else "grow",
                           max_level_gap=config.rules.max_level_gap, exclusions=config.rules.exclude,
                           met=exclude, seed=seed, weights=config.weights)
    index = {p.id: i for i, p in enumerate(people)}
    words = GroupWords(scorer_for(config.weights, config.rules), people)
    groups = []
    for members in grouping.groups:
        score, why = words(sorted(map(index.__getitem__, members)))
        groups.append(Group(members=tuple(sorted(members, key=index.__getitem__)), score=score, reasons=why))
    # Most senior levels first, then best score: the order a coordinator scans, as for pairs.
    level = [people[index[g.members[0]]].level for g in groups]
    order = sorted(range(len(groups)), key=lambda k: (level[k].scale, -level[k].step, -groups[k].score,
                                                      groups[k].members))
    groups = [groups[k] for k in order]
    stats, total = grouping.stats, sum(g.score for g in groups)
    summary = Summary(
        people=len(people), groups=len(groups), pairs_same_level=stats.pairs_same_level,
        pairs_cross_profession=stats.pairs_cross_profession, pairs_cross_organisation=stats.pairs_cross_organisation,
        ideal_pairs=grouping.ideal_pairs, ideal_pairs_possible=grouping.bound, unmatched=len(grouping.unmatched),
        left_out=len(roster.left_out), total_score=total, pair_score=total, score_bound=None, solver="groups",
        seed=seed, group_size=size)
    return PairResult(roster=roster, groups=groups, unmatched=list(grouping.unmatched), summary=summary,
                      unmatched_reasons=dict(grouping.unmatched))


class _PairStatistics:
    """How many pairs are at the same level, across professions, across organisations, and ideal.

    Counted on the problem's integer codes, which compare exactly as the people's levels and folded keys do (an
    unknown organisation is -1, neither the same nor different), a column at a time, without a Python call per pair.
    """

    def __init__(self, problem: Problem, first: np.ndarray, second: np.ndarray) -> None:
        scale, step, prof, org = (problem.attributes()[:, column] for column in range(4))
        same_level = (scale[first] == scale[second]) & (step[first] == step[second])
        cross_profession = prof[first] != prof[second]
        self.same_level = int(same_level.sum())
        self.cross_profession = int(cross_profession.sum())
        self.cross_organisation = int(((org[first] != org[second]) & (org[first] >= 0) & (org[second] >= 0)).sum())
        self.ideal = int((same_level & cross_profession).sum())


def _why_unmatched(problem: Problem, partners: Partners, person: int, odd: str) -> str:
    """Why someone has no partner, and what the coordinator can change about it."""
    why = partners.why_none(person)
    within = "at the same level" if problem.max_gap == 0 else \
        f"within {problem.max_gap} level{'s' if problem.max_gap != 1 else ''}"
    if why == "alone":
        return (f"nobody else {within} on their grading scale: check their grade, map their scale onto "
                "a common one in [levels], or allow a wider gap with --max-level-gap")
    if why == "excluded":
        reach = partners.in_reach[person]
        who = "the only other person" if reach == 1 else f"all {reach} people"
        return (f"{who} {within} already met them or may not meet them: allow repeats after some rounds "
                "with avoid_repeats_within in [history], or a wider gap with --max-level-gap")
    if odd == "leave-out":
        return "odd one out (--odd leave-out)"
    return "no group could take a third person at this level"

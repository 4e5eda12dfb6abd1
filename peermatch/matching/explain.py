"""``peermatch explain``: why ``pair`` would (or would not) put someone with someone, in words and points.

For one person, :func:`explain_person` lists their best candidate partners in the order ``pair`` prefers them (same
level across professions first, then across professions, then by score) and who is ruled out and why.  For two,
:func:`explain_pair` lists every rule and weight that applies to the pair.  Both read the same roster, configuration,
exclusions and history as ``pair``, through a :class:`Setting`, and return values; nothing is shown here.

A candidate is someone ``pair`` *may* choose.  Whether it does depends on everyone else, because the pairing is
chosen for the whole roster at once: :func:`pairing_check` runs it with a given seed to say what it chose.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from peermatch.errors import UsageError
from peermatch.matching.pairing import pair
from peermatch.matching.scoring import Scorer, different_organisations, same_site, scorer_for
from peermatch.models import Person, Roster
from peermatch.roster.config import Config
from peermatch.text import fold


@dataclass(frozen=True)
class Meeting:
    """Two people in one group of a recorded round, and whether that keeps ``pair`` from pairing them again."""

    round: str
    met: str  # "yes", "no" or "" (no feedback), as `history export` writes it
    counts: bool
    why: str


@dataclass(frozen=True)
class Setting:
    """Everything ``pair`` weighs besides the people themselves."""

    roster: Roster
    config: Config
    exclusions: Mapping[frozenset[str], str] = field(default_factory=dict)  # pair -> where it is excluded
    met: frozenset[frozenset[str]] = frozenset()  # pairs the history keeps apart, exactly as `pair` reads them
    meetings: Mapping[frozenset[str], Sequence[Meeting]] = field(default_factory=dict)  # every recorded meeting

    @property
    def scorer(self) -> Scorer:
        return scorer_for(self.config.weights, self.config.rules)

    def person(self, wanted: str) -> Person:
        """The person with id ``wanted`` (spaces and case ignored when that leaves one match)."""
        people = {p.id: p for p in self.roster.people}
        if (found := people.get(wanted.strip())) is not None:
            return found
        loose = [p for p in self.roster.people if fold(p.id) == fold(wanted)]
        if len(loose) == 1:
            return loose[0]
        for entry in self.roster.left_out:
            if fold(entry.id) == fold(wanted):
                raise UsageError(f"{self.roster.path}, row {entry.row}: id {entry.id!r} takes no part in the "
                                 f"pairing: {entry.reason}")
        column = self.roster.columns.get("id")
        where = f"column {column!r}" if column else "the roster has no id column, so ids are emails or row numbers"
        raise UsageError(f"{self.roster.path}: there is no id {wanted.strip()!r} ({where}); "
                         "`peermatch check` lists the roster")


def exclusion_sources(config: Config, file_pairs: Iterable[tuple[str, str]], file_name: str) -> dict[
        frozenset[str], str]:
    """Each excluded pair and where it is excluded: the --exclude file, the config, or both."""
    sources: dict[frozenset[str], list[str]] = defaultdict(list)
    config_name = f"[rules] exclude in {config.path}" if config.path else "[rules] exclude in the config"
    for pairs, name in ((file_pairs, file_name), (config.rules.exclude, config_name)):
        for a, b in pairs:
            key = frozenset((a, b))
            if len(key) == 2 and name not in sources[key]:
                sources[key].append(name)
    return {key: " and ".join(names) for key, names in sources.items()}


def history_meetings(rows: Iterable[Mapping[str, object]], round_order: Sequence[str], *, replacing: str,
                     within: int | None) -> dict[frozenset[str], list[Meeting]]:
    """Every two people who shared a group, from ``History.export_rows``, and whether each meeting counts.

    The rules are those of ``History.met_pairs``: a round being planned again does not count, nor a group reported as
    not having met, nor, with ``within``, a round older than the ``within`` most recent others.
    """
    others = [label for label in round_order if label != replacing]
    counted = set(others[-within:] if within else others)
    groups: dict[tuple[str, object], list[str]] = defaultdict(list)
    met_flag: dict[tuple[str, object], str] = {}
    for row in rows:
        if row.get("group") is None or row.get("odd") == "unmatched":
            continue
        key = (str(row["round"]), row["group"])
        groups[key].append(str(row["person_id"]))
        met_flag[key] = str(row.get("met") or "")
    meetings: dict[frozenset[str], list[Meeting]] = defaultdict(list)
    for (label, group), members in groups.items():
        met = met_flag[label, group]
        if label == replacing:
            counts, why = False, (f"were grouped in round {label!r}, which this run of `pair` would plan again "
                                  "(same --round label), so it does not count")
        elif met == "no":
            counts, why = False, f"in round {label!r} they were grouped but reported as not having met"
        elif label not in counted:
            counts, why = False, (f"met in round {label!r}, more than {within} rounds ago ([history] "
                                  f"avoid_repeats_within = {within}), so they may meet again")
        else:
            counts, why = True, f"met in round {label!r}, so `pair` never puts them together again"
        for k, a in enumerate(members):
            for b in members[k + 1:]:
                meetings[frozenset((a, b))].append(Meeting(label, met, counts, why))
    return dict(meetings)


# -- one person --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person: Person
    score: int
    reasons: tuple[str, ...]  # the words `pair` shows beside the group
    ideal: bool  # same level, different professions: what `pair` looks for first
    cross: bool  # different professions


@dataclass(frozen=True)
class RuledOut:
    person: Person
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PairingCheck:
    """What ``pair`` chose with this seed: each asked-about id's group (empty when unmatched)."""

    seed: int
    groups: dict[str, tuple[str, ...]]
    unmatched_reasons: dict[str, str]
    group_size: int = 2
    group_reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)  # with groups: why each id's group

    @property
    def together(self) -> bool:
        groups = list(self.groups.values())
        return len(groups) == 2 and bool(groups[0]) and groups[0] == groups[1]


@dataclass(frozen=True)
class PersonExplanation:
    person: Person
    max_level_gap: int
    candidates: list[Candidate]  # the best, in the order `pair` prefers them
    eligible: int  # every candidate, not only those shown
    ideal: int  # candidates at the same level from another profession
    ruled_out: list[RuledOut]  # excluded, or met before
    too_far: dict[str, int]  # level -> people at it too many levels away
    not_comparable: int  # people whose grades are on another ladder
    pairing: PairingCheck | None = None
    group_size: int = 2  # above 2: candidates to share a group of this size


def _blocked(setting: Setting, a: Person, b: Person) -> tuple[str, ...]:
    key = frozenset((a.id, b.id))
    reasons = [f"excluded by {setting.exclusions[key]}"] if key in setting.exclusions else []
    if key in setting.met:
        reasons += [m.why for m in setting.meetings.get(key, ()) if m.counts] or ["met before, per the history"]
    return tuple(reasons)


def explain_person(setting: Setting, person_id: str, *, top: int = 10) -> PersonExplanation:
    """``person_id``'s best candidates and who is ruled out; see the module docstring."""
    me, scorer = setting.person(person_id), setting.scorer
    gap_limit = setting.config.rules.max_level_gap
    candidates, ruled_out = [], []
    too_far: dict[tuple[str, int], int] = defaultdict(int)
    labels: dict[tuple[str, int], str] = {}
    not_comparable = 0
    for other in setting.roster.people:
        if other is me:
            continue
        if blocked := _blocked(setting, me, other):
            ruled_out.append(RuledOut(other, blocked))
            continue
        gap = me.level.gap(other.level)
        if gap is None:
            not_comparable += 1
        elif gap > gap_limit:
            key = (other.level.scale, other.level.step)
            too_far[key] += 1
            labels[key] = other.level.label
        else:
            cross = me.profession_key != other.profession_key
            candidates.append(Candidate(other, scorer.score(me, other), scorer.reasons(me, other), cross and gap == 0,
                                        cross))
    candidates.sort(key=lambda c: (-c.ideal, -c.cross, -c.score, c.person.row))
    ruled_out.sort(key=lambda r: r.person.row)
    return PersonExplanation(
        person=me, max_level_gap=gap_limit, candidates=candidates[:top], eligible=len(candidates),
        ideal=sum(c.ideal for c in candidates), ruled_out=ruled_out,
        too_far={labels[key]: too_far[key] for key in sorted(too_far)}, not_comparable=not_comparable,
        group_size=setting.config.groups.size)


# -- two people --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule or weight as it applies to a pair."""

    rule: str  # level, profession, organisation, site, exclusion or history
    text: str
    points: int | None  # what it adds to the score; None for a rule that adds nothing to it
    blocks: bool = False  # keeps `pair` from putting them together


@dataclass(frozen=True)
class PairExplanation:
    a: Person
    b: Person
    rules: list[Rule]
    score: int | None  # None when their levels cannot be compared
    reasons: tuple[str, ...]  # the words `pair` shows beside the group
    considered: bool  # `pair` may put them together
    ideal: bool
    pairing: PairingCheck | None = None
    group_size: int = 2  # above 2: whether they may share a group of this size


def explain_pair(setting: Setting, first: str, second: str) -> PairExplanation:
    """Every rule and weight that applies to the two people; see the module docstring."""
    a, b = setting.person(first), setting.person(second)
    if a is b:
        raise UsageError(f"give two different ids to explain a pair (both are {a.id!r})")
    w, gap_limit = setting.config.weights, setting.config.rules.max_level_gap
    gap = a.level.gap(b.level)
    rules = [_level_rule(a, b, gap, gap_limit, w.same_level, w.level_step)]
    if a.profession_key != b.profession_key:
        rules.append(Rule("profession", f"different professions ({a.profession} × {b.profession}): "
                          f"{w.different_profession:+d} (different_profession)", w.different_profession))
    else:
        rules.append(Rule("profession", f"same profession ({a.profession}): +0; `pair` prefers partners from other "
                          "professions, and pairs two people of one profession only when nobody else is left", 0))
    rules.append(_organisation_rule(a, b, w.different_organisation))
    rules.append(_site_rule(a, b, w.same_site))
    key = frozenset((a.id, b.id))
    if key in setting.exclusions:
        rules.append(Rule("exclusion", f"excluded by {setting.exclusions[key]}: never paired", None, blocks=True))
    for meeting in setting.meetings.get(key, ()):
        rules.append(Rule("history", meeting.why, None, blocks=meeting.counts and key in setting.met))
    if key in setting.met and not any(rule.rule == "history" and rule.blocks for rule in rules):
        rules.append(Rule("history", "met before, per the history: never paired again", None, blocks=True))
    score = None if gap is None else setting.scorer.score(a, b)  # the rules' points are its parts, in words
    considered = not any(rule.blocks for rule in rules)
    return PairExplanation(a=a, b=b, rules=rules, score=score, reasons=setting.scorer.reasons(a, b),
                           considered=considered, ideal=gap == 0 and a.profession_key != b.profession_key,
                           group_size=setting.config.groups.size)


def _level_rule(a: Person, b: Person, gap: int | None, limit: int, same_level: int, step: int) -> Rule:
    if gap is None:
        return Rule("level", f"levels on different ladders ({a.level}: {a.level.scale}; {b.level}: {b.level.scale}), "
                    "which peermatch cannot compare, so they are never paired; map the grades onto one ladder under "
                    "[levels.map] in the config", None, blocks=True)
    if gap == 0:
        return Rule("level", f"same level ({a.level}): {same_level:+d} (same_level)", same_level)
    low, high = sorted((a.level, b.level))
    points = same_level - gap * step
    apart = "one level" if gap == 1 else f"{gap} levels"
    text = f"{apart} apart ({low} · {high}): same_level {same_level} − {gap} × level_step {step} = {points:+d}"
    if gap > limit:
        return Rule("level", f"{text}; but the most levels apart allowed is {limit} (--max-level-gap, or max_level_gap "
                    "in [rules]), so they are never paired", points,
                    blocks=True)
    return Rule("level", text, points)


def _organisation_rule(a: Person, b: Person, weight: int) -> Rule:
    if different_organisations(a, b):
        return Rule("organisation", f"different organisations ({a.organisation} · {b.organisation}): {weight:+d} "
                    "(different_organisation)", weight)
    if a.organisation_key and a.organisation_key == b.organisation_key:
        return Rule("organisation", f"same organisation ({a.organisation}): +0", 0)
    return Rule("organisation", "organisation not known for both: +0", 0)


def _site_rule(a: Person, b: Person, weight: int) -> Rule:
    if same_site(a, b):
        return Rule("site", f"same site ({a.site}): {weight:+d} (same_site)", weight)
    if a.site_key and b.site_key:
        return Rule("site", f"different sites ({a.site} · {b.site}): +0", 0)
    return Rule("site", "site not known for both: +0", 0)


# -- the pairing itself ------------------------------------------------------------------------------------------


def pairing_check(setting: Setting, ids: Sequence[str], *, seed: int, method: str = "auto", odd: str = "triad",
                  exclude: Iterable[tuple[str, str]] = ()) -> PairingCheck:
    """Run ``pair`` as the command would (``exclude``: the --exclude file and the history) and find ``ids``.

    With ``[groups] size`` (``--group-size``) above 2 in the setting's configuration, ``pair`` forms groups, and
    each id's group is everyone they would share it with.
    """
    result = pair(setting.roster, setting.config, seed=seed, method=method, odd=odd, exclude=exclude)
    found = {person_id: next((g for g in result.groups if person_id in g.members), None) for person_id in ids}
    groups = {person_id: group.members if group else () for person_id, group in found.items()}
    reasons = {person_id: result.unmatched_reasons.get(person_id, "") for person_id in ids if not groups[person_id]}
    size = setting.config.groups.size
    why = {person_id: group.reasons for person_id, group in found.items() if group and size > 2}
    return PairingCheck(seed=seed, groups=groups, unmatched_reasons=reasons, group_size=size, group_reasons=why)


# -- JSON --------------------------------------------------------------------------------------------------------


def _person_dict(p: Person) -> dict[str, Any]:
    # No names or emails: a script gets ids and what the pairing weighs.
    return {"id": p.id, "row": p.row, "level": str(p.level), "profession": p.profession,
            "organisation": p.organisation, "site": p.site}


def _pairing_dict(check: PairingCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {"seed": check.seed, "together": check.together, **_size(check.group_size),
            "groups": {pid: list(members) for pid, members in check.groups.items()},
            "unmatched_reasons": check.unmatched_reasons,
            **({"group_reasons": {pid: list(why) for pid, why in check.group_reasons.items()}}
               if check.group_size > 2 else {})}


def _size(group_size: int) -> dict[str, int]:
    # Only for groups, so the JSON of a pair reads as it always has.
    return {} if group_size == 2 else {"group_size": group_size}


def person_explanation_dict(explained: PersonExplanation) -> dict[str, Any]:
    return {
        "person": _person_dict(explained.person),
        **_size(explained.group_size),
        "max_level_gap": explained.max_level_gap,
        "eligible": explained.eligible,
        "ideal": explained.ideal,
        "candidates": [_person_dict(c.person) | {"score": c.score, "reasons": list(c.reasons), "ideal": c.ideal}
                       for c in explained.candidates],
        "ruled_out": [{"id": r.person.id, "row": r.person.row, "reasons": list(r.reasons)}
                      for r in explained.ruled_out],
        "too_far": explained.too_far,
        "not_comparable": explained.not_comparable,
        "pairing": _pairing_dict(explained.pairing),
    }


def pair_explanation_dict(explained: PairExplanation) -> dict[str, Any]:
    return {
        "people": [_person_dict(explained.a), _person_dict(explained.b)],
        **_size(explained.group_size),
        "considered": explained.considered,
        "ideal": explained.ideal,
        "score": explained.score,
        "reasons": list(explained.reasons),
        "rules": [{"rule": r.rule, "text": r.text, "points": r.points, "blocks": r.blocks} for r in explained.rules],
        "pairing": _pairing_dict(explained.pairing),
    }

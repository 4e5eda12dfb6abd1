"""Why someone was left without a partner, in words that say what to change."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.matching.pairing import group_reasons, group_score, pair
from peermatch.matching.scoring import scorer_for
from peermatch.roster.config import Config
from tests.factories import person, roster_of


def test_someone_alone_on_their_grading_scale_is_told_to_check_or_map_their_grade() -> None:
    people = roster_of(person("N1", "Band 6", "Nurse"), person("S1", "Band 6", "Social Worker"),
                       person("C1", "HEO", "Work Coach"))
    result = pair(people, Config(), seed=1, odd="leave-out")
    assert result.unmatched == ["C1"]
    reason = result.unmatched_reasons["C1"]
    assert reason.startswith("nobody else within 1 level on their grading scale")
    assert "[levels]" in reason


def test_someone_who_has_met_everyone_in_reach_is_told_how_to_allow_repeats() -> None:
    people = roster_of(person("N1", "Band 6", "Nurse"), person("S1", "Band 6", "Social Worker"),
                       person("G1", "Band 8a", "GP"), person("W1", "Band 8b", "Work Coach"))
    result = pair(people, Config(), seed=1, exclude=[("G1", "W1")])
    assert set(result.unmatched) == {"G1", "W1"}
    reason = result.unmatched_reasons["G1"]
    assert reason.startswith("the only other person within 1 level already met them or may not meet them")
    assert "avoid_repeats_within" in reason


def test_the_odd_one_out_is_named_as_such() -> None:
    people = roster_of(person("N1", "Band 6", "Nurse"), person("S1", "Band 6", "Social Worker"),
                       person("G1", "Band 6", "GP"))
    result = pair(people, Config(), seed=1, odd="leave-out")
    assert len(result.unmatched) == 1
    assert result.unmatched_reasons[result.unmatched[0]] == "odd one out (--odd leave-out)"


def test_groups_list_their_members_in_roster_order_most_senior_first() -> None:
    people = roster_of(person("S1", "Band 6", "Social Worker"), person("N1", "Band 6", "Nurse"),
                       person("G1", "Band 6", "GP"), person("A1", "Band 8a", "Nurse"), person("A2", "Band 8a", "GP"))
    result = pair(people, Config(), seed=1)
    senior, three = result.groups
    assert senior.members == ("A1", "A2") and senior.joined is None
    assert three.members == ("S1", "N1", "G1") and three.joined in three.members
    assert three.reasons[0] == "group of three"


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([2, 41, 130, 301]))
def test_every_group_is_described_and_shown_in_order(seed: int, size: int) -> None:
    # Above 120 people the fast solver plans the round: both paths make their groups the same way.
    grades = ["Band 5", "Band 6", "Band 7", "EO", "HEO"]
    professions = ["Nurse", "GP", "Social Worker", "Work Coach"]
    rng = random.Random(seed)
    people = roster_of(*(person(f"P{rng.randrange(10**6):06d}-{n}", rng.choice(grades), rng.choice(professions),
                                rng.choice(["", "Trust", "Council"]), rng.choice(["", "Hub"])) for n in range(size)))
    config = Config()
    result = pair(people, config, seed=seed)
    scorer = scorer_for(config.weights, config.rules)
    index = {p.id: p for p in people.people}
    row = {p.id: at for at, p in enumerate(people.people)}
    shown = []
    for group in result.groups:
        members = [index[i] for i in group.members]
        assert [row[i] for i in group.members] == sorted(row[i] for i in group.members)
        assert group.score == group_score(scorer, members)
        assert group.reasons == group_reasons(scorer, members)
        assert (group.joined is not None) == (len(members) == 3)
        # A group of three is shown at the level of its pair (the two who did not join it).
        level = next(m for m in members if m.id != group.joined).level
        shown.append((level.scale, -level.step, -group.score, group.members[0]))
    assert shown == sorted(shown)
    assert sum(map(len, (g.members for g in result.groups))) + len(result.unmatched) == size
    assert result.summary.total_score == sum(g.score for g in result.groups)

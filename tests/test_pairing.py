"""Why someone was left without a partner, in words that say what to change."""

from __future__ import annotations

from peermatch.matching.pairing import pair
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

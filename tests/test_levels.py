from __future__ import annotations

import pytest

from peermatch.errors import ConfigError, UnknownGrade
from peermatch.models import Level
from peermatch.roster.levels import BAND, CIVIL_SERVICE, CUSTOM, NUMBER, LevelScheme, parse_built_in


@pytest.mark.parametrize("written", ["Band 6", "band 6", "AfC 6", "6", " BAND  6 ", "Agenda for Change band 6",
                                     "AfC Band 6", "NHS AfC 6"])
def test_agenda_for_change_spellings_agree(written: str) -> None:
    assert parse_built_in(written) == Level(BAND, 6, "Band 6")


def test_band_8_subdivisions_sit_between_7_and_9() -> None:
    ladder = [parse_built_in(g) for g in ["Band 7", "Band 8a", "8B", "band 8c", "AfC 8d", "Band 9"]]
    assert [lv.step for lv in ladder] == [7, 8, 9, 10, 11, 12]
    assert ladder[0].gap(ladder[1]) == 1


@pytest.mark.parametrize(("written", "label", "step"), [
    ("AA", "AA", 1), ("AO", "AO", 2), ("EO", "EO", 3), ("HEO", "HEO", 4), ("seo", "SEO", 5),
    ("Grade 7", "G7", 6), ("G6", "G6", 7), ("SCS1", "SCS1", 8), ("SCS PB2", "SCS2", 9),
    ("scs 3", "SCS3", 10), ("Permanent Secretary", "SCS4", 11),
])
def test_civil_service_grades_in_order(written: str, label: str, step: int) -> None:
    assert parse_built_in(written) == Level(CIVIL_SERVICE, step, label)


def test_plain_numbers_beyond_bands_are_their_own_scale() -> None:
    assert parse_built_in("Grade 10") == Level(NUMBER, 10, "10")
    assert parse_built_in("Grade 10").gap(parse_built_in("Band 6")) is None


@pytest.mark.parametrize("written", ["Band 8", "Band 12", "Senior", "", "Manager"])
def test_unknown_or_ambiguous_grades_are_refused(written: str) -> None:
    with pytest.raises(UnknownGrade):
        parse_built_in(written)


def test_custom_ladder_orders_its_own_grades() -> None:
    scheme = LevelScheme(order=["Officer", "Senior Officer", "Manager"])
    assert scheme.resolve("senior officer") == Level(CUSTOM, 2, "Senior Officer")
    assert scheme.resolve("Manager").gap(scheme.resolve("Officer")) == 2
    assert scheme.resolve("Band 5") == Level(BAND, 5, "Band 5")  # built-ins still work


def test_a_councils_band_5_is_mapped_not_guessed() -> None:
    scheme = LevelScheme(mappings={"Northshire Council": {"Band 5": "Band 6", "Band 6": "Band 7"}})
    assert scheme.resolve("Band 5", "northshire  council") == Level(BAND, 6, "Band 6")
    assert scheme.resolve("Band 5", "NHS Trust") == Level(BAND, 5, "Band 5")
    with pytest.raises(UnknownGrade, match="not in the level mapping"):
        scheme.resolve("Band 9", "Northshire Council")


def test_a_scale_can_be_mapped_as_a_whole() -> None:
    scheme = LevelScheme(mappings={"civil-service": {"EO": "Band 5", "HEO": "Band 6"}})
    assert scheme.resolve("Higher Executive Officer") == Level(BAND, 6, "Band 6")
    with pytest.raises(UnknownGrade, match="civil-service"):
        scheme.resolve("SEO")


def test_mapping_to_an_unknown_level_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Principal"):
        LevelScheme(mappings={"Council": {"Grade 9": "Principal"}})


def test_a_ladder_listing_a_level_twice_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="twice"):
        LevelScheme(order=["Officer", "officer "])


def test_a_roster_graded_in_plain_numbers_gets_one_ladder() -> None:
    scheme = LevelScheme().for_roster(["5", "7", "9", "10", "12"])
    assert scheme.resolve("7").gap(scheme.resolve("10")) == 3
    assert scheme.resolve("Band 6").scale == BAND  # written as a band, still a band


def test_bare_numbers_that_are_all_bands_stay_bands() -> None:
    scheme = LevelScheme().for_roster(["5", "6", "Band 8a", "9"])
    assert scheme.resolve("6") == Level(BAND, 6, "Band 6")
    assert scheme.resolve("9").gap(scheme.resolve("Band 8a")) == 4

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    ("G7", "G7", 6), ("G6", "G6", 7), ("SCS1", "SCS1", 8), ("SCS PB2", "SCS2", 9),
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
    scheme = LevelScheme().for_roster([(grade, "") for grade in ["5", "7", "9", "10", "12"]])
    assert scheme.resolve("7").gap(scheme.resolve("10")) == 3
    assert scheme.resolve("Band 6").scale == BAND  # written as a band, still a band


def test_bare_numbers_that_are_all_bands_stay_bands() -> None:
    scheme = LevelScheme().for_roster([(grade, "") for grade in ["5", "6", "Band 8a", "9"]])
    assert scheme.resolve("6") == Level(BAND, 6, "Band 6")
    assert scheme.resolve("9").gap(scheme.resolve("Band 8a")) == 4


# ESR's spellings, and grades decided per organisation -----------------------------------------------------------


@pytest.mark.parametrize(("written", "band"), [
    ("Band 8 - Range A", "8a"), ("Band 8 - Range B", "8b"), ("Band 8 - Range C", "8c"), ("Band 8 - Range D", "8d"),
    ("band 8 range c", "8c"), ("Band 8a (Annex 21)", "8a"), ("Band 5 (Annex U)", "5"), ("AfC Band 5", "5"),
    ("Band 06", "6"), ("06", "6"), ("Band ６", "6"), ("８Ｃ", "8c"), ("AfC Band 8 - Range D", "8d"),
])
def test_esr_spellings_are_agenda_for_change_bands(written: str, band: str) -> None:
    assert parse_built_in(written) == Level(BAND, {"8a": 8, "8b": 9, "8c": 10, "8d": 11}.get(band) or int(band),
                                            f"Band {band}")


@pytest.mark.parametrize("written", ["Grade 6", "grade 7", "Grade 07", "GRADE  6"])
def test_grade_6_and_7_are_never_guessed_to_be_civil_service(written: str) -> None:
    with pytest.raises(UnknownGrade, match=r"could be a council's local grade or the civil service Grade [67]: map"):
        parse_built_in(written)
    assert parse_built_in(written, civil_service=True).scale == CIVIL_SERVICE


def test_grade_7_is_civil_service_only_beside_civil_service_grades() -> None:
    scheme = LevelScheme().for_roster([("HEO", "DWP"), ("SEO", "DWP"), ("Grade 7", "DWP"), ("Grade 6", "DWP"),
                                       ("Grade 6", "Northshire Council"), ("Grade 9", "Northshire Council"),
                                       ("Grade 7", "")])
    assert scheme.resolve("Grade 7", "DWP") == Level(CIVIL_SERVICE, 6, "G7")
    assert scheme.resolve("Grade 6", "dwp").gap(scheme.resolve("SEO", "DWP")) == 2
    for organisation in ("Northshire Council", ""):
        with pytest.raises(UnknownGrade, match="council's local grade"):
            scheme.resolve("Grade 6" if organisation else "Grade 7", organisation)


def test_bare_numbers_are_decided_per_organisation() -> None:
    """A bare "6" of the NHS and a council's "10" mapped to Band 6 are one level, whatever else the council uses."""
    scheme = LevelScheme(mappings={"Northshire Council": {"10": "Band 6", "11": "Band 7"}})
    roster = [("6", "Northshire NHS Trust"), ("7", "Northshire NHS Trust"), ("10", "Northshire Council"),
              ("11", "Northshire Council"), ("12", "Riverside Housing"), ("5", "Riverside Housing")]
    levels = scheme.for_roster(roster)
    assert levels.resolve("6", "Northshire NHS Trust") == levels.resolve("10", "Northshire Council") == Level(
        BAND, 6, "Band 6")
    assert levels.resolve("5", "Riverside Housing") == Level(NUMBER, 5, "5")  # graded 5 to 12: its own ladder


def test_a_map_with_a_scale_lists_only_the_grades_that_differ() -> None:
    scheme = LevelScheme(mappings={"Northshire GP Federation": {"Salaried GP": "Band 8a"}},
                         scales={"Northshire GP Federation": "afc"})
    levels = scheme.for_roster([("Salaried GP", "Northshire GP Federation"), ("6", "Northshire GP Federation")])
    assert levels.resolve("Salaried GP", "Northshire GP Federation") == Level(BAND, 8, "Band 8a")
    assert levels.resolve("Band 5", "Northshire GP Federation") == Level(BAND, 5, "Band 5")
    assert levels.resolve("6", "Northshire GP Federation") == Level(BAND, 6, "Band 6")
    with pytest.raises(UnknownGrade, match=r'not listed in \[levels.map."Northshire GP Federation"\], nor a grade'):
        levels.resolve("HEO", "Northshire GP Federation")
    without_scale = LevelScheme(mappings={"Northshire GP Federation": {"Salaried GP": "Band 8a"}})
    with pytest.raises(UnknownGrade, match='add scale = "afc" there'):
        without_scale.resolve("Band 5", "Northshire GP Federation")
    with pytest.raises(ConfigError, match="scale must be one of"):
        LevelScheme(mappings={"X": {}}, scales={"X": "nhs"})


def test_placeholder_grades_say_where_their_level_is() -> None:
    with pytest.raises(UnknownGrade, match=r'says nothing about a level: take it from another column with '
                                           r'\[levels.placeholder."Review Body Band"\]'):
        parse_built_in("Review Body Band")
    scheme = LevelScheme(placeholders={"Review Body Band": ("Job Role", {"Consultant": "Band 8c"})})
    placeholder = scheme.placeholder("review  body band")
    assert placeholder is not None and placeholder.column == "Job Role"
    assert placeholder.levels == {"consultant": Level(BAND, 10, "Band 8c")}
    assert scheme.placeholder("Band 5") is None


ORGANISATION_GRADES = st.lists(st.sampled_from(["5", "6", "7", "9", "10", "12", "Band 6", "HEO", "SEO", "Grade 7",
                                                "Grade 6", "G7", "EO", "Grade 10", "06", "Band 8 - Range B"]),
                               min_size=1, max_size=6)


@settings(max_examples=150)
@given(own=ORGANISATION_GRADES, others=st.lists(st.tuples(st.sampled_from(["Council", "Trust", ""]),
                                                          ORGANISATION_GRADES), max_size=3))
def test_an_organisations_levels_never_depend_on_other_organisations(own: list[str],
                                                                     others: list[tuple[str, list[str]]]) -> None:
    """Whatever other employers write, DWP's grades read the same: decided per organisation, never across."""
    def read(scheme: LevelScheme, grade: str) -> Level | str:
        try:
            return scheme.resolve(grade, "DWP")
        except UnknownGrade as error:
            return str(error)

    alone = LevelScheme().for_roster([(grade, "DWP") for grade in own])
    together = LevelScheme().for_roster([(grade, "DWP") for grade in own] + [
        (grade, organisation) for organisation, grades in others for grade in grades])
    assert [read(alone, grade) for grade in own] == [read(together, grade) for grade in own]

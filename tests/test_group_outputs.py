"""Groups of four to six through every output: CSV, JSON, calendar, invitations, introductions, history, report.

The results are built by hand (a table of five and a table of six at one level, a group of four at another), so
these tests say what every writer does with a group of any size, whichever solver formed it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import tempfile
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from peermatch.cli import render
from peermatch.history.recording import record_pair_result, record_schedule
from peermatch.history.store import History
from peermatch.matching.pairing import GroupWords, group_reasons, group_score
from peermatch.matching.scoring import Scorer
from peermatch.models import Group, PairResult, Person, Round, Schedule, ScheduledGroup, Summary, group_uid
from peermatch.outputs.export import pair_result_dict, pair_result_json, pairs_csv
from peermatch.outputs.ics import invitation_files, schedule_ics
from peermatch.outputs.messages import DEFAULT_GROUP_INTRO_TEMPLATE, DEFAULT_INTRO_TEMPLATE, eml_files, intros_csv
from peermatch.outputs.report import coverage
from peermatch.outputs.schedule_tables import schedule_groups_csv, schedule_json, schedule_people_csv
from tests.factories import person, roster_of
from tests.golden import Golden
from tests.test_ics import ORGANISER

PROFESSIONS = ("Nurse", "Social Worker", "GP", "Work Coach", "Housing Officer", "Paramedic")
ORGANISATIONS = ("Northshire NHS", "Northshire Council", "Hillside Practice", "DWP", "Riverside Homes",
                 "Ambulance Trust")


def people() -> list[Person]:
    """Eleven at Band 6 (one with a formula for a name, one without an email, two paramedics of one trust), four
    at Band 7 of one organisation and site."""
    band6 = [person(f"B6{k:02d}", "Band 6", PROFESSIONS[k % 6], ORGANISATIONS[k % 6], "Riverside" if k < 3 else "",
                    f"Person {k}", f"p{k}@six.example", row=k + 2) for k in range(11)]
    band6[3] = person("B603", "Band 6", "Work Coach", "DWP", "", '=HYPERLINK("http://x")', "p3@six.example", row=5)
    band6[7] = person("B607", "Band 6", "Social Worker", "Northshire Council", "", "Siân O’Brien", "", row=9)
    band6[10] = person("B610", "Band 6", "Paramedic", "Ambulance Trust", "", "Person 10", "p10@six.example", row=12)
    band7 = [person(f"B7{k:02d}", "Band 7", PROFESSIONS[k], "Northshire NHS", "Civic", f"Senior {k}",
                    f"s{k}@seven.example", row=k + 13) for k in range(4)]
    return band6 + band7


TABLES = (("B600", "B601", "B602", "B603", "B604"),
          ("B605", "B606", "B607", "B608", "B609", "B610"),
          ("B700", "B701", "B702", "B703"))


def group_of(members: tuple[str, ...], everyone: dict[str, Person]) -> Group:
    chosen = [everyone[m] for m in members]
    return Group(members, group_score(Scorer(), chosen), group_reasons(Scorer(), chosen),
                 joined=members[-1] if len(members) == 6 else None)


def groups_result() -> PairResult:
    roster = roster_of(*people())
    everyone = {p.id: p for p in roster.people}
    groups = [group_of(members, everyone) for members in TABLES]
    summary = Summary(people=15, groups=3, pairs_same_level=31, pairs_cross_profession=30,
                      pairs_cross_organisation=24, ideal_pairs=24, ideal_pairs_possible=24, unmatched=0, left_out=0,
                      total_score=sum(g.score for g in groups), pair_score=sum(g.score for g in groups),
                      score_bound=None, solver="groups", seed=5, group_size=5)
    return PairResult(roster=roster, groups=groups, unmatched=[], summary=summary)


def groups_schedule() -> Schedule:
    """A cross-sector morning: the three tables, then smaller ones twenty minutes later, nobody meeting twice.

    Nobody can meet new people at three tables of five after the first rotation (five of them sat at one table),
    so the second has five small tables, and B610 sits it out.
    """
    roster = roster_of(*people())
    everyone = {p.id: p for p in roster.people}
    second = (("B600", "B605", "B700"), ("B601", "B606", "B701"), ("B602", "B607", "B702"), ("B603", "B608", "B703"),
              ("B604", "B609"))

    def scheduled(label: str, tables: tuple[tuple[str, ...], ...]) -> list[ScheduledGroup]:
        return [ScheduledGroup(members, (g := group_of(members, everyone)).score, g.reasons, table,
                               group_uid(label, members), joined=g.joined)
                for table, members in enumerate(tables, start=1)]

    rounds = [
        Round(1, "2027-03-04T10:00", datetime(2027, 3, 4, 10, 0), scheduled("2027-03-04T10:00", TABLES), [],
              "Each of you, walk the others through a typical working week."),
        Round(2, "2027-03-04T10:20", datetime(2027, 3, 4, 10, 20), scheduled("2027-03-04T10:20", second), ["B610"],
              "What do you wish the other professions at the table knew?"),
    ]
    return Schedule(roster=roster, rounds=rounds, duration_minutes=20, location="Civic Centre",
                    summary={"people": 15, "rounds": 2, "interval": "every 20 minutes", "conversations": 8,
                             "group_size": 5, "ideal_pairs": 45, "ideal_pairs_possible": 48,
                             "ideal_pairs_per_round_possible": 24,
                             "unmatched": 0, "professions_met": {4: 15}, "seed": 5})


def rows_of(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_groups_csv_matches_golden_copy_with_one_block_per_member(golden: Golden) -> None:
    data = pairs_csv(groups_result())
    golden.check("groups.csv", data)
    rows = rows_of(data)
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[-6:] == [f"member_6_{name}" for name in ("id", "name", "email", "organisation", "profession",
                                                            "level")]
    assert len(header) == 4 + 6 * 6  # sized to the largest group
    assert [row["size"] for row in rows] == ["5", "6", "4"]
    assert [row["member_6_id"] for row in rows] == ["", "B610", ""]
    assert rows[0]["member_4_name"] == "'=HYPERLINK(\"http://x\")"  # shown, never run


def test_groups_json_matches_golden_copy_and_lists_every_member(golden: Golden) -> None:
    result = groups_result()
    text = pair_result_json(result)
    golden.check("groups.json", text.encode())
    assert text == json.dumps(pair_result_dict(result), ensure_ascii=False) + "\n"
    data = json.loads(text)
    assert [len(g["members"]) for g in data["groups"]] == [5, 6, 4]
    assert data["summary"]["group_size"] == 5
    assert data["groups"][1]["reasons"][0] == "group of six"


def test_a_pairing_json_has_no_group_size() -> None:
    # Pairs read exactly as before groups existed.
    result = groups_result()
    result.summary = Summary(**{**vars(result.summary), "group_size": 2})
    assert "group_size" not in json.loads(pair_result_json(result))["summary"]


def test_reasons_for_a_large_group_sum_it_up() -> None:
    everyone = {p.id: p for p in people()}
    assert group_of(TABLES[0], everyone).reasons == (
        "group of five", "same level (Band 6)", "GP × Housing Officer × Nurse × Social Worker × Work Coach",
        "10 of 10 pairs across professions", "different organisations")
    # B605 and B610 are both paramedics of the Ambulance Trust.
    assert group_of(TABLES[1], everyone).reasons == (
        "group of six", "same level (Band 6)", "GP × Nurse × Paramedic × Paramedic × Social Worker × Work Coach",
        "14 of 15 pairs across professions", "5 organisations")
    assert group_of(TABLES[2], everyone).reasons[-2:] == ("same organisation", "same site (Civic)")
    assert group_of(("B600", "B700", "B701", "B702"), everyone).reasons[1] == "levels Band 6 · Band 7"


def test_a_large_group_is_described_alike_whatever_the_order_of_its_members() -> None:
    everyone = {p.id: p for p in people()}
    members = [everyone[m] for m in TABLES[1]]
    words = GroupWords(Scorer(), members)
    assert words([0, 1, 2, 3, 4, 5]) == words([5, 3, 1, 4, 2, 0]) == (group_score(Scorer(), members),
                                                                        group_reasons(Scorer(), members[::-1]))


def test_a_group_score_counts_every_pairing() -> None:
    everyone = {p.id: p for p in people()}
    scorer = Scorer()
    chosen = [everyone[m] for m in TABLES[1]]
    assert group_score(scorer, chosen) == sum(scorer.score(a, b) for k, a in enumerate(chosen) for b in chosen[k + 1:])
    assert len([(a, b) for k, a in enumerate(chosen) for b in chosen[k + 1:]]) == 15


def test_mail_merge_csv_lists_the_other_members_as_partners(golden: Golden) -> None:
    data = schedule_people_csv(groups_schedule())
    golden.check("groups_people.csv", data)
    rows = rows_of(data)
    assert len(rows) == 2 * 15
    first = next(row for row in rows if row["id"] == "B600" and row["round"] == "1")
    assert first["partner_names"] == 'Person 1; Person 2; =HYPERLINK("http://x"); Person 4'  # not at the start
    fourth = next(row for row in rows if row["id"] == "B608" and row["round"] == "2")
    assert fourth["partner_names"] == "'=HYPERLINK(\"http://x\"); Senior 3"  # at the start: neutralised
    assert first["partner_professions"] == "Social Worker; GP; Work Coach; Housing Officer"
    assert first["table"] == "1"
    sian = next(row for row in rows if row["id"] == "B606" and row["round"] == "1")
    assert sian["partner_emails"].count("@") == 4  # Siân has no email: four of her five partners have one


def test_groups_csv_of_a_schedule_has_a_block_per_member() -> None:
    rows = rows_of(schedule_groups_csv(groups_schedule()))
    assert [row["table"] for row in rows] == ["1", "2", "3", "1", "2", "3", "4", "5"]
    assert [sum(bool(row[f"member_{k}_id"]) for k in range(1, 7)) for row in rows] == [5, 6, 4, 3, 3, 3, 3, 2]


def test_calendar_has_every_member_of_a_table_as_attendee(golden: Golden) -> None:
    schedule = groups_schedule()
    data = schedule_ics(schedule, organiser=ORGANISER)
    golden.check("groups.ics", data)
    events = Calendar.from_ical(data).walk("VEVENT")
    assert len(events) == 8
    six = events[1]
    attendees = six.get("ATTENDEE")
    assert len(attendees) == 5  # six members, one without an email
    assert str(six["LOCATION"]) == "Civic Centre, table 2"
    assert str(six["SUMMARY"]).count(" × ") == 5
    description = str(six["DESCRIPTION"])
    assert description.count("\n- ") == 6 and "Siân O’Brien" in description


def test_invitations_go_to_every_member() -> None:
    files = invitation_files(groups_schedule(), ORGANISER)
    assert len(files) == 8
    event = Calendar.from_ical(files["round-01-group-001.ics"]).walk("VEVENT")[0]
    assert len(event.get("ATTENDEE")) == 5


def test_introduction_to_a_table_of_six_matches_golden_copy(golden: Golden) -> None:
    files = eml_files(groups_schedule(), DEFAULT_GROUP_INTRO_TEMPLATE, sender=ORGANISER,
                      coordinator="Pat Coordinator")
    data = files["round-01-group-002.eml"]
    golden.check("groups_intro.eml", data)
    message = message_from_bytes(data, policy=policy.default)
    assert len(message["To"].addresses) == 5
    body = message.get_content()
    assert "You have been grouped" in body and "colleagues at the same level from different professions" in body
    assert body.count("\n- ") == 6 and "Table 2" in body
    assert "Hello Person 5, Person 6, Siân O’Brien, Person 8, Person 9 and Person 10," in body


def test_the_group_introduction_differs_from_the_pair_one_only_in_its_opening() -> None:
    assert "paired" in DEFAULT_INTRO_TEMPLATE and "paired" not in DEFAULT_GROUP_INTRO_TEMPLATE
    assert DEFAULT_INTRO_TEMPLATE.split("Who is in the conversation:")[1] == \
        DEFAULT_GROUP_INTRO_TEMPLATE.split("Who is in the conversation:")[1]


def test_intros_csv_has_one_row_per_table() -> None:
    rows = rows_of(intros_csv(groups_schedule(), DEFAULT_GROUP_INTRO_TEMPLATE, "Pat Coordinator"))
    assert len(rows) == 8
    assert rows[1]["to"].count("@") == 5


def test_schedule_json_lists_every_member() -> None:
    data = json.loads(schedule_json(groups_schedule()))
    assert [[len(g["members"]) for g in r["groups"]] for r in data["rounds"]] == [[5, 6, 4], [3, 3, 3, 3, 2]]
    assert [g["table"] for g in data["rounds"][1]["groups"]] == [1, 2, 3, 4, 5]
    assert data["rounds"][1]["unmatched"] == ["B610"]


def test_history_counts_every_pair_inside_a_group_as_met(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite", write=True) as store:
        record_schedule(store, groups_schedule())
        record_pair_result(store, "pair-2027-04-01", groups_result())
        store.commit()
    with History.open(tmp_path / "h.sqlite", write=False) as store:
        met = store.met_pairs()
        rows = store.export_rows()
        shown = store.show("2027-03-04T10:00")
    assert frozenset(("B605", "B610")) in met and frozenset(("B600", "B604")) in met
    assert frozenset(("B600", "B700")) in met  # round 2, table 1
    assert frozenset(("B600", "B701")) not in met and frozenset(("B610", "B700")) not in met
    # Round 1: 10 + 15 + 6 pairs; round 2 meets 4 × 3 + 1 new pairs; the pairing repeats round 1.
    assert len(met) == 31 + 13
    assert [g["members"] for g in shown][1] == list(TABLES[1])
    assert shown[1]["odd_one"] == "B610"
    assert {row["odd"] for row in rows if row["person_id"] == "B610" and row["round"] == "2027-03-04T10:00"} == {
        "extra"}


def test_an_exported_history_of_groups_imports_back(tmp_path: Path) -> None:
    with History.open(tmp_path / "a.sqlite", write=True) as store:
        record_schedule(store, groups_schedule())
        store.commit()
        rows = store.export_rows()
    text = [{key: "" if value is None else str(value) for key, value in row.items()} for row in rows]
    with History.open(tmp_path / "b.sqlite", write=True) as store:
        assert store.import_rows(text) == 2
        store.commit()
        assert store.export_rows() == rows


def test_report_counts_the_pairs_within_groups(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite", write=True) as store:
        record_schedule(store, groups_schedule())
        store.commit()
    with History.open(tmp_path / "h.sqlite", write=False) as store:
        report = coverage(store, as_of=datetime(2027, 3, 5))
    # Round 1: 10 + 15 + 6 pairings; round 2: four tables of three and one pair.
    assert report.pairings == 31 + 13
    assert report.conversations == 8 and report.people_reached == 15
    index = {profession: k for k, profession in enumerate(report.professions)}
    # Table 2 of round 1 sits two paramedics together; round 2 none.
    assert report.matrix[index["paramedic"]][index["paramedic"]] == 1


def test_the_terminal_summary_counts_groups_by_size_and_pairs_within_them() -> None:
    out = render.console(io.StringIO())
    out.width = 200
    render.render_pair(out, groups_result())
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "1 group of four, 1 of five, 1 of six" in text
    assert "31 of 31 pairs of people within groups" in text
    assert "24 of 24 possible (pairs within a group at the same level, in different professions)" in text
    assert "(every pair of members within a group)" in text and "proven" not in text


def test_group_sizes_read_most_common_first() -> None:
    assert render.group_sizes_text([5, 5, 6, 5]) == "3 groups of five, 1 of six"
    assert render.group_sizes_text([4]) == "1 group of four"


def test_the_schedule_summary_counts_tables_by_size() -> None:
    out = render.console(io.StringIO())
    out.width = 200
    render.render_schedule(out, groups_schedule())
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "8 (4 groups of three, 1 of two, 1 of four, 1 of five, 1 of six)" in text
    assert "No partner this round: Person 10 (B610)" in text
    assert "45 of 48 possible (pairs within a group" in text
    assert "Table" in text


def test_history_show_marks_who_joined_a_larger_group(tmp_path: Path) -> None:
    from peermatch.cli.render_history import render_round

    with History.open(tmp_path / "h.sqlite", write=True) as store:
        record_schedule(store, groups_schedule())
        store.commit()
        info, groups = store.round_info("2027-03-04T10:00"), store.show("2027-03-04T10:00")
    out = render.console(io.StringIO())
    out.width = 200
    render_round(out, info, groups, [])
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "B610 (joined the group)" in text and "joined as third" not in text


@settings(max_examples=25)
@given(st.lists(st.integers(min_value=2, max_value=8), min_size=1, max_size=6), st.integers(0, 7))
def test_any_sizes_of_group_round_trip_through_the_csv_and_the_history(sizes: list[int], unmatched: int) -> None:
    count = sum(sizes) + unmatched
    roster = roster_of(*(person(f"P{k:02d}", "Band 6", PROFESSIONS[k % 6], ORGANISATIONS[k % 5], "", f"N{k}",
                                f"n{k}@x.example", row=k + 2) for k in range(count)))
    everyone = {p.id: p for p in roster.people}
    ids = list(everyone)
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    groups = [group_of(tuple(ids[start:start + size]), everyone) for start, size in zip(starts, sizes, strict=True)]
    result = PairResult(roster=roster, groups=groups, unmatched=ids[sum(sizes):], summary=Summary(
        people=count, groups=len(groups), pairs_same_level=0, pairs_cross_profession=0, pairs_cross_organisation=0,
        ideal_pairs=0, ideal_pairs_possible=0, unmatched=unmatched, left_out=0, total_score=0, pair_score=0,
        score_bound=None, solver="groups", seed=0, group_size=min(sizes)))
    rows = rows_of(pairs_csv(result))
    width = max(sizes)
    assert list(rows[0])[-1] == f"member_{width}_level" and len(rows) == len(groups) + unmatched
    for row, group in zip(rows, groups, strict=False):
        assert tuple(row[f"member_{k}_id"] for k in range(1, int(row["size"]) + 1)) == group.members
        assert all(row[f"member_{k}_id"] == "" for k in range(int(row["size"]) + 1, width + 1))
    with tempfile.TemporaryDirectory() as folder, History.open(Path(folder) / "h.sqlite", write=True) as store:
        record_pair_result(store, "round", result)
        store.commit()
        met = store.met_pairs()
    assert met == {frozenset(pair) for g in groups for pair in itertools.combinations(g.members, 2)}

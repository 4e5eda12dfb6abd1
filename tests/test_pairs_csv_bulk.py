"""The pairs CSV and JSON made a chunk of rows at a time, with cells escaped and quoted in bulk: the same bytes the
csv module and json.dumps write, whatever the values hold."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.models import Group, Level, PairResult, Person, Summary
from peermatch.outputs import export
from peermatch.outputs.export import pair_result_dict, pair_result_json, pairs_csv
from tests.factories import roster_of
from tests.test_export import _pairs_csv_by_the_csv_module

# What makes a cell need escaping or quoting, braces, characters outside Latin-1 (two- and three-byte UTF-8), and
# the two control characters the writer uses as stand-ins for commas and line breaks while it checks a chunk.
_VALUE = st.text(st.sampled_from(list('aZé·ńア ,"\'\n\r\t=+-@{}|\\\x1f\x1e')), max_size=6)
_SUMMARY = Summary(people=0, groups=0, pairs_same_level=0, pairs_cross_profession=0, pairs_cross_organisation=0,
                   ideal_pairs=0, ideal_pairs_possible=0, unmatched=0, left_out=0, total_score=0, pair_score=0,
                   score_bound=None, solver="fast", seed=1)


def _someone(number: int, values: tuple[str, ...]) -> Person:
    pid, name, email, organisation, profession, level = values
    return Person(id=f"{pid}#{number}", name=name, email=email, grade="g", level=Level("scale", 1, level),
                  profession=profession, organisation=organisation, site="", row=number + 2,
                  profession_key=profession, organisation_key=organisation, site_key="")


def _result(people: list[Person], sizes: list[int], scores: list[int], reasons: list[str]) -> PairResult:
    """People in groups of ``sizes`` in turn while enough are left; the rest unmatched."""
    groups, taken = [], 0
    for size, score, why in zip(itertools.cycle(sizes), itertools.cycle(scores), itertools.cycle(reasons)):
        if taken + size > len(people):
            break
        groups.append(Group(tuple(p.id for p in people[taken:taken + size]), score, (why, "same level")))
        taken += size
    alone = [p.id for p in people[taken:]]
    return PairResult(roster=roster_of(*people), groups=groups, unmatched=alone, summary=_SUMMARY,
                      unmatched_reasons={pid: reasons[k % len(reasons)] for k, pid in enumerate(alone)})


@settings(max_examples=100)
@given(st.lists(st.tuples(*[_VALUE] * 6), min_size=4, max_size=16), st.lists(st.integers(2, 4), min_size=1),
       st.lists(st.integers(-30, 300), min_size=1, max_size=3), st.lists(_VALUE, min_size=1, max_size=3),
       st.integers(1, 5))
def test_any_values_are_written_as_the_csv_module_writes_them(
        values: list[tuple[str, ...]], sizes: list[int], scores: list[int], reasons: list[str], chunk: int) -> None:
    result = _result([_someone(k, v) for k, v in enumerate(values)], sizes, scores, reasons)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export, "_GROUPS_AT_ONCE", chunk)
        assert pairs_csv(result) == _pairs_csv_by_the_csv_module(result)
        assert pair_result_json(result) == json.dumps(pair_result_dict(result), ensure_ascii=False) + "\n"


def _messy_thousands() -> PairResult:
    """3,002 people in 1,500 groups and one unmatched: most plain, some with a name as "Surname, Forename", a
    formula, a quote or a line break."""
    awkward = ("Patel, Grace", '=HYPERLINK("http://x")', 'Jo "JJ" Smith', "Zoë\nAdeyemi", "-2+3", "@SUM(1)")
    people = [_someone(k, (f"{k:05d}", awkward[k % 6] if k % 7 == 0 else f"Person {k}", f"p{k}@x.example",
                           "Northshire NHS", ("Nurse", "GP", "Work Coach")[k % 3], f"Band {k % 4 + 5}"))
              for k in range(3_002)]
    return _result(people, [2] * 700 + [3] + [2] * 799, [180, 150], ["same site (Leeds, Quarry House)", "x"])


def test_a_roster_of_thousands_in_many_chunks_is_written_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _messy_thousands()
    expected = _pairs_csv_by_the_csv_module(result)
    whole = pairs_csv(result)
    monkeypatch.setattr(export, "_GROUPS_AT_ONCE", 300)
    assert len(list(export.pairs_csv_parts(result))) == 1 + 6  # the header, then five chunks of groups and one of
    assert pairs_csv(result) == whole == expected  # the unmatched person


def test_a_value_holding_a_stand_in_is_written_cell_by_cell(tmp_path: Path) -> None:
    people = [_someone(k, (f"{k}", f"Name {k}", "", "Org, Ltd", "=GP", "Band 6")) for k in range(6)]
    people[3].name = "Unit\x1fseparator"  # reading strips it; a result made in code may hold it
    result = _result(people, [2], [10], ["r"])
    data = pairs_csv(result)
    assert data == _pairs_csv_by_the_csv_module(result)
    assert b"Unit\x1fseparator" in data and b'"Org, Ltd"' in data and b"'=GP" in data

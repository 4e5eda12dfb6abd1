"""A roster of a million people is read a column at a time: each bulk path gives what its per-cell definition gives.

Every definition is written out here as it reads cell by cell (an address character by character, a column value
by value), and the reader's faster path is held to it over messy text: accents, every kind of white space, line
breaks, separators, controls and bidirectional marks, in chunks small enough that values straddle them.
"""

from __future__ import annotations

import codecs
import gc
import itertools
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.errors import RosterError
from peermatch.roster import cells, normalising
from peermatch.roster.levels import LevelScheme
from peermatch.roster.normalising import commonest_spellings, each_unique
from peermatch.roster.reading import load_roster
from peermatch.text import _CONTROL, _LINE_BREAK, _SPACE, BIDI_CONTROLS, address_problem, fold, has_unsafe, tidy

# Letters and marks of one to four bytes, every white space Python splits on, separators, controls and bidi marks.
_MESSY = ("aZé\u0301ßẞİśﬁ😀@.-_+'!,;:<>\"\x00\x01\x1b\x7f\x85\x9b\u061c\u200e\u202e\u2066"
          "\t\n\x0b\x0c\r\x1c\x1f \xa0\u1680\u2000\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_MESSY_TEXT = st.text(st.sampled_from(_MESSY), max_size=10)
_CELLS = st.text(st.sampled_from(_MESSY.replace("\x00", "")), max_size=8)


def _address_problem_by_character(address: str) -> str | None:
    """address_problem written plainly: a look at every character for each kind of problem, then the two halves of
    the address checked letter by letter rather than by a pattern."""
    if any(c in "\r\n" or unicodedata.category(c) in ("Zl", "Zp") for c in address):
        return "contains a line break"
    if any(c.isspace() for c in address):
        return "contains a space"
    for character, name in ((",", "a comma"), (";", "a semicolon"), ("<", "an angle bracket"),
                            (">", "an angle bracket"), ('"', "a quotation mark"), (":", "a colon")):
        if character in address:
            return f"contains {name}"
    if any(unicodedata.category(c) == "Cc" for c in address):
        return "contains a control character"
    if not address.isascii():
        return "contains a character outside plain ASCII"
    if address.count("@") != 1:
        return "does not contain exactly one @"
    local, domain = address.split("@")
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    if not local or set(local) - allowed - set(".!#$%&'*+/=?^_`{|}~-") or not domain or set(domain) - allowed - {
            ".", "-"} or not domain[0].isalnum() or not domain[-1].isalnum():
        return "is not a plain name@domain address"
    return None


def test_the_searches_for_a_line_break_a_space_and_a_control_match_unicodedata() -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    category = dict(zip(every, map(unicodedata.category, every), strict=True))
    assert set(_LINE_BREAK.findall(every)) == {c for c in every if c in "\r\n" or category[c] in ("Zl", "Zp")}
    assert set(_SPACE.findall(every)) == set(filter(str.isspace, every))
    assert set(_CONTROL.findall(every)) == {c for c in every if category[c] == "Cc"}


def _spoilt(address: str, insertions: list[tuple[int, str]]) -> str:
    for at, character in insertions:
        address = address[:at] + character + address[at:]
    return address


# Addresses as rosters hold them: mostly plain, some with an accent, a space, a separator or a control put in.
_ADDRESSES = st.builds(_spoilt, st.one_of(st.emails().map(str), st.from_regex(r"[a-z.+é]{1,4}@[a-z0-9.-]{0,4}",
                                                                               fullmatch=True)),
                       st.lists(st.tuples(st.integers(0, 30), st.sampled_from(_MESSY)), max_size=2))


@settings(max_examples=200)
@given(st.one_of(_MESSY_TEXT, _ADDRESSES))
def test_an_address_has_the_problem_a_look_at_every_character_finds(address: str) -> None:
    assert address_problem(address) == _address_problem_by_character(address)


def test_an_address_with_any_one_or_two_messy_characters_put_in_has_the_same_problem() -> None:
    for first, second in itertools.product(_MESSY, repeat=2):
        for address in (f"ann{first}lee@nhs.example", f"ann{first}@nhs{second}.example", f"{first}{second}@x.y"):
            assert address_problem(address) == _address_problem_by_character(address), repr(address)


@settings(max_examples=150)
@given(st.lists(st.one_of(_CELLS, st.sampled_from(["Nurse", " nurse", "NURSE  ", "Ann  Lee", "zoë"])),
                max_size=40),
       st.integers(1, 7))
def test_a_column_normalised_in_chunks_equals_one_cell_at_a_time(values: list[str], chunk: int) -> None:
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(normalising, "_NORMALISED_AT_ONCE", chunk)
        for normalise in (tidy, fold):
            normalised = each_unique(values, normalise)
            assert normalised == [normalise(value) for value in values]
            if normalised == values:  # unchanged: the column itself, not a copy of it
                assert normalised is values


def test_a_column_of_distinct_values_and_one_of_repeats_both_normalise_by_cell() -> None:
    distinct = [f" Staff  {n}" for n in range(300)]
    repeated = ["Work Coach", "work  coach", "Nurse"] * 100
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(normalising, "_NORMALISED_AT_ONCE", 64)
        assert each_unique(distinct, fold) == [f"staff {n}" for n in range(300)]
        assert each_unique(repeated, tidy) == ["Work Coach", "work coach", "Nurse"] * 100


def _spellings_pair_by_pair(shown: list[str], keys: list[str]) -> dict[str, str]:
    """Each key's most used spelling as first written: every (key, spelling) pair counted."""
    groups: dict[str, list[str]] = defaultdict(list)
    for (key, spelling), count in Counter(zip(keys, shown, strict=True)).items():
        groups[key] += [spelling] * count
    best = {}
    for key, group in groups.items():
        counts = Counter(group)
        best[key] = next(s for s in counts if counts[s] == max(counts.values()))
    return best


@given(st.lists(st.sampled_from(["Nurse", "nurse", "NURSE", "Social Worker", "social worker", "GP", "gp", ""]),
                max_size=40))
def test_each_cell_shows_the_spelling_most_people_used(shown: list[str]) -> None:
    keys = [fold(s) for s in shown]
    best = _spellings_pair_by_pair(shown, keys)
    spelled = commonest_spellings(shown, fold)
    assert [spelled[s] for s in shown] == [best[k] for k in keys]


def _plain_utf8_whole(raw: bytes) -> bool:
    """What _plain_utf8 decides, decoding the file whole."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\xd0\xcf\x11\xe0")):
        return False
    try:
        text = raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text and not has_unsafe(text) and bool(text.strip())


@settings(max_examples=200)
@given(st.lists(st.one_of(_MESSY_TEXT.map(lambda t: t.encode("utf-8")),
                          st.binary(max_size=3), st.sampled_from([b"\xc2", b"\xe2\x80", b"\xef\xbb\xbf"])),
                max_size=12),
       st.integers(4, 9))
def test_a_file_is_plain_utf8_when_decoding_it_whole_says_so(pieces: list[bytes], chunk: int) -> None:
    raw = b"".join(pieces)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(cells, "_CHECKED_AT_ONCE", chunk)  # letters of two to four bytes straddle the pieces
        start, encoding = cells._plain_utf8(raw)
    assert bool(encoding) == _plain_utf8_whole(raw)
    if encoding:
        assert raw[:start] == codecs.BOM_UTF8 * (start // 3) and not raw[start:].startswith(codecs.BOM_UTF8)


@pytest.mark.parametrize("chunk", [4, 5, 7])
def test_every_character_strip_unsafe_removes_is_found_wherever_the_pieces_end(chunk: int) -> None:
    unsafe = [*map(chr, [*range(0x09), 0x0b, 0x0c, *range(0x0e, 0x20), *range(0x7f, 0xa0)]), *BIDI_CONTROLS]
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(cells, "_CHECKED_AT_ONCE", chunk)
        for character in unsafe:
            for before in range(chunk + 1):
                raw = ("x" * before + character + "yz").encode("utf-8")
                assert cells._plain_utf8(raw) == (0, ""), (repr(character), before)
        # Letters whose first byte is also the first byte of a control or bidi mark are no reason to refuse.
        for letter in "’€…\u00a0£\u061f":
            assert cells._plain_utf8(f"Ann{letter}Lee".encode()) == (0, "utf-8")


@pytest.mark.parametrize("was_enabled", [True, False])
def test_reading_leaves_the_cycle_collector_as_it_found_it(tmp_path: Path, was_enabled: bool) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("ID,Grade,Profession\n1,Band 5,Nurse\n2,Band 5,GP\n", encoding="utf-8")
    enabled = gc.isenabled()
    try:
        gc.enable() if was_enabled else gc.disable()
        assert len(load_roster(path).people) == 2
        assert gc.isenabled() == was_enabled
    finally:
        gc.enable() if enabled else gc.disable()


def test_an_unknown_grade_names_the_organisation_as_its_first_row_writes_it(tmp_path: Path) -> None:
    # Each (grade, organisation) is resolved once for all its rows: from the first of them, as row by row did.
    path = tmp_path / "roster.csv"
    path.write_text("ID,Grade,Profession,Organisation\n1,Band 5,Nurse,NORTH trust\n2,Band 9,GP,north  Trust\n"
                    "3,Band 9,Nurse,North Trust\n4,,GP,North Trust\n", encoding="utf-8")
    levels = LevelScheme(mappings={"North Trust": {"Band 5": "Band 5"}})
    with pytest.raises(RosterError, match=r"the level is blank in row 5 \(and 1 more problem\)$"):
        load_roster(path, levels=levels)
    roster = load_roster(path, levels=levels, skip_invalid=True)
    assert [person.id for person in roster.people] == ["1"]
    assert [(left.row, left.reason) for left in roster.left_out] == [
        (3, "unknown grade (column 'Grade'): grade 'Band 9' is not in the level mapping for organisation 'north "
            "Trust': add it to [levels.map.\"North Trust\"] in the config (or add scale = \"afc\" there if its other "
            "grades are Agenda for Change bands)"),
        (4, "unknown grade (column 'Grade'): grade 'Band 9' is not in the level mapping for organisation 'north "
            "Trust': add it to [levels.map.\"North Trust\"] in the config (or add scale = \"afc\" there if its other "
            "grades are Agenda for Change bands)"),
        (5, "the level is blank (column 'Grade')")]

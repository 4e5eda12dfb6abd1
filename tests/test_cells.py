"""Splitting a file into cells: the usual UTF-8 file is read from its own bytes, and gives what decoding it whole
gives (the path every other file takes)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.errors import RosterUnreadable
from peermatch.roster import cells
from peermatch.roster.cells import read_cells

# Multi-byte letters (two, three and four bytes), separators, quotes and line breaks.
_CELL = st.text(st.sampled_from(list("aZ9 ,;\"'éśﬁ€😀\u00a0")), max_size=6)
_LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(2, 4))
    rows = draw(st.lists(st.lists(_CELL, min_size=width, max_size=width), min_size=1, max_size=6))
    newline = draw(_LINE_BREAKS)
    lines = [",".join(f'"{c.replace(chr(34), 2 * chr(34))}"' if set(c) & set(',";') else c for c in row)
             for row in [[f"Heading {k}" for k in range(width)], *rows]]
    leading = draw(st.lists(st.sampled_from(["", " ", "\t "]), max_size=3))
    text = "".join(blank + newline for blank in leading) + newline.join(lines) + draw(st.sampled_from(["", newline]))
    return codecs.BOM_UTF8 * draw(st.integers(0, 2)) + text.encode("utf-8")


def _both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[cells.Cells, cells.Cells]:
    own_bytes = read_cells(path)
    with monkeypatch.context() as patched:
        patched.setattr(cells, "_plain_utf8", lambda raw: (0, ""))
        decoded = read_cells(path)
    return own_bytes, decoded


@settings(max_examples=60, deadline=None)
@given(data=_files())
def test_a_plain_utf8_file_read_from_its_bytes_gives_what_decoding_gives(
        data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("cells") / "roster.csv"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Checked a few bytes at a time, so that letters of two to four bytes straddle the pieces.
        monkeypatch.setattr(cells, "_CHECKED_AT_ONCE", 5)
        assert cells._plain_utf8(data)[1]
        own_bytes, decoded = _both_ways(path, monkeypatch)
    assert own_bytes.frame.equals(decoded.frame)
    assert (own_bytes.encoding, own_bytes.delimiter, own_bytes.header_row) == \
        (decoded.encoding, decoded.delimiter, decoded.header_row)


@pytest.mark.parametrize("data", [
    b"id,name\n1,Red \x1b[31mAlert\n",  # an escape sequence: removed
    b"id,name\n1,Ali\xe2\x80\xaeexe.jpg\n",  # a bidirectional override: removed
    b"id,name\n1,Sin\xe9ad\n",  # Windows-1252
    b"\xff\xfei\x00d\x00,\x00n\x00\n\x001\x00,\x00x\x00\n\x00",  # UTF-16
])
def test_other_files_are_decoded_whole(data: bytes, tmp_path: Path) -> None:
    assert cells._plain_utf8(data) == (0, "")
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    assert "\x1b" not in read_cells(path).frame.to_string() and "\u202e" not in read_cells(path).frame.to_string()


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf \r\n\t\n", b"\n\n"])
def test_a_file_of_byte_order_marks_and_blank_lines_is_empty(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    with pytest.raises(RosterUnreadable, match="the file is empty"):
        read_cells(path)

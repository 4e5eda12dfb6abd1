"""Pure writers: results become bytes or text; files are replaced atomically.

Every CSV a person opens is written as UTF-8 with a byte-order mark (so Excel
shows "Siân" and not "SiÃ¢n") and every text cell is escaped against formula
injection: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a leading apostrophe, as OWASP recommends, so a name such as
``=HYPERLINK(...)`` is shown, never run.  Numbers peermatch writes itself stay
numbers.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import io
import itertools
import json
import operator
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peermatch.errors import OutputError
from peermatch.models import Group, PairResult, Person, Summary
from peermatch.outputs.staging import StagedFolder, flush_folder, remove_abandoned

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MEMBER_FIELDS = ("id", "name", "email", "organisation", "profession", "level")


_FORMULA_FIRST = frozenset(FORMULA_START)
_CSV_CHUNK = 10_000  # lines encoded at a time
_GROUPS_AT_ONCE = 10_000  # groups whose text is made at a time, in the files and the JSON of pair


def escape_formula(value: str) -> str:
    """Neutralise a text cell that a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


_QUOTED = '",\n\r'  # a cell holding any of these is quoted


def cell(value: str) -> str:
    """``value`` as one CSV cell, as the csv module (and so pandas) writes it with minimal quoting."""
    if '"' in value or "," in value or "\n" in value or "\r" in value:  # _QUOTED, without a loop
        return '"' + value.replace('"', '""') + '"'
    return value


def text_cells(values: list[str]) -> list[str]:
    """Each text value escaped against formulas and written as a CSV cell, without a call per value.

    A million cells at 100,000 people: most columns hold no comma, quote or line break at all, and are checked
    as one string.
    """
    escaped = ["'" + value if value[:1] in _FORMULA_FIRST else value for value in values]
    whole = "".join(escaped)
    if '"' in whole or "," in whole or "\n" in whole or "\r" in whole:
        return list(map(cell, escaped))
    return escaped


def text_cell(value: str) -> str:
    """A text value as one formula-safe CSV cell."""
    return cell(escape_formula(value))


def csv_parts(header: Sequence[str], lines: Iterable[str]) -> Iterator[bytes]:
    """A CSV of lines of cells made by :func:`cell`: the bytes :func:`csv_bytes` (pandas) gives for those cells.

    Lines are encoded a chunk at a time, so a schedule of 600,000 rows never exists as rows or as one string, and
    a writer can put each chunk in the file as it comes.
    """
    yield _header_line(header)
    lines = iter(lines)
    while chunk := list(itertools.islice(lines, _CSV_CHUNK)):
        yield ("\r\n".join(chunk) + "\r\n").encode("utf-8")


def _header_line(header: Sequence[str]) -> bytes:
    return codecs.BOM_UTF8 + (",".join(map(cell, header)) + "\r\n").encode("utf-8")


def csv_document(header: Sequence[str], lines: Iterable[str]) -> bytes:
    return _csv_document_of(csv_parts(header, lines))


def _csv_document_of(parts: Iterable[bytes]) -> bytes:
    # Into one buffer a chunk at a time (joining a list of the chunks would hold the document twice).
    out = io.BytesIO()
    for part in parts:
        out.write(part)
    return out.getvalue()


def _escape_column(column: pd.Series) -> list[str]:
    # A comprehension beats pandas' regex replace by an order of magnitude on 100,000 rows.
    return [escape_formula(value) if isinstance(value, str) else "" if pd.isna(value) else str(value)
            for value in column.tolist()]


def csv_bytes(frame: pd.DataFrame, numeric: Sequence[str] = ()) -> bytes:
    """A spreadsheet-safe UTF-8 CSV with BOM; ``numeric`` columns are left as numbers."""
    safe = frame.copy()
    for name in safe.columns:
        if name not in numeric:
            safe[name] = _escape_column(safe[name])
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def pairs_csv(result: PairResult) -> bytes:
    """One row per group (then one per unmatched person), members side by side; see :func:`pairs_csv_parts`."""
    return _csv_document_of(pairs_csv_parts(result))


def pairs_csv_parts(result: PairResult) -> Iterator[bytes]:
    """:func:`pairs_csv`'s bytes a chunk at a time, for :func:`write_atomic` to put in the file as they come.

    Rows are made for one chunk of groups at a time: made for everyone at once, members' cells took 300 MB at a
    million people, and the whole file as one buffer 250 MB more.
    """
    groups, unmatched = result.groups, result.unmatched
    width = max((len(g.members) for g in groups), default=2)
    header = ["group", "size", "score", "reasons"] + [
        f"member_{k + 1}_{name}" for k in range(width) for name in MEMBER_FIELDS]
    people = dict(zip(map(_ID, result.roster.people), result.roster.people, strict=True))
    reasons = _ReasonCells()
    yield _header_line(header)
    for start in range(0, len(groups), _GROUPS_AT_ONCE):
        chunk = groups[start:start + _GROUPS_AT_ONCE]
        members = list(map(people.__getitem__, itertools.chain.from_iterable(map(_MEMBERS, chunk))))
        sizes = list(map(len, map(_MEMBERS, chunk)))
        yield _member_rows(functools.partial(_group_leads, chunk, start + 1, sizes, reasons), sizes, members, width)
    for start in range(0, len(unmatched), _GROUPS_AT_ONCE):
        alone = unmatched[start:start + _GROUPS_AT_ONCE]
        why = [text_cell("unmatched: " + result.unmatched_reasons.get(pid, "")) for pid in alone]
        yield _member_rows(functools.partial(_unmatched_leads, why), [1] * len(alone),
                           list(map(people.__getitem__, alone)), width)


def _group_leads(groups: list[Group], number: int, sizes: list[int], reasons: _ReasonCells, sep: str) -> list[str]:
    """The group, size, score and reasons cells of each group's row, the first numbered ``number``."""
    return [f"{number}{sep}{size}{sep}{group.score}{sep}{reasons[group.reasons]}"
            for number, size, group in zip(itertools.count(number), sizes, groups, strict=False)]


def _unmatched_leads(why: list[str], sep: str) -> list[str]:
    """The first cells of an unmatched person's row: no group or score, a size of one, and why."""
    return [f"{sep}1{sep}{sep}{cell}" for cell in why]


_ID = operator.attrgetter("id")
_MEMBERS = operator.attrgetter("members")
_LEAD = 4  # group, size, score, reasons: the cells before the members'


class _ReasonCells(dict[tuple[str, ...], str]):
    """A group's reasons as one formula-safe CSV cell, made once for each combination (pairing.GroupWords)."""

    def __missing__(self, reasons: tuple[str, ...]) -> str:
        cell = self[reasons] = text_cell(" | ".join(reasons))
        return cell


# While a chunk of rows is checked in bulk, these stand for the commas between cells and the line breaks between
# rows: control characters that reading strips from every roster value, so each one marks where a cell ends.
_SEP, _END = "\x1f", "\x1e"
_STARTS_FORMULA = np.zeros(256, dtype=bool)
_STARTS_FORMULA[[ord(c) for c in FORMULA_START]] = True
_NEEDS_QUOTES = np.zeros(256, dtype=bool)
_NEEDS_QUOTES[[ord(c) for c in _QUOTED]] = True


def _member_rows(lead: Callable[[str], list[str]], sizes: list[int], members: list[Person], width: int) -> bytes:
    """Rows of the pairs CSV as bytes: each row's :data:`_LEAD` cells (``lead(sep)``: CSV cells peermatch made,
    joined by ``sep``), then the :data:`MEMBER_FIELDS` of its next ``size`` members, padded to ``width`` members.

    Members' values are put in the rows as they are, and the few cells that need it are then escaped against
    formulas or quoted, found in bulk (:func:`_safe_rows`): a call per cell was most of the time of writing.
    """
    sep = _SEP  # one f-string per person is several times faster than any loop over the fields
    cells = [f"{p.id}{sep}{p.name}{sep}{p.email}{sep}{p.organisation}{sep}{p.profession}{sep}{p.level}"
             for p in members]
    data = _safe_rows(_rows(lead(_SEP), sizes, cells, width, _SEP, _END), len(sizes),
                      _LEAD + len(MEMBER_FIELDS) * width)
    if data is None:  # a value holds one of the stand-ins itself: made cell by cell instead
        data = _rows(lead(","), sizes, member_cells(members), width, ",", "\r\n").encode("utf-8")
    return data


def _rows(lead: list[str], sizes: list[int], members: list[str], width: int, sep: str, end: str) -> str:
    """Each row's lead, then its members' cells (one string per member), padded: the rows as one text."""
    padding = [sep * len(MEMBER_FIELDS) * (width - size) for size in range(width + 1)]
    cells = iter(members)
    if all(size == 2 for size in sizes):  # pairs, nearly always: no join per row
        pad = padding[2]
        return "".join([f"{first}{sep}{one}{sep}{two}{pad}{end}"
                        for first, one, two in zip(lead, cells, cells, strict=True)])
    return "".join([f"{first}{sep}{sep.join(itertools.islice(cells, size))}{padding[size]}{end}"
                    for first, size in zip(lead, sizes, strict=True)])


def _safe_rows(text: str, rows: int, width: int) -> bytes | None:
    """``rows`` rows of ``width`` cells, separated by :data:`_SEP` and ended by :data:`_END`, as CSV bytes: the
    first :data:`_LEAD` cells of each row as they are, every other cell as :func:`text_cell` writes it.

    The cells that start like a formula or hold a character that needs quoting are found with numpy over the
    bytes, and their apostrophes and quotes inserted in one go: all these characters are ASCII, which UTF-8 never
    uses inside another character.  None when the text has more or fewer cells than it should: a value holds a
    stand-in, so cells cannot be told apart.
    """
    data = text.encode("utf-8")
    if not rows:
        return data
    codes = np.frombuffer(data, dtype=np.uint8)
    ends = codes == ord(_END)
    bounds = np.flatnonzero(ends | (codes == ord(_SEP)))  # where each cell ends
    if len(bounds) != rows * width or np.count_nonzero(ends) != rows or not ends[bounds[width - 1::width]].all():
        return None
    starts = np.empty_like(bounds)
    starts[0] = 0
    starts[1:] = bounds[:-1] + 1
    formulas = np.flatnonzero(_STARTS_FORMULA[codes[starts]])  # an empty cell "starts" with the next stand-in
    formulas = formulas[formulas % width >= _LEAD]
    quoted = inner = np.empty(0, dtype=np.intp)
    if any(c.encode() in data for c in _QUOTED):  # in most chunks, none at all: no pass over every byte
        special = np.flatnonzero(_NEEDS_QUOTES[codes])
        cells = np.searchsorted(bounds, special)
        ours = cells % width >= _LEAD
        quoted = np.unique(cells[ours])
        inner = special[ours & (codes[special] == ord('"'))]  # each doubled
    if len(formulas) or len(quoted):
        # At one place, the opening quote goes before the apostrophe, and an inner quote after both.
        at = np.concatenate([starts[quoted], starts[formulas], inner, bounds[quoted]])
        marks = np.full(len(at), ord('"'), dtype=np.uint8)
        marks[len(quoted):len(quoted) + len(formulas)] = ord("'")
        order = np.argsort(at, kind="stable")
        data = np.insert(codes, at[order], marks[order]).tobytes()
    return data.replace(_SEP.encode(), b",").replace(_END.encode(), b"\r\n")


def joined_cells(*columns: list[str]) -> list[str]:
    """Row by row, the cells of these text columns joined as a fragment of a CSV line."""
    return list(map(",".join, zip(*map(text_cells, columns), strict=True)))


def member_cells(people: Sequence[Person]) -> list[str]:
    """Each person's :data:`MEMBER_FIELDS` as CSV cells; built a column at a time."""
    columns = [list(map(str, map(operator.attrgetter(name), people))) for name in MEMBER_FIELDS]
    return joined_cells(*columns)


def pair_result_dict(result: PairResult) -> dict[str, Any]:
    """The documented JSON shape of ``peermatch pair --format json``."""
    return {
        "groups": [
            {"members": list(g.members), "score": g.score, "reasons": list(g.reasons)}
            for g in result.groups
        ],
        **_after_groups(result),
    }


def _after_groups(result: PairResult) -> dict[str, Any]:
    return {
        "unmatched": list(result.unmatched),
        "left_out": [entry.id for entry in result.roster.left_out],
        "summary": summary_dict(result.summary),
    }


def summary_dict(summary: Summary) -> dict[str, Any]:
    """The summary as JSON; ``group_size`` only for groups, so a pairing's JSON reads as it always has."""
    values = asdict(summary)
    if summary.group_size == 2:
        del values["group_size"]
    return values


def json_text(data: dict[str, Any]) -> str:
    # Compact on purpose: indenting switches json to its pure-Python encoder,
    # ten times slower on 100,000 groups; pipe through `python -m json.tool` to read it.
    return json.dumps(data, ensure_ascii=False) + "\n"


def pair_result_json(result: PairResult) -> str:
    """:func:`pair_result_dict` exactly as :func:`json_text` writes it; see :func:`pair_result_json_parts`."""
    return "".join(pair_result_json_parts(result))


def pair_result_json_parts(result: PairResult) -> Iterator[str]:
    """:func:`pair_result_json`'s text a chunk of groups at a time, for the caller to write out as it comes.

    Each group's text is made directly: making and encoding 50,000 group dicts takes a quarter of a second at
    100,000 people.  A million people's text held at once was 150 MB.
    """
    text = json.encoder.encode_basestring  # how json.dumps(ensure_ascii=False) writes each string
    reasons = _ReasonLists()
    groups = result.groups
    yield '{"groups": ['
    for start in range(0, len(groups), _GROUPS_AT_ONCE):
        chunk = groups[start:start + _GROUPS_AT_ONCE]
        members = list(map(_MEMBERS, chunk))
        if all(len(pair) == 2 for pair in members):  # pairs, nearly always: no join per group
            parts = [f'{{"members": [{text(one)}, {text(two)}], "score": {group.score}, '
                     f'"reasons": {reasons[group.reasons]}}}' for group, (one, two) in zip(chunk, members, strict=True)]
        else:
            parts = [f'{{"members": [{", ".join(map(text, ids))}], "score": {group.score}, '
                     f'"reasons": {reasons[group.reasons]}}}' for group, ids in zip(chunk, members, strict=True)]
        yield (", " if start else "") + ", ".join(parts)
    yield f"], {json_text(_after_groups(result))[1:]}"


class _ReasonLists(dict[tuple[str, ...], str]):
    """A group's reasons as a JSON list, made once for each combination (pairing.GroupWords)."""

    def __missing__(self, reasons: tuple[str, ...]) -> str:
        listed = self[reasons] = f"[{', '.join(map(json.encoder.encode_basestring, reasons))}]"
        return listed


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_target(path: Path, protect: Sequence[Path] = ()) -> Path:
    """Refuse an output path that cannot or must not be written; return its folder.

    Commands check every target before writing any, so a bad one leaves
    nothing half-done.
    """
    for source in protect:
        if same_file(path, source):
            raise OutputError(f"{path}: refusing to overwrite an input file; choose another output name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: cannot write: the folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"{path}: cannot write: it is a folder")
    return folder


def check_folder(folder: Path, protect: Sequence[Path] = ()) -> None:
    """Refuse an output folder that cannot be created or is an input."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: cannot write files into it: it is a file, not a folder")
    if not folder.exists():
        check_target(folder, protect)


def write_atomic(path: Path, data: bytes | Iterable[bytes], *, protect: Sequence[Path] = (),
                 sweep: bool = True) -> None:
    """Replace ``path`` with ``data`` (bytes, or chunks of bytes) all at once, or leave it as it was.

    The bytes go to a temporary file in the same folder (so the final rename
    cannot cross file systems), are flushed to disk, then renamed over the
    target: a crash, a kill or a full disk leaves the old file intact.  New
    files are readable by their owner only, as they hold personal data; an
    existing file keeps its permissions.  ``protect`` lists inputs (the
    roster) that must never be overwritten.  ``sweep`` first removes what
    killed earlier writes of ``path`` left behind (see below).
    """
    with Staged(protect) as staged:
        staged.file(path, data, sweep=sweep)
        staged.commit()


class Staged:
    """Several outputs put in place together: each file is written to a temporary file beside its target, each
    folder into a temporary folder (:mod:`peermatch.outputs.staging`), and :meth:`commit` puts them all in place;
    leaving the ``with`` block without committing removes them.

    So a run that fails while making its fourth output (an unusable email address, a full disk) leaves every
    earlier output as it was, and outputs too large to hold in memory (300,000 invitations) are written as they
    are made.  Folders' files are flushed to disk by one ``sync`` before anything is put in place, rather than one
    by one: a flush per file made writing 300,000 small files take many minutes.
    """

    def __init__(self, protect: Sequence[Path] = ()) -> None:
        self._protect = protect
        self._pending: list[tuple[str, Path]] = []  # (temporary, target)
        self._folders: dict[Path, StagedFolder] = {}  # by resolved target: two options may name one folder

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *_: object) -> None:
        for temporary, _target in self._pending:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        self._pending = []
        for staged in self._folders.values():
            staged.discard()
        self._folders = {}

    def file(self, path: Path, data: bytes | Iterable[bytes], *, sweep: bool = True) -> None:
        """Write ``path``'s new content (bytes or chunks) to its temporary file, flushed to disk."""
        folder = check_target(path, self._protect)
        if sweep:
            remove_abandoned(folder, [path.name])
        self._write(folder, path, [data] if isinstance(data, bytes) else data)

    def open_folder(self, folder: Path) -> StagedFolder:
        """The folder's staged files, to :meth:`StagedFolder.add` to one at a time (made if missing)."""
        key = folder.resolve()
        staged = self._folders.get(key)
        if staged is None:
            inputs = {source.name for source in self._protect if same_file(source.parent, folder)}
            staged = self._folders[key] = StagedFolder(folder, inputs)
        return staged

    def folder(self, folder: Path, files: Iterable[tuple[str, bytes]]) -> None:
        """Write each (name, content) of ``files`` into ``folder`` (made if missing), in its temporary folder."""
        staged = self.open_folder(folder)
        for name, data in files:
            staged.add(name, data)

    def commit(self) -> None:
        """Flush the folders' files, put every output in place, then make the renames durable."""
        folders = list(self._folders.values())
        if any(staged.names for staged in folders):
            if hasattr(os, "sync"):
                os.sync()
            else:  # no sync on this system: flush each file
                for staged in folders:
                    staged.flush_each()
        parents = {target.parent for _, target in self._pending}
        try:
            for temporary, target in self._pending:
                try:
                    os.replace(temporary, target)
                except OSError as error:
                    raise OutputError(f"{target}: cannot write ({error.strerror})") from None
            self._pending = []
            for staged in folders:
                staged.commit()
        finally:
            self.__exit__()  # whatever could not be put in place goes
        for parent in parents:
            flush_folder(parent)
        for staged in folders:
            staged.sweep()

    def _write(self, folder: Path, path: Path, chunks: Iterable[bytes]) -> None:
        try:
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
        except OSError as error:
            raise OutputError(f"{path}: cannot write ({error.strerror})") from None
        self._pending.append((temporary, path))
        try:
            with os.fdopen(handle, "wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, mode)
        except OSError as error:
            raise OutputError(f"{path}: cannot write ({error.strerror})") from None


def write_files(folder: Path, files: dict[str, bytes], *, protect: Sequence[Path] = ()) -> None:
    """Write a folder of files (invitations, emails), each replaced atomically."""
    with Staged(protect) as staged:
        staged.folder(folder, files.items())
        staged.commit()


def history_csv(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> bytes:
    """``peermatch history export``: one row per person per group, formula-safe."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for name in ("group", "table"):
        frame[name] = frame[name].astype("Int64")
    return csv_bytes(frame, numeric=("group", "table"))

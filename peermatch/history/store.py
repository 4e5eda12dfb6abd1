"""The history of past rounds: who met whom, kept in one SQLite file so nobody is paired with the same person twice.

Contract:

- Opening, locking, transactions and the schema are :class:`peermatch.history.file.HistoryFile`'s: one writer
  at a time, one transaction per run, nothing changed unless :meth:`History.commit` is called.
- Only what repeat-avoidance and reports need is stored: person ids, the folded profession and organisation of each
  member at the time, group numbers, tables, calendar UIDs and whether a conversation took place.  Never names or
  emails (but ids are the roster's: a roster whose only id is the email puts emails here, so keep an id column).
  Deleting (forget, prune) overwrites the freed bytes (``secure_delete``) and compacts the file (``VACUUM``) after
  the commit, so forgotten data is gone from the file, not merely hidden.
- Recording a round under a label that is already there replaces that round: a rerun never adds a round.  A round
  is recorded whole or, on an error part-way, not at all, within the run's transaction.

Nothing here prints; every message is one line naming the file (and, for imported or feedback CSVs, the row
and column), never a person's name or email.
"""

from __future__ import annotations

import itertools
import operator
import os
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import chain, count, repeat
from pathlib import Path
from typing import Any

from peermatch.errors import HistoryError
from peermatch.history.cancellations import Cancellations, RecordedCancellation
from peermatch.history.file import STAMP_OF_RECORDED_AT
from peermatch.history.rounds import GroupColumns, RecordedGroup, RoundInfo
from peermatch.history.rows import KINDS, CsvRows, RoundGroups, minutes, read_feedback, read_rounds

DEFAULT_PATH = "peermatch-history.sqlite"
ENV_VAR = "PEERMATCH_HISTORY"
EXPORT_COLUMNS = ("round", "starts", "kind", "group", "table", "uid", "person_id", "profession", "organisation",
                  "met", "odd")

# Rounds in time order: a round without a date (a plain pairing) counts from when it was recorded.
_WHEN = "COALESCE(r.starts, r.recorded_at)"
_NO_PROFILE = ("", "")  # an id ``profiles`` does not know


def default_history_path() -> Path:
    """``$PEERMATCH_HISTORY`` if set, else ``peermatch-history.sqlite`` in the current folder."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH).expanduser()


class History(Cancellations):
    """One open history file; use as a context manager.  See the module docstring."""

    def __init__(self, path: Path, connection: sqlite3.Connection, *, write: bool, wait_seconds: float) -> None:
        super().__init__(path, connection, write=write, wait_seconds=wait_seconds)
        self._uids: tuple[tuple[str, int | None, int], dict[tuple[str, ...], str | None]] | None = None

    def _begin(self) -> None:
        super()._begin()
        self._uids = None  # another run may have committed since they were read

    # -- reading ------------------------------------------------------------------------------------------------

    def met_pairs(self, *, replacing: Iterable[str] = (), within_rounds: int | None = None) -> set[frozenset[str]]:
        """Every two ids who were in one group in a round that counts.

        Rounds labelled in ``replacing`` are being planned again, so they do not count; nor do groups reported as
        not having met.  ``within_rounds=N`` counts only the N most recent of the remaining rounds (by start, then
        recorded order).
        """
        if within_rounds is not None and within_rounds < 0:
            raise ValueError("within_rounds must be zero or more")
        pairs: set[frozenset[str]] = set()
        for members in self._met_groups(replacing, within_rounds):
            pairs.update(frozenset(pair) for pair in itertools.combinations(members, 2))
        return pairs

    def odd_counts(self, *, replacing: Iterable[str] = ()) -> Counter[str]:
        """How often each id joined a group (a pair's third) or was left unmatched, for a fair rotation."""
        labels = _labels(replacing)
        marks = ",".join("?" * len(labels))
        rows = self._rows(
            f"""SELECT m.person_id FROM members m JOIN groups g ON g.id = m.group_id JOIN rounds r ON r.id = g.round_id
                WHERE m.odd = 1 AND r.label NOT IN ({marks})
                UNION ALL
                SELECT u.person_id FROM unmatched u JOIN rounds r ON r.id = u.round_id
                WHERE r.label NOT IN ({marks})""", (*labels, *labels))
        return Counter(person_id for (person_id,) in rows)

    def professions_met(self, *, replacing: Iterable[str] = ()) -> dict[str, set[str]]:
        """Id -> the professions (folded) of everyone they met, as recorded at the time."""
        met: dict[str, set[str]] = defaultdict(set)
        for members in self._met_groups(replacing, None, with_profession=True):
            for person_id, _ in members:
                met[person_id].update(profession for other, profession in members if other != person_id and profession)
        return dict(met)

    def uid_for(self, label: str, members: Sequence[str]) -> str | None:
        """The calendar UID recorded for exactly this group in this round, so a rerun updates the same event."""
        uids = self._round_uids(label.strip())
        return uids.get(tuple(sorted(members))) if uids else None

    def _round_uids(self, label: str) -> dict[tuple[str, ...], str | None]:
        """Sorted members -> UID of every group in the round, read once per label while the file is unchanged.

        A schedule asks for every one of its groups: reading the round each time took hours at 100,000 people.
        ``total_changes`` moves when this connection writes, the data version when another one commits; while
        this run holds the write lock nobody else can commit, and :meth:`_begin` forgets what was read before.
        """
        version = None if self._in_transaction else self._rows("PRAGMA data_version")[0][0]
        state = (label, version, self._connection.total_changes)
        if self._uids is None or self._uids[0] != state:
            uids: dict[tuple[str, ...], str | None] = {}
            rows = self._rows(
                """SELECT g.id, g.uid, m.person_id FROM rounds r JOIN groups g ON g.round_id = r.id
                   JOIN members m ON m.group_id = g.id WHERE r.label = ? ORDER BY g.id, m.person_id""", (label,))
            for _, group in itertools.groupby(rows, key=lambda row: row[0]):
                found = list(group)
                uids.setdefault(tuple(row[2] for row in found), found[0][1] or None)
            self._uids = (state, uids)
        return self._uids[1]

    def calendar_versions(self, label: str) -> list[RecordedGroup]:
        """The groups recorded for the round ``label`` (none if there is no such round), with their calendar UIDs,
        SEQUENCE, DTSTAMP and version, so a rerun can update each calendar entry rather than add another."""
        if self._schema_version >= 2:
            columns = "g.sequence, g.stamp, g.version"
        else:  # a file from before they were kept, opened read-only: as the migration would set them
            columns = f"0, {STAMP_OF_RECORDED_AT.format('r.recorded_at')}, ''"
        rows = self._rows(
            f"""SELECT g.id, g.table_number, g.uid, {columns}, m.person_id, m.odd
                FROM rounds r JOIN groups g ON g.round_id = r.id JOIN members m ON m.group_id = g.id
                WHERE r.label = ? ORDER BY g.number, m.position""", (label.strip(),))
        groups = []
        for _, group in itertools.groupby(rows, key=lambda row: row[0]):
            found = list(group)
            _, table, uid, sequence, stamp, version, _, _ = found[0]
            groups.append(RecordedGroup(members=tuple(row[6] for row in found), table=table, uid=uid,
                                        odd_one=next((row[6] for row in found if row[7]), None),
                                        sequence=sequence, stamp=stamp, version=version))
        return groups

    def rounds(self) -> list[RoundInfo]:
        """Every round, oldest first."""
        return [RoundInfo(*row) for row in self._rows(
            f"""SELECT r.label, r.starts, r.kind,
                       (SELECT count(*) FROM groups g WHERE g.round_id = r.id),
                       (SELECT count(*) FROM members m JOIN groups g ON g.id = m.group_id WHERE g.round_id = r.id)
                         + (SELECT count(*) FROM unmatched u WHERE u.round_id = r.id),
                       (SELECT count(*) FROM groups g WHERE g.round_id = r.id AND g.met = 1),
                       (SELECT count(*) FROM groups g WHERE g.round_id = r.id AND g.met = 0),
                       r.recorded_at
                FROM rounds r ORDER BY {_WHEN}, r.id""")]

    def round_info(self, label: str) -> RoundInfo:
        """The summary of one round; HistoryError naming the label if there is none."""
        label = label.strip()
        for info in self.rounds():
            if info.label == label:
                return info
        raise HistoryError(f"{self.path}: there is no round {label!r} in the history "
                           "(see `peermatch history list`)")

    def rounds_before(self, when: str) -> list[RoundInfo]:
        """The rounds that started (or, without a date, were recorded) before ``when`` (an ISO date or time)."""
        cutoff = self._cutoff(when)
        return [info for info in self.rounds() if (info.starts or info.recorded_at) < cutoff]

    def show(self, label: str) -> list[dict[str, Any]]:
        """The round's groups in order: group number, members, odd_one, table, uid and met (None, True, False)."""
        round_id = self._round_id(label)
        groups: list[dict[str, Any]] = []
        rows = self._rows(
            """SELECT g.number, g.table_number, g.uid, g.met, m.person_id, m.odd
               FROM groups g JOIN members m ON m.group_id = g.id WHERE g.round_id = ? ORDER BY g.number, m.position""",
            (round_id,))
        for number, group in itertools.groupby(rows, key=lambda row: row[0]):
            found = list(group)
            _, table, uid, met, _, _ = found[0]
            groups.append({"group": number, "members": [row[4] for row in found],
                           "odd_one": next((row[4] for row in found if row[5]), None), "table": table, "uid": uid,
                           "met": None if met is None else bool(met)})
        return groups

    def unmatched(self, label: str) -> list[str]:
        """Who was left without a group in that round."""
        round_id = self._round_id(label)
        return [person_id for (person_id,) in self._rows(
            "SELECT person_id FROM unmatched WHERE round_id = ? ORDER BY rowid", (round_id,))]

    def export_rows(self) -> list[dict[str, object]]:
        """One row per person per group (and per unmatched person), oldest round first, in :data:`EXPORT_COLUMNS`.

        ``met`` is "yes", "no" or blank; ``odd`` is "third" for who joined a pair, "extra" for who joined a larger
        group (making a table of five one of six), "unmatched" for who had no group (their ``group`` is blank).
        :meth:`import_rows` reads these rows back.
        """
        rows: list[dict[str, object]] = []
        for row in self._rows(
                f"""SELECT r.label, r.starts, r.kind, g.number, g.table_number, g.uid, m.person_id, m.profession,
                           m.organisation, g.met, m.odd, {_WHEN} AS sort_when, r.id AS sort_id, 0 AS sort_part,
                           m.position AS sort_position
                    FROM rounds r JOIN groups g ON g.round_id = r.id JOIN members m ON m.group_id = g.id
                    UNION ALL
                    SELECT r.label, r.starts, r.kind, NULL, NULL, '', u.person_id, '', '', NULL, 2,
                           {_WHEN}, r.id, 1, u.rowid
                    FROM rounds r JOIN unmatched u ON u.round_id = r.id
                    ORDER BY sort_when, sort_id, sort_part, 4, sort_position"""):
            label, starts, kind, group, table, uid, person_id, profession, organisation, met, odd = row[:11]
            rows.append({"round": label, "starts": starts or "", "kind": kind, "group": group, "table": table,
                         "uid": uid, "person_id": person_id, "profession": profession, "organisation": organisation,
                         "met": "" if met is None else "yes" if met else "no",
                         "odd": {0: "", 1: "joined", 2: "unmatched"}[odd]})
        # A group's rows are consecutive: who joined is a pair's "third" only in a group of three.
        for _, found in itertools.groupby(rows, key=lambda row: (row["round"], row["group"])):
            members = list(found)
            for row in members:
                if row["odd"] == "joined":
                    row["odd"] = "third" if len(members) == 3 else "extra"
        return rows

    # -- writing ------------------------------------------------------------------------------------------------

    def record_round(self, label: str, *, kind: str, starts: str | None,
                     groups: Sequence[RecordedGroup] | GroupColumns, unmatched: Sequence[str],
                     profiles: Mapping[str, tuple[str, str]], cancelled: Sequence[RecordedCancellation] = (),
                     uninvited: Sequence[RecordedCancellation] = ()) -> None:
        """Record a round under ``label``, replacing any round already recorded under it.

        ``groups`` are RecordedGroups, or the same column by column (a pairing of a million people).  ``profiles``
        maps an id to its (profession key, organisation key); nothing else about a person is kept.
        ``cancelled`` are the calendar entries of earlier plans of the round that this one no longer has;
        ``uninvited``, the people taken off entries that went on without them.  The round is recorded whole or,
        on an error, not at all.
        """
        label = self._label(label)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        moment = None if starts is None else minutes(starts)
        if moment is None and starts is not None:
            raise ValueError(f"starts must be an ISO local date and time such as 2027-01-11T09:00, not {starts!r}")
        columns = groups if isinstance(groups, GroupColumns) else GroupColumns.of(groups)
        columns.check(label, unmatched)
        uids = {entry.uid for entry in cancelled}
        # Only when there are some: a pairing of a million people records none and need not list its UIDs again.
        if cancelled and (len(uids) < len(cancelled) or "" in uids or uids & set(columns.uids)
                          or not all(entry.members for entry in cancelled)):
            raise ValueError(f"round {label!r}: a cancelled calendar entry needs a UID of its own and its people")
        taken_off = [(entry.uid, person_id) for entry in uninvited for person_id in entry.members]
        if len(set(taken_off)) < len(taken_off) or not all(entry.uid and entry.members for entry in uninvited):
            raise ValueError(f"round {label!r}: someone taken off a calendar entry needs its UID, and once only")
        with self._all_or_nothing():
            self._replace_round(label, kind, moment, columns, unmatched, profiles)
            self._record_cancelled(label, cancelled, uninvited)

    def import_rows(self, rows: Iterable[Mapping[str, str | None]], *, source: str | Path | None = None,
                    first_row: int = 2) -> int:
        """Record the rounds in ``rows`` (an old spreadsheet, or :meth:`export_rows` written out); returns how many.

        Columns: ``round``, ``group`` (any key that is the same for everyone in one group of that round) and
        ``person_id`` are needed; ``starts``, ``kind``, ``table``, ``uid``, ``profession``, ``organisation``,
        ``met`` and ``odd`` are read when present.  Other columns (names, say) are ignored, never stored.  An
        imported round replaces a recorded round of the same label.  ``source`` names the file in messages, and
        ``first_row`` is the spreadsheet row of the first mapping.  Nothing is recorded unless every row is right.
        """
        self._writable()
        reader = CsvRows(source or self.path, rows, first_row, required=("round", "group", "person_id"))
        rounds = read_rounds(reader)
        for imported in rounds:
            groups = list(imported.groups.values())
            columns = GroupColumns(members=[tuple(g.members) for g in groups],
                                   uids=[g.values.get("uid", "") for g in groups], odd_ones=[g.odd_one for g in groups],
                                   tables=[g.values.get("table") for g in groups],
                                   met=[g.values.get("met") for g in groups])
            with self._all_or_nothing():
                self._replace_round(
                    imported.label, imported.values.get("kind", "import"), imported.values.get("starts"), columns,
                    imported.unmatched,
                    {person_id: profile for g in groups for person_id, profile in zip(g.members, g.profiles,
                                                                                       strict=True)})
        return len(rounds)

    def record_feedback(self, rows: Iterable[Mapping[str, str | None]], *, source: str | Path | None = None,
                        first_row: int = 2) -> tuple[int, int]:
        """Mark conversations as having taken place or not; returns (met, not met) conversations updated.

        Columns: ``round`` and ``met`` (yes/no/y/n/true/false/1/0; a blank answer leaves the group as it is), and
        either ``person_a`` + ``person_b`` (any two people of the group) or ``group`` (its number in ``history show``
        or its calendar UID).  A group that did not meet no longer keeps its people apart.  Nothing is changed
        unless every row is right.
        """
        self._writable()
        reader = CsvRows(source or self.path, rows, first_row, required=("round", "met"))
        answers = read_feedback(reader, self._round_groups)
        self._execute_many("UPDATE groups SET met = ? WHERE id = ?",
                           [(int(met), group_id) for group_id, (met, _) in answers.items()])
        took_place = sum(met for met, _ in answers.values())
        return took_place, len(answers) - took_place

    def forget_round(self, label: str) -> None:
        """Delete the round labelled ``label`` (HistoryError if there is none); the file is compacted on commit."""
        self._writable()
        round_id = self._round_id(label)
        self._execute("DELETE FROM rounds WHERE id = ?", (round_id,))
        self._vacuum = True

    def forget_person(self, person_id: str) -> int:
        """Delete every trace of ``person_id``; returns how many rounds held them (in a group, unmatched, or sent a
        calendar entry's cancellation).

        A group left with fewer than two people is deleted with its remaining member; a group that shrinks keeps
        no calendar UID (it was derived from the old membership).  A cancelled calendar entry they were sent goes
        altogether, for the same reason: its UID may be derived from their id, and without it there is nothing to
        cancel.  Always compacts the file on commit, so running the command again finishes the job if a crash came
        in between.
        """
        self._writable()
        (rounds,), = self._rows(
            """SELECT count(*) FROM (
                   SELECT g.round_id FROM members m JOIN groups g ON g.id = m.group_id WHERE m.person_id = ?1
                   UNION SELECT round_id FROM unmatched WHERE person_id = ?1
                   UNION SELECT c.round_id FROM cancelled_members m JOIN cancelled c ON c.id = m.cancelled_id
                         WHERE m.person_id = ?1
                   UNION SELECT round_id FROM uninvited WHERE person_id = ?1)""", (person_id,))
        groups = [group_id for (group_id,) in self._rows(
            "SELECT group_id FROM members WHERE person_id = ?", (person_id,))]
        self._execute("DELETE FROM members WHERE person_id = ?", (person_id,))
        self._execute("DELETE FROM unmatched WHERE person_id = ?", (person_id,))
        for group_id in groups:
            self._execute("UPDATE groups SET uid = '' WHERE id = ?", (group_id,))
            self._execute("DELETE FROM groups WHERE id = ? AND (SELECT count(*) FROM members WHERE group_id = ?) < 2",
                          (group_id, group_id))
        self._execute("""DELETE FROM cancelled  -- with its members, by cascade
                         WHERE id IN (SELECT cancelled_id FROM cancelled_members WHERE person_id = ?)""", (person_id,))
        self._execute("DELETE FROM uninvited WHERE person_id = ?", (person_id,))
        self._vacuum = True
        return int(rounds)

    def prune_before(self, when: str) -> int:
        """Delete the rounds that started before ``when`` (ISO date or time); returns how many."""
        self._writable()
        cutoff = self._cutoff(when)
        removed = self._execute(f"DELETE FROM rounds AS r WHERE {_WHEN} < ?", (cutoff,))
        self._vacuum = True
        return removed

    # -- internals ----------------------------------------------------------------------------------------------

    def _label(self, label: str) -> str:
        if not label.strip():
            raise HistoryError(f"{self.path}: a round needs a label (it is blank)")
        return label.strip()

    def _cutoff(self, when: str) -> str:
        moment = minutes(when)
        if moment is None:
            raise HistoryError(f"{self.path}: {when!r} is not a date; write it as 2027-01-11 or 2027-01-11T09:00")
        return moment

    def _round_id(self, label: str) -> int:
        found = self._rows("SELECT id FROM rounds WHERE label = ?", (label.strip(),))
        if not found:
            raise HistoryError(f"{self.path}: there is no round {label.strip()!r} in the history "
                               "(see `peermatch history list`)")
        return int(found[0][0])

    def _round_groups(self, label: str) -> RoundGroups | None:
        """The groups of the round ``label``, or None if there is no such round."""
        found = self._rows("SELECT id FROM rounds WHERE label = ?", (label,))
        if not found:
            return None
        groups = RoundGroups()
        for group_id, number, uid, person_id in self._rows(
                """SELECT g.id, g.number, g.uid, m.person_id FROM groups g JOIN members m ON m.group_id = g.id
                   WHERE g.round_id = ?""", (found[0][0],)):
            groups.by_key[str(number)] = group_id
            if uid:
                groups.by_key.setdefault(uid, group_id)
            groups.of_person.setdefault(person_id, set()).add(group_id)
        return groups

    def _met_groups(self, replacing: Iterable[str], within_rounds: int | None, *,
                    with_profession: bool = False) -> Iterator[list[Any]]:
        """The members of each group that counts as having met, one list per group."""
        labels = _labels(replacing)
        rows = self._rows(
            f"""WITH counted AS (
                    SELECT r.id FROM rounds r WHERE r.label NOT IN ({",".join("?" * len(labels))})
                    ORDER BY {_WHEN} DESC, r.id DESC LIMIT ?)
                SELECT m.group_id, m.person_id, m.profession FROM members m JOIN groups g ON g.id = m.group_id
                WHERE g.round_id IN counted AND (g.met IS NULL OR g.met = 1)
                ORDER BY m.group_id, m.position""", (*labels, -1 if within_rounds is None else within_rounds))
        for _, group in itertools.groupby(rows, key=lambda row: row[0]):
            yield [(row[1], row[2]) if with_profession else row[1] for row in group]

    def _replace_round(self, label: str, kind: str, starts: str | None, groups: GroupColumns,
                       unmatched: Sequence[str], profiles: Mapping[str, tuple[str, str]]) -> None:
        """Record the round; ``profiles`` maps its people's ids to (profession, organisation).

        Rows are made as SQLite takes them, by iterators rather than Python code per row, so a round of a million
        people builds no lists of rows and spends its time in SQLite.
        """
        self._writable()
        self._execute("DELETE FROM rounds WHERE label = ?", (label,))  # cascades to its groups and members
        recorded_at = datetime.now().isoformat(timespec="seconds")
        self._execute("INSERT INTO rounds (label, kind, starts, recorded_at) VALUES (?, ?, ?, ?)",
                      (label, kind, starts, recorded_at))
        (round_id,), = self._rows("SELECT id FROM rounds WHERE label = ?", (label,))
        (base,), = self._rows("SELECT COALESCE(MAX(id), 0) FROM groups")
        # Columns every group leaves at its default (a pairing's tables, SEQUENCEs...) are not sent at all.
        given = {column: values for column, values in (
            ("table_number", groups.tables), ("met", groups.met), ("sequence", groups.sequences),
            ("stamp", groups.stamps), ("version", groups.versions)) if values is not None}
        self._insert_many(f"groups (id, round_id, number, uid{''.join(f', {c}' for c in given)})",
                          f"(?, {int(round_id)}, ?, ?{', ?' * len(given)})",
                          zip(count(base + 1), count(1), groups.uids, *given.values()), len(groups.members))
        people = sum(map(len, groups.members))
        # Member by member: their profile, then (group id, position, id, whether they joined the group).
        ids = chain.from_iterable(groups.members)
        group_ids = chain.from_iterable(map(repeat, count(base + 1), map(len, groups.members)))
        positions = chain.from_iterable(map(range, map(len, groups.members)))
        joined: Iterable[int] = repeat(0, people)  # a pairing of an even number has nobody who joined a pair
        if any(map(operator.is_not, groups.odd_ones, repeat(None))):
            joined = map(int, map(operator.eq, chain.from_iterable(groups.members),
                                  chain.from_iterable(map(repeat, groups.odd_ones, map(len, groups.members)))))
        rows = map(operator.add, map(profiles.get, chain.from_iterable(groups.members), repeat(_NO_PROFILE)),
                   zip(group_ids, positions, ids, joined, strict=True))
        with self._adding_members(people):
            self._insert_many("members (profession, organisation, group_id, position, person_id, odd)",
                              "(?, ?, ?, ?, ?, ?)", rows, people)
        self._insert_many("unmatched (round_id, person_id)", f"({int(round_id)}, ?)", zip(unmatched), len(unmatched))


def _labels(labels: Iterable[str]) -> list[str]:
    return sorted({label.strip() for label in ([labels] if isinstance(labels, str) else labels)})

"""The history's SQLite file itself: its schema, owner-only creation, connections, locking and transactions, and
SQLite's errors in words.

:mod:`peermatch.history.store` holds what the history means (rounds, groups, who met whom); this module holds how the
file is made, opened and kept consistent, so that the store reads as a store.

- :meth:`HistoryFile.open` with ``write=True`` creates a missing file with mode 0600 (it holds personal data) and takes
  the write lock at once (``BEGIN IMMEDIATE``): one writer holds the file for its whole run, so two cron jobs cannot
  both read the same past and record clashing rounds.  A second writer waits up to ``wait_seconds``, then gets
  :class:`HistoryBusy` (exit 75).  Everything the run reads and writes is one transaction: :meth:`History.commit`
  makes it durable; leaving the ``with`` block without committing, an exception, a kill or a power cut leaves the
  file exactly as it was.  ``write=False`` never creates or changes anything (a missing file is an empty history);
  the one exception is the rollback SQLite itself makes of a crashed writer's half-done transaction, which it must
  do before anyone can read the file.
- A file that is not a peermatch history (not SQLite, someone else's database, a newer schema) is a
  :class:`HistoryError` (exit 65) naming the file; it is never changed.  ``PRAGMA application_id`` marks the file
  as ours and ``PRAGMA user_version`` holds the schema version, so a later peermatch can migrate it.

The default rollback journal is kept (not WAL): the history is one file, plus a ``-journal`` beside it only while
a run writes, which is what coordinators expect to copy for a backup.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from peermatch.errors import HistoryBusy, HistoryError

SCHEMA_VERSION = 4
# At most this many values a statement: the limit of SQLite before 3.32, which some systems' Python still has.
_VALUES_PER_STATEMENT = 999
_ROWS_PER_STATEMENT = 200
# The person index is made again rather than added to when a round adds at least a quarter of the members rows
# the history holds.  Adding a million people's rows one by one to an index larger than the page cache took 4 s
# in a new history and 16 s in one holding three such rounds; making the index again from the table, 1.2 s and 5 s.
_REBUILD_SHARE = 4
APPLICATION_ID = 0x50654D68  # "PeMh": marks the file as a peermatch history for `file` and for us

# Calendar entries a rerun of a round cancelled (schema 3): kept so the next rerun writes the same cancellation.
CANCELLED_SCHEMA = (
    """CREATE TABLE cancelled (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        uid TEXT NOT NULL,
        sequence INTEGER NOT NULL,  -- one more than the last version sent
        stamp TEXT NOT NULL,  -- when it was cancelled, UTC 'YYYY-MM-DDTHH:MM:SSZ'
        starts TEXT NOT NULL,  -- the start the invitation gave, local time, 'YYYY-MM-DDTHH:MM'
        minutes INTEGER NOT NULL,  -- the length it gave
        UNIQUE (round_id, uid)
    )""",
    """CREATE TABLE cancelled_members (
        cancelled_id INTEGER NOT NULL REFERENCES cancelled (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        person_id TEXT NOT NULL,
        PRIMARY KEY (cancelled_id, person_id)
    )""",
    "CREATE INDEX cancelled_by_round ON cancelled (round_id)",
    "CREATE INDEX cancelled_members_by_person ON cancelled_members (person_id)",
)
# People taken off a calendar entry when a rerun changed its conversation (schema 4): the entry goes on without
# them, and they were sent its cancellation, which the next rerun writes again.
UNINVITED_SCHEMA = (
    """CREATE TABLE uninvited (
        round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        uid TEXT NOT NULL,
        person_id TEXT NOT NULL,
        sequence INTEGER NOT NULL,  -- the entry's SEQUENCE when they were taken off it
        stamp TEXT NOT NULL,  -- when, UTC 'YYYY-MM-DDTHH:MM:SSZ'
        starts TEXT NOT NULL,  -- the start their invitation gave, local time, 'YYYY-MM-DDTHH:MM'
        minutes INTEGER NOT NULL,  -- the length it gave
        PRIMARY KEY (round_id, uid, person_id)
    )""",
    "CREATE INDEX uninvited_by_person ON uninvited (person_id)",
)
# Who was in which group, for repeat-avoidance and forget-person: built again, rather than added to row by row,
# when a round brings many members next to what the history holds (see HistoryFile._adding_members).
MEMBERS_BY_PERSON = "CREATE INDEX members_by_person ON members (person_id)"
# Set aside and made again with IF EXISTS and IF NOT EXISTS: a library caller that kept a failed change's transaction
# must not be left without the index, nor have every large round refused after.
MEMBERS_BY_PERSON_ASIDE = "DROP INDEX IF EXISTS members_by_person"
MEMBERS_BY_PERSON_AGAIN = MEMBERS_BY_PERSON.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
SCHEMA = (
    """CREATE TABLE rounds (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids never come back, so id order is recorded order
        label TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('pair', 'schedule', 'import')),
        starts TEXT,  -- local time, 'YYYY-MM-DDTHH:MM'; NULL for a pairing with no date
        recorded_at TEXT NOT NULL
    )""",
    """CREATE TABLE groups (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,  -- 1-based within the round, as shown and exported
        table_number INTEGER,
        uid TEXT NOT NULL DEFAULT '',
        met INTEGER CHECK (met IN (0, 1)),  -- NULL: no feedback yet
        sequence INTEGER NOT NULL DEFAULT 0,  -- the calendar entry's SEQUENCE: one more each time a rerun changes it
        stamp TEXT,  -- its DTSTAMP: when that version was recorded, UTC 'YYYY-MM-DDTHH:MM:SSZ'
        version TEXT NOT NULL DEFAULT '',  -- a digest of what the entry says (time, place, prompt, table, people)
        UNIQUE (round_id, number)
    )""",
    """CREATE TABLE members (
        group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        person_id TEXT NOT NULL,
        profession TEXT NOT NULL DEFAULT '',
        organisation TEXT NOT NULL DEFAULT '',
        odd INTEGER NOT NULL DEFAULT 0 CHECK (odd IN (0, 1)),  -- joined the pair as third
        PRIMARY KEY (group_id, person_id)
    )""",
    """CREATE TABLE unmatched (
        round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        person_id TEXT NOT NULL,
        PRIMARY KEY (round_id, person_id)
    )""",
    "CREATE INDEX groups_by_round ON groups (round_id)",
    MEMBERS_BY_PERSON,
    "CREATE INDEX unmatched_by_person ON unmatched (person_id)",
    *CANCELLED_SCHEMA,
    *UNINVITED_SCHEMA,
)
# Steps from schema version N to N + 1, run in the writer's transaction when an older file is opened for writing.
# A stamp for a round recorded before version 2 is the round's recorded_at (the machine's local time) in UTC.
STAMP_OF_RECORDED_AT = "strftime('%Y-%m-%dT%H:%M:%SZ', {}, 'utc')"
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE groups ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE groups ADD COLUMN stamp TEXT",
        "ALTER TABLE groups ADD COLUMN version TEXT NOT NULL DEFAULT ''",
        "UPDATE groups SET stamp = (SELECT " + STAMP_OF_RECORDED_AT.format("r.recorded_at")
        + " FROM rounds r WHERE r.id = groups.round_id)"),
    2: CANCELLED_SCHEMA,
    3: UNINVITED_SCHEMA,
}


def uri(path: Path) -> str:
    # An absolute file: URI, so that '?', '#' or '%' in a folder name cannot be read as URI syntax.
    return path.absolute().as_uri()


def create_private(path: Path) -> None:
    """Create the file, owner-only, before SQLite opens it (SQLite would make it world-readable under umask 022)."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    except OSError as error:
        raise HistoryError(f"{path}: cannot open or create the history ({error.strerror or error})") from None


def connect(path: Path, target: str, wait_seconds: float) -> sqlite3.Connection:
    try:
        # isolation_level=None: no implicit transactions, so BEGIN IMMEDIATE and COMMIT are exactly ours.
        # timeout is SQLite's busy timeout: how long to wait for another run's lock.
        connection = sqlite3.connect(target, uri=target.startswith("file:"), timeout=wait_seconds,
                                     isolation_level=None)
    except sqlite3.Error as error:
        raise translate(path, error) from None
    if target.endswith("mode=ro"):
        _recover_hot_journal(path, connection, wait_seconds)
    return connection


def _recover_hot_journal(path: Path, connection: sqlite3.Connection, wait_seconds: float) -> None:
    """After a crash, a read-only reader cannot roll back the half-done write; a brief writer does it."""
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlite3.Error as error:
        if getattr(error, "sqlite_errorname", "") != "SQLITE_READONLY_ROLLBACK":
            return  # any other problem is reported, with the file named, by the first real query
        writable = f"{uri(path)}?mode=rw"
        with contextlib.suppress(sqlite3.Error), contextlib.closing(
                sqlite3.connect(writable, uri=True, timeout=wait_seconds, isolation_level=None)) as writer:
            writer.execute("SELECT count(*) FROM sqlite_master").fetchall()


def translate(path: Path, error: sqlite3.Error) -> HistoryError | HistoryBusy:
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return HistoryBusy(f"{path}: another peermatch run is using this history; try again in a minute")
    if name == "SQLITE_NOTADB":
        return HistoryError(f"{path}: not a peermatch history (not an SQLite database); choose another file "
                            "with --history")
    if name.startswith("SQLITE_CANTOPEN"):
        return HistoryError(f"{path}: cannot open the history (is it a folder, or is its folder missing?)")
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM")):
        return HistoryError(f"{path}: the history cannot be written (check the file's permissions)")
    if name == "SQLITE_FULL":
        return HistoryError(f"{path}: the disk is full; nothing was recorded")
    if name == "SQLITE_CORRUPT":
        return HistoryError(f"{path}: the history is damaged; restore it from a backup")
    return HistoryError(f"{path}: {str(error).splitlines()[0] if str(error) else name}")


class HistoryFile:
    """An open history file's lifecycle: the write lock, one transaction per run, the schema check and migration,
    the compaction after a deletion, and SQLite's errors as one-line messages naming the file.

    :class:`peermatch.history.store.History` adds what the rounds mean; see its module for the contract.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, *, write: bool, wait_seconds: float) -> None:
        self.path = path
        self.write = write
        self._connection = connection
        self._wait_seconds = wait_seconds
        self._in_transaction = False
        self._lost = False  # SQLite rolled the run's transaction back on its own: nothing more may be written
        self._vacuum = False  # personal data was deleted: compact the file after the commit
        self._schema_version = SCHEMA_VERSION

    # -- opening and closing ------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, write: bool, wait_seconds: float = 5.0) -> Self:
        path = Path(path)
        if write:
            create_private(path)
            connection = connect(path, f"{uri(path)}?mode=rw", wait_seconds)
        elif path.exists():
            connection = connect(path, f"{uri(path)}?mode=ro", wait_seconds)
        else:
            connection = connect(path, ":memory:", wait_seconds)  # a missing file is an empty history
        history = cls(path, connection, write=write, wait_seconds=wait_seconds)
        try:
            history._set_up()
            if write:
                history._begin()
            else:
                history._check_readable()
        except BaseException:
            connection.close()
            raise
        return history

    def _set_up(self) -> None:
        with self._errors():
            # Per connection, and only outside a transaction: cascades, and deleted bytes overwritten with zeros.
            self._connection.execute("PRAGMA foreign_keys = ON")
            self._connection.execute("PRAGMA secure_delete = ON")
            # 16 MiB of page cache instead of 2: recording rounds of 100,000 people inserts into the members
            # index at random places, and with the default cache SQLite spills pages to disk mid-transaction.
            self._connection.execute("PRAGMA cache_size = -16384")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Roll back anything not committed and let go of the file.

        A new history file stays, empty, when the first run fails: an empty file is an empty history, and deleting
        a database file another run may already have open is how SQLite databases get corrupted.
        """
        try:
            if self._in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._connection.execute("ROLLBACK")
                self._in_transaction = False
        finally:
            self._connection.close()

    def commit(self) -> None:
        """Make this run's writes durable; then compact the file if personal data was deleted."""
        if not self.write:
            return
        if self._in_transaction:
            with self._errors():
                self._connection.execute("COMMIT")
            self._in_transaction = False
        if self._vacuum:
            # VACUUM cannot run inside a transaction; the deletion is already durable, and secure_delete has
            # overwritten the freed cells, so this rewrites the file without the index pages that could still
            # hold copies of deleted keys.
            try:
                with self._errors():
                    self._connection.execute("VACUUM")
            except HistoryBusy:
                raise HistoryBusy(f"{self.path}: the change is saved, but another peermatch run is using this "
                                  "history, so the file was not compacted; run the same command again in a "
                                  "minute") from None
            self._vacuum = False

    # -- internals ----------------------------------------------------------------------------------------------

    def _begin(self) -> None:
        with self._errors():
            self._connection.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            self._check_writable_schema()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._connection.execute("ROLLBACK")
            self._in_transaction = False
            raise

    def _writable(self) -> None:
        if not self.write:
            raise ValueError("this history was opened read-only (write=False)")
        if self._lost:
            raise HistoryError(f"{self.path}: a change failed and SQLite undid this run's earlier changes with it; "
                               "nothing more is written in this run")
        if not self._in_transaction:  # after commit(): the next change is a new transaction under the same lock rules
            self._begin()

    def _schema_state(self) -> tuple[int, int, int]:
        (application_id,), = self._rows("PRAGMA application_id")
        (version,), = self._rows("PRAGMA user_version")
        (tables,), = self._rows("SELECT count(*) FROM sqlite_master")
        return application_id, version, tables

    def _check_writable_schema(self) -> None:
        application_id, version, tables = self._schema_state()
        if application_id == 0 and version == 0 and tables == 0:
            # A new (or empty) file: made inside the writer's transaction, so two first runs cannot both create it.
            for statement in SCHEMA:
                self._execute(statement)
            self._execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        self._check_ours(application_id, version)
        while version < SCHEMA_VERSION:
            for statement in MIGRATIONS[version]:
                self._execute(statement)
            version += 1
            self._execute(f"PRAGMA user_version = {version}")

    def _check_readable(self) -> None:
        application_id, version, tables = self._schema_state()
        if application_id == 0 and version == 0 and tables == 0:
            # An empty file (a first writer that never committed): read it as an empty history.
            self._connection.close()
            self._connection = connect(self.path, ":memory:", self._wait_seconds)
            for statement in SCHEMA:
                self._execute(statement)
            return
        self._check_ours(application_id, version)
        self._schema_version = version  # read as it is: what a later version added is taken as the migration sets it

    def _check_ours(self, application_id: int, version: int) -> None:
        if application_id != APPLICATION_ID:
            raise HistoryError(f"{self.path}: not a peermatch history (it is another SQLite database); "
                               "choose another file with --history")
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path}: this history was written by a newer peermatch (schema {version}); "
                               "upgrade peermatch to use it")
        if any(step not in MIGRATIONS for step in range(version, SCHEMA_VERSION)):
            # Marked as ours, yet at a schema no release wrote (a file edited by hand, or damaged): there is no way
            # to bring it up to date, and guessing could lose rounds.
            raise HistoryError(f"{self.path}: this history has schema version {version}, which no peermatch wrote, "
                               "so it cannot be read or brought up to date; restore it from a backup, or choose "
                               "another file with --history")

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's exceptions as one-line peermatch errors naming the file."""
        try:
            yield
        except sqlite3.Error as error:
            raise translate(self.path, error) from None

    def _rows(self, sql: str, parameters: Sequence[object] = ()) -> list[Any]:
        with self._errors():
            return self._connection.execute(sql, parameters).fetchall()

    def _execute(self, sql: str, parameters: Sequence[object] = ()) -> int:
        with self._errors():
            return self._connection.execute(sql, parameters).rowcount

    def _execute_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        with self._errors():
            self._connection.executemany(sql, rows)

    @contextlib.contextmanager
    def _all_or_nothing(self) -> Iterator[None]:
        """Changes made whole or not at all within the run's transaction: a round that fails half-way (the disk
        fills, a value SQLite refuses) leaves the history as it was, its indexes included, for the rest of the run."""
        self._writable()  # the run's transaction first: a SAVEPOINT outside one would start a plain BEGIN
        self._execute("SAVEPOINT whole")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._connection.execute("ROLLBACK TO whole")
                self._connection.execute("RELEASE whole")
            if not self._connection.in_transaction:
                # SQLite ended the whole transaction itself (a full disk, an I/O error): the run's earlier changes
                # are gone too, and a later change must not be written as if they were there.
                self._lost = True
                self._in_transaction = False
            raise
        self._execute("RELEASE whole")

    @contextlib.contextmanager
    def _adding_members(self, count: int) -> Iterator[None]:
        """Around adding ``count`` members rows, inside :meth:`_all_or_nothing`: when they are many next to the rows
        the table holds (a new history, a round larger than the rest), the person index is set aside and made
        again from the whole table after, in the same transaction, so a failure brings the index back with it."""
        (held,), = self._rows("SELECT COALESCE(MAX(rowid), 0) FROM members")  # never fewer than the rows
        rebuild = count * _REBUILD_SHARE >= held
        if rebuild:
            self._execute(MEMBERS_BY_PERSON_ASIDE)
        yield
        if rebuild:
            self._execute(MEMBERS_BY_PERSON_AGAIN)

    def _insert_many(self, into: str, row: str, rows: Iterable[tuple[object, ...]], count: int) -> None:
        """``INSERT INTO {into} VALUES {row}`` for each of the ``count`` ``rows``, many rows to a statement.

        A statement a row costs SQLite and the sqlite3 module more than its values do: the members of a million
        people took 5.9 s one row a statement, 3.6 s a hundred rows a statement.  ``row`` is the placeholders, say
        ``(?, 7, ?)``.
        """
        width = row.count("?")
        per = max(1, min(_ROWS_PER_STATEMENT, _VALUES_PER_STATEMENT // width))
        values = chain.from_iterable(rows)
        whole = count // per
        if whole:
            batch = [islice(values, whole * per * width)] * (per * width)  # one iterator, per rows at a time
            self._execute_many(f"INSERT INTO {into} VALUES {','.join([row] * per)}", zip(*batch, strict=False))
        if count % per:
            self._execute_many(f"INSERT INTO {into} VALUES {row}", zip(*[values] * width, strict=False))

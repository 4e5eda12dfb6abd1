"""The history's SQLite file itself: its schema, owner-only creation, connections, and SQLite's errors in words.

:mod:`peermatch.history.store` holds what the history means (rounds, groups, who met whom); this module holds how the
file is made and opened, so that the store reads as a store.  See :mod:`peermatch.history.store` for the contract.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from peermatch.errors import HistoryBusy, HistoryError

SCHEMA_VERSION = 2
APPLICATION_ID = 0x50654D68  # "PeMh": marks the file as a peermatch history for `file` and for us

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
    "CREATE INDEX members_by_person ON members (person_id)",
    "CREATE INDEX unmatched_by_person ON unmatched (person_id)",
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

"""What the history keeps so that a rerun's cancellations are written again: the calendar entries reruns of a
round cancelled, the people they took off entries, and when the round started.

A mixin of :class:`peermatch.history.store.History`; :mod:`peermatch.history.recording` decides what is cancelled.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from peermatch.history.file import HistoryFile


@dataclass(frozen=True)
class RecordedCancellation:
    """A calendar entry a rerun of the round cancelled, or (as ``uninvited``) took these people off; see
    :class:`peermatch.models.CancelledEntry`."""

    uid: str
    members: tuple[str, ...]
    sequence: int
    stamp: str  # UTC "2027-01-11T09:00:00Z": when it was cancelled
    starts: str  # local "2027-01-11T09:00": the start the invitation gave
    minutes: int


class Cancellations(HistoryFile):
    """Reading and recording a round's cancelled calendar entries and the people taken off its entries."""

    def cancelled_entries(self, label: str) -> list[RecordedCancellation]:
        """The calendar entries of the round ``label`` that earlier reruns cancelled, in the order recorded."""
        if self._schema_version < 3:  # a file from before they were kept, opened read-only: none
            return []
        rows = self._rows(
            """SELECT c.id, c.uid, c.sequence, c.stamp, c.starts, c.minutes, m.person_id
               FROM rounds r JOIN cancelled c ON c.round_id = r.id
               LEFT JOIN cancelled_members m ON m.cancelled_id = c.id
               WHERE r.label = ? ORDER BY c.id, m.position""", (label.strip(),))
        entries = []
        for _, group in itertools.groupby(rows, key=lambda row: row[0]):
            found = list(group)
            _, uid, sequence, stamp, starts, length, _ = found[0]
            entries.append(RecordedCancellation(uid, tuple(row[6] for row in found if row[6] is not None), sequence,
                                                stamp, starts, length))
        return entries

    def uninvited_entries(self, label: str) -> list[RecordedCancellation]:
        """The people earlier reruns of the round ``label`` took off a calendar entry that went on without them: one
        record per entry and time, its ``members`` being who was taken off then."""
        if self._schema_version < 4:  # a file from before they were kept, opened read-only: none
            return []
        entries: dict[tuple[str, int, str, str, int], list[str]] = {}
        for uid, sequence, stamp, starts, length, person_id in self._rows(
                """SELECT u.uid, u.sequence, u.stamp, u.starts, u.minutes, u.person_id
                   FROM rounds r JOIN uninvited u ON u.round_id = r.id WHERE r.label = ? ORDER BY u.rowid""",
                (label.strip(),)):
            entries.setdefault((uid, sequence, stamp, starts, length), []).append(person_id)
        return [RecordedCancellation(uid, tuple(people), sequence, stamp, starts, length)
                for (uid, sequence, stamp, starts, length), people in entries.items()]

    def round_starts(self, label: str) -> str | None:
        """When the round ``label`` was recorded to start ("2027-01-11T09:00"), or None (no round, or no date)."""
        found = self._rows("SELECT starts FROM rounds WHERE label = ?", (label.strip(),))
        return found[0][0] if found else None

    def _record_cancelled(self, label: str, cancelled: Sequence[RecordedCancellation],
                          uninvited: Sequence[RecordedCancellation]) -> None:
        """Add the round's cancelled calendar entries and who was taken off entries (the round was just recorded,
        so it has none yet)."""
        if not cancelled and not uninvited:
            return
        (round_id,), = self._rows("SELECT id FROM rounds WHERE label = ?", (label,))
        self._execute_many(
            """INSERT INTO uninvited (round_id, uid, person_id, sequence, stamp, starts, minutes)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            ((round_id, entry.uid, person_id, entry.sequence, entry.stamp, entry.starts, entry.minutes)
             for entry in uninvited for person_id in entry.members))
        (base,), = self._rows("SELECT COALESCE(MAX(id), 0) FROM cancelled")
        self._execute_many(
            "INSERT INTO cancelled (id, round_id, uid, sequence, stamp, starts, minutes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((base + n, round_id, entry.uid, entry.sequence, entry.stamp, entry.starts, entry.minutes)
             for n, entry in enumerate(cancelled, start=1)))
        self._execute_many(
            "INSERT INTO cancelled_members (cancelled_id, position, person_id) VALUES (?, ?, ?)",
            ((base + n, position, person_id)
             for n, entry in enumerate(cancelled, start=1) for position, person_id in enumerate(entry.members)))

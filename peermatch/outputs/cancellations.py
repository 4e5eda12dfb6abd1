"""Cancellation emails: one unsent ``.eml`` per calendar entry a rerun cancelled or took people off, with the
cancellation attached.

When a round is planned again, a conversation the new plan no longer has is cancelled, and people a changed
conversation no longer has are taken off its entry (see :mod:`peermatch.history.recording`).  They get a short
note saying so, with the ``METHOD:CANCEL`` calendar from :func:`peermatch.outputs.ics.cancellations` attached as
``text/calendar``, which calendar programs use to take the entry out of their calendars.  Like the introductions
(:mod:`peermatch.outputs.messages`), names are cleaned, addresses checked, and ``Date:`` and ``Message-ID:`` come
from the entry rather than the clock, so the same cancellation always gives the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator
from email.utils import format_datetime

from peermatch.models import CancelledEntry, Schedule
from peermatch.outputs.contacts import Directory, clean_multiline, parse_mailbox
from peermatch.outputs.ics import cancellations
from peermatch.outputs.messages import join_names, long_date, mailbox

CANCELLED = "has been cancelled: the round was planned again without it"
UNINVITED = "has changed, and you are no longer in it: the round was planned again"
CANCELLATION_TEXT = """\
Hello {names},

The peer-learning conversation planned for {date} {what}. The attached calendar file takes it out of your \
calendar.

If you are in another conversation this round, its introduction and invitation come on their own.

Best wishes,
{coordinator}
"""


def _text(entry: CancelledEntry, whole: bool, names: list[str], coordinator: str) -> str:
    text = CANCELLATION_TEXT.format(names=join_names(names), date=long_date(entry.starts),
                                    what=CANCELLED if whole else UNINVITED, coordinator=coordinator)
    return text.rstrip("\n") + "\n"


def message_id(entry: CancelledEntry, whole: bool) -> str:
    """The same for the same cancellation: a digest of what it is, the entry's UID and SEQUENCE."""
    key = f"{'cancelled' if whole else 'uninvited'}:{entry.uid}:{entry.sequence}"
    return f"<cancel.{hashlib.sha256(key.encode()).hexdigest()[:32]}@peermatch>"


def cancellation_emails(schedule: Schedule, *, sender: str, coordinator: str = "",
                        directory: Directory | None = None) -> Iterator[tuple[str, bytes]]:
    """``("round-01-cancelled-001.eml", message)`` for each cancelled entry sent to someone still in the roster
    with an email, and ``("round-01-uninvited-001.eml", message)`` for the people taken off an entry: an unsent
    RFC 5322 message to them, the cancellation attached.

    ``sender`` is the organiser (``"Name <address>"`` or an address), as for introductions; it is also the
    cancellation's ORGANIZER, so a blank or unusable one raises :class:`~peermatch.outputs.contacts.UnusableAddress`.
    """
    directory = directory if directory is not None else Directory(schedule.roster.people)
    sender_mailbox = mailbox(*parse_mailbox(sender))
    signature = clean_multiline(coordinator)
    for name, entry, whole, calendar in cancellations(schedule, sender, coordinator=coordinator,
                                                      directory=directory):
        members = [m for m in directory.present(entry.members) if m.address is not None]
        boundary = f"=_peermatch_{hashlib.sha256(calendar).hexdigest()[:24]}"  # "=_" is never in QP or base64
        head = (f"From: {sender_mailbox}\r\n"
                + "To: " + ",\r\n ".join(mailbox(m.name, m.address or "") for m in members) + "\r\n"
                + f"Subject: Cancelled: Peer learning conversation: {long_date(entry.starts)}\r\n"
                + f"Date: {format_datetime(entry.stamp)}\r\n"
                + f"Message-ID: {message_id(entry, whole)}\r\n"
                + "X-Unsent: 1\r\nMIME-Version: 1.0\r\n"
                + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n')
        body = _text(entry, whole, [m.name for m in members], signature).replace("\n", "\r\n").encode()
        attachment = base64.encodebytes(calendar).replace(b"\n", b"\r\n")
        yield name + ".eml", b"".join([
            head.encode(),
            f"--{boundary}\r\n".encode(),
            b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
            binascii.b2a_qp(body, istext=True), b"\r\n",
            f"--{boundary}\r\n".encode(),
            b'Content-Type: text/calendar; charset="utf-8"; method=CANCEL; name="cancellation.ics"\r\n'
            b'Content-Disposition: attachment; filename="cancellation.ics"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n",
            attachment,
            f"--{boundary}--\r\n".encode(),
        ])

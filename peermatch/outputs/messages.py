"""Introductions for a schedule: pure writers of plain-text emails, a mail-merge CSV and ``.eml`` files.

Every conversation gets a short email to all its members saying who they are meeting, when, where and what they
might talk about.  The text comes from a :class:`string.Template` with the placeholders in
:data:`peermatch.roster.templates.PLACEHOLDERS`; ``DEFAULT_INTRO_TEMPLATE`` is used unless the configuration gives
its own, and a template with a placeholder peermatch does not know is a :class:`~peermatch.errors.ConfigError`
naming it.

Names and emails come from spreadsheets.  Names are cleaned of control characters and line breaks before they go
anywhere (:func:`peermatch.outputs.ics.clean`), so a name cannot add a header to an ``.eml`` file; an email address
that is not a plain ``local@domain`` is refused with :class:`peermatch.outputs.ics.UnusableAddress`, naming the
roster row, exactly as for calendar invitations.  A person without an email is still named in the text but is not
a recipient.  Dates, ``Date:`` and ``Message-ID:`` headers come from the schedule, never the clock, so the same
schedule always gives the same bytes.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from email.utils import format_datetime
from string import Template

from peermatch.models import Round, Schedule, ScheduledGroup
from peermatch.outputs.contacts import Contact, Directory, clean, clean_multiline, parse_mailbox
from peermatch.outputs.export import csv_parts, text_cell
from peermatch.outputs.ics import file_name, local_start
from peermatch.roster.templates import check_template
from peermatch.text import and_list

DEFAULT_PROMPTS: tuple[str, ...] = (
    "Walk each other through a typical working week. What would surprise someone from outside your profession?",
    "Tell each other about a case where a hand-off between your services went wrong. "
    "What would have caught it earlier?",
    "Think of a referral or request from the other's kind of service that was hard to act on. "
    "What would have made it easier?",
    "What do you wish people in the other's profession knew before they contact your service?",
    "Talk about a decision you got wrong, or would now make differently. "
    "How did you find out, and what changed afterwards?",
    "Think of someone who used both your services. Where did they have to tell their story twice, "
    "wait too long, or fall through a gap?",
    "Which rule, form or system gets in the way of good work in your job? "
    "How do you work around it, and what would you change?",
    "Share one thing your team does well that the other could borrow, and one thing it still finds hard.",
)

DEFAULT_INTRO_TEMPLATE = """\
Hello $names,

You have been paired for a peer-learning conversation: a chance to meet a colleague at the same level from a \
different profession, and to learn how each other's work looks from the inside.

Who is in the conversation:
$members

When: $date ($duration)
Where: $location
$table

Something to start you off:
$prompt

There is nothing to prepare. Please keep the conversation confidential, and leave out anything that could \
identify a patient, client or family.

If the time does not work for you, reply to everyone on this email and agree another time between you.

Best wishes,
$coordinator
"""

# For groups (--group-size 3 to 8): the same conversation, spoken to a table rather than a pair.
DEFAULT_GROUP_PROMPTS: tuple[str, ...] = (
    "Each of you, walk the others through a typical working week. What would surprise someone from outside your "
    "profession?",
    "Take one case where a hand-off between services went wrong, and follow it round the table: "
    "where could each of your services have caught it earlier?",
    "Each of you, name a referral or request from another service at the table that was hard to act on. "
    "What would have made it easier?",
    "What do you wish the other professions at the table knew before they contact your service?",
    "Talk about a decision you got wrong, or would now make differently. "
    "How did you find out, and what changed afterwards?",
    "Think of someone who used several of your services. Where did they have to tell their story twice, "
    "wait too long, or fall through a gap?",
    "Which rule, form or system gets in the way of good work in your job? "
    "How do you work around it, and what would you change?",
    "Each of you, share one thing your team does well that the others could borrow, and one thing it still finds "
    "hard.",
)

DEFAULT_GROUP_INTRO_TEMPLATE = DEFAULT_INTRO_TEMPLATE.replace(
    "You have been paired for a peer-learning conversation: a chance to meet a colleague at the same level from a "
    "different profession,",
    "You have been grouped for a peer-learning conversation: a chance to meet colleagues at the same level from "
    "different professions,")

NO_LOCATION = "to be arranged between you"
NO_PROMPT = "Whatever would help each of you understand the other's work."

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_BLANK_LINES = re.compile(r"\n{3,}")


def join_names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return and_list(names)


def long_date(moment: datetime) -> str:
    """``Monday 11 January 2027 at 09:00``, in English whatever the machine's locale."""
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year} at {moment:%H:%M}"


def duration_text(minutes: int) -> str:
    """``45 minutes``, ``1 hour``, ``1 hour 30 minutes``."""
    hours, rest = divmod(minutes, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + (
        [f"{rest} minute{'s' if rest != 1 else ''}"] if rest or not hours else [])
    return " ".join(parts)


def subject(round_: Round) -> str:
    return f"Peer learning conversation: {long_date(local_start(round_))}"


def _tidy_body(text: str) -> str:
    """No trailing spaces, at most one blank line in a row (a blank ``$table`` leaves no gap), one final newline."""
    lines = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", lines).strip("\n") + "\n"


_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_WORD_BYTES = 45  # UTF-8 bytes in one encoded word: 60 base64 characters, 72 with its markers (RFC 2047: 75)
INTRO_COLUMNS = ("round", "date", "group", "to", "names", "subject", "body")
HEADERS_AFTER_DATE = ("X-Unsent: 1\r\n"  # Outlook opens the file as a draft, ready to send
                      'Content-Type: text/plain; charset="utf-8"\r\n'
                      "Content-Transfer-Encoding: quoted-printable\r\n"
                      "MIME-Version: 1.0\r\n\r\n")


def mailbox(name: str, address: str) -> str:
    """``Name <address>`` as an RFC 5322 header writes it: plain, quoted, or in RFC 2047 encoded words.

    ``name`` is cleaned (no line breaks) and ``address`` checked, so neither can add a header.
    """
    if not name:
        return address
    if _ATOM.fullmatch(name):
        return f"{name} <{address}>"
    if name.isascii():
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{address}>'
    words, data = [], name.encode()
    while data:
        end = min(len(data), _WORD_BYTES)
        while end < len(data) and data[end] & 0xC0 == 0x80:  # never split a character between two words
            end -= 1
        words.append(f"=?utf-8?b?{binascii.b2a_base64(data[:end], newline=False).decode()}?=")
        data = data[end:]
    # Folded between words, and before the address when it would make the line longer than 78 characters.
    return "\r\n ".join(words) + (" " if len(words[-1]) + len(address) <= 74 else "\r\n ") + f"<{address}>"


def _template_parts(template: Template) -> list[tuple[bool, str]]:
    """The checked template as (is a placeholder, text) parts, filled by a join rather than a regex a message."""
    parts: list[tuple[bool, str]] = []
    text, last = template.template, 0
    for found in template.pattern.finditer(text):
        parts.append((False, text[last:found.start()]))
        name = found.group("named") or found.group("braced")
        parts.append((name is not None, name or template.delimiter))  # otherwise an escaped $$
        last = found.end()
    parts.append((False, text[last:]))
    return parts


class _Introductions:
    """Makes each conversation's text and message; what a round or a person adds is made once."""

    def __init__(self, schedule: Schedule, template: str | Template, coordinator: str,
                 directory: Directory | None) -> None:
        self.schedule = schedule
        self.template = template if isinstance(template, Template) else check_template(template)
        self.directory = directory if directory is not None else Directory(schedule.roster.people)
        self.fixed = {"duration": duration_text(schedule.duration_minutes),
                      "location": clean(schedule.location) or NO_LOCATION,
                      "coordinator": clean_multiline(coordinator)}
        self.parts = _template_parts(self.template)
        self._round: tuple[Round, str, str, str, str] | None = None
        self._mailboxes: dict[str, str] = {}

    def round_parts(self, round_: Round) -> tuple[str, str, str, str]:
        """The round's date, prompt, subject and Date header."""
        if self._round is None or self._round[0] is not round_:
            moment = local_start(round_)
            self._round = (round_, long_date(moment), clean_multiline(round_.prompt) or NO_PROMPT, subject(round_),
                           format_datetime(moment))
        return self._round[1:]

    def text(self, round_: Round, group: ScheduledGroup, members: list[Contact]) -> str:
        when, prompt, _, _ = self.round_parts(round_)
        values = self.fixed | {"names": join_names([m.name for m in members]),
                               "members": "\n".join(f"- {m.line}" for m in members), "date": when, "prompt": prompt,
                               "table": f"Table {group.table}" if group.table is not None else ""}
        return _tidy_body("".join(values[text] if named else text for named, text in self.parts))

    def mailbox(self, member: Contact) -> str:
        text = self._mailboxes.get(member.person.id)
        if text is None:
            text = self._mailboxes[member.person.id] = mailbox(member.name, member.address or "")
        return text

    def message(self, round_: Round, group: ScheduledGroup, sender: str, members: list[Contact] | None = None,
                text: str | None = None) -> bytes:
        """The ``.eml`` file; ``members`` and ``text`` when the introductions CSV has already made them."""
        members = self.directory.members(group.members) if members is None else members
        _, _, title, date = self.round_parts(round_)
        recipients = ",\r\n ".join(self.mailbox(m) for m in members if m.address is not None)
        head = (f"From: {sender}\r\n" + (f"To: {recipients}\r\n" if recipients else "")
                + f"Subject: {title}\r\nDate: {date}\r\n"
                + f"Message-ID: {message_id(group)}\r\n" + HEADERS_AFTER_DATE)
        body = (self.text(round_, group, members) if text is None else text).replace("\n", "\r\n").encode()
        return head.encode() + binascii.b2a_qp(body, istext=True)


def intro_text(schedule: Schedule, round_: Round, group: ScheduledGroup, template: str | Template,
               coordinator: str = "") -> str:
    """The introduction for one conversation, from ``template`` (text or a checked :class:`Template`)."""
    intros = _Introductions(schedule, template, coordinator, None)
    return intros.text(round_, group, intros.directory.members(group.members))


def intros_csv_parts(schedule: Schedule, template: str, coordinator: str = "", *,
                     directory: Directory | None = None, sender: str | None = None,
                     email: Callable[[str, bytes], None] | None = None) -> Iterator[bytes]:
    """:func:`intros_csv` a chunk of rows at a time, for writing a large file without holding it.

    With ``email``, also hands it each conversation's ``(file name, message)`` from ``sender`` as :func:`emails`
    makes them, so a run writing both makes each introduction's text once.
    """
    intros = _Introductions(schedule, template, coordinator, directory)
    sender_mailbox = mailbox(*parse_mailbox(sender)) if email is not None else ""

    def lines() -> Iterator[str]:
        for round_ in schedule.rounds:
            _, _, title, _ = intros.round_parts(round_)
            start = f"{round_.number},{text_cell(f'{local_start(round_):%Y-%m-%d %H:%M}')}"
            title_cell = text_cell(title)
            for number, group in enumerate(round_.groups, start=1):
                members = intros.directory.members(group.members)
                to = "; ".join(m.address for m in members if m.address is not None)
                names = join_names([m.name for m in members])
                body = intros.text(round_, group, members)
                if email is not None:
                    email(file_name(round_, number, "eml"), intros.message(round_, group, sender_mailbox, members,
                                                                           body))
                yield f"{start},{number},{text_cell(to)},{text_cell(names)},{title_cell},{text_cell(body)}"

    return csv_parts(INTRO_COLUMNS, lines())


def intros_csv(schedule: Schedule, template: str, coordinator: str = "", *,
               directory: Directory | None = None) -> bytes:
    """One row per conversation (round, date, group, to, names, subject, body) for a mail merge: a formula-safe
    UTF-8 CSV with BOM."""
    return b"".join(intros_csv_parts(schedule, template, coordinator, directory=directory))


def message_id(group: ScheduledGroup) -> str:
    """A Message-ID that is the same for the same conversation: a digest of its calendar UID."""
    return f"<intro.{hashlib.sha256(group.uid.encode()).hexdigest()[:32]}@peermatch>"


def emails(schedule: Schedule, template: str, *, sender: str, coordinator: str = "",
           directory: Directory | None = None) -> Iterator[tuple[str, bytes]]:
    """``("round-01-group-003.eml", message)``, one unsent RFC 5322 introduction per conversation, in schedule
    order, one at a time; each is addressed to every member with an email."""
    intros = _Introductions(schedule, template, coordinator, directory)
    sender_mailbox = mailbox(*parse_mailbox(sender))
    for round_ in schedule.rounds:
        for number, group in enumerate(round_.groups, start=1):
            yield file_name(round_, number, "eml"), intros.message(round_, group, sender_mailbox)


def eml_files(schedule: Schedule, template: str, *, sender: str, coordinator: str = "",
              directory: Directory | None = None) -> dict[str, bytes]:
    """``{"round-01-group-003.eml": message, ...}``, one introduction per conversation, in schedule order."""
    return dict(emails(schedule, template, sender=sender, coordinator=coordinator, directory=directory))

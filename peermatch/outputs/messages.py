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

import hashlib
import re
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from string import Template
from typing import Any

import pandas as pd

from peermatch.models import Round, Schedule, ScheduledGroup
from peermatch.outputs.export import csv_bytes
from peermatch.outputs.ics import (
    clean,
    clean_multiline,
    display_name,
    file_name,
    local_start,
    member_line,
    members_of,
    parse_mailbox,
    person_address,
)
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


def intro_text(schedule: Schedule, round_: Round, group: ScheduledGroup, template: str | Template,
               coordinator: str = "") -> str:
    """The introduction for one conversation, from ``template`` (text or a checked :class:`Template`)."""
    checked = template if isinstance(template, Template) else check_template(template)
    members = members_of(schedule, group)
    values = {
        "names": join_names([display_name(p) for p in members]),
        "members": "\n".join(f"- {member_line(p)}" for p in members),
        "date": long_date(local_start(round_)),
        "duration": duration_text(schedule.duration_minutes),
        "prompt": clean_multiline(round_.prompt) or NO_PROMPT,
        "table": f"Table {group.table}" if group.table is not None else "",
        "location": clean(schedule.location) or NO_LOCATION,
        "coordinator": clean_multiline(coordinator),
    }
    return _tidy_body(checked.substitute(values))


def _recipients(schedule: Schedule, group: ScheduledGroup) -> list[tuple[str, str]]:
    """(name, checked address) for each member with an email, in group order."""
    pairs = [(display_name(p), person_address(p)) for p in members_of(schedule, group)]
    return [(name, address) for name, address in pairs if address is not None]


def intros_frame(schedule: Schedule, template: str, coordinator: str = "") -> pd.DataFrame:
    """One row per conversation: round, date, group, to, names, subject, body (for a mail merge)."""
    checked = check_template(template)
    rows: list[dict[str, Any]] = []
    for round_ in schedule.rounds:
        for number, group in enumerate(round_.groups, start=1):
            rows.append({
                "round": round_.number,
                "date": f"{local_start(round_):%Y-%m-%d %H:%M}",
                "group": number,
                "to": "; ".join(address for _, address in _recipients(schedule, group)),
                "names": join_names([display_name(p) for p in members_of(schedule, group)]),
                "subject": subject(round_),
                "body": intro_text(schedule, round_, group, checked, coordinator),
            })
    columns = ["round", "date", "group", "to", "names", "subject", "body"]
    return pd.DataFrame(rows, columns=columns)


def intros_csv(schedule: Schedule, template: str, coordinator: str = "") -> bytes:
    """:func:`intros_frame` as a formula-safe UTF-8 CSV with BOM."""
    return csv_bytes(intros_frame(schedule, template, coordinator), numeric=("round", "group"))


def message_id(group: ScheduledGroup) -> str:
    """A Message-ID that is the same for the same conversation: a digest of its calendar UID."""
    return f"<intro.{hashlib.sha256(group.uid.encode()).hexdigest()[:32]}@peermatch>"


def intro_message(schedule: Schedule, round_: Round, group: ScheduledGroup, template: str | Template, *,
                  sender: str, coordinator: str = "") -> EmailMessage:
    """One introduction as an unsent RFC 5322 message addressed to every member with an email."""
    sender_name, sender_address = parse_mailbox(sender)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(display_name=sender_name, addr_spec=sender_address)
    recipients = _recipients(schedule, group)
    if recipients:
        message["To"] = [Address(display_name=name, addr_spec=address) for name, address in recipients]
    message["Subject"] = subject(round_)
    message["Date"] = format_datetime(local_start(round_))
    message["Message-ID"] = message_id(group)
    message["X-Unsent"] = "1"  # Outlook opens the file as a draft, ready to send
    message.set_content(intro_text(schedule, round_, group, template, coordinator), cte="quoted-printable")
    return message


def eml_files(schedule: Schedule, template: str, *, sender: str, coordinator: str = "") -> dict[str, bytes]:
    """``{"round-01-group-003.eml": message, ...}``, one introduction per conversation, in schedule order."""
    checked = check_template(template)
    return {
        file_name(round_, number, "eml"): intro_message(
            schedule, round_, group, checked, sender=sender, coordinator=coordinator).as_bytes()
        for round_ in schedule.rounds for number, group in enumerate(round_.groups, start=1)
    }

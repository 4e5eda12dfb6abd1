"""The schedule's tables: one row per person per round for mail merge, one row per group, and its JSON.

Six rounds of 100,000 people make 600,000 mail-merge rows: each is written straight out as text, with every cell
escaped as :mod:`peermatch.outputs.export` escapes it, and the cells that repeat made once per person.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from peermatch.models import CancelledEntry, Schedule
from peermatch.outputs.export import (
    MEMBER_FIELDS,
    cell,
    csv_document,
    escape_formula,
    joined_cells,
    json_text,
    member_cells,
    text_cell,
)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


SCHEDULE_PEOPLE_COLUMNS = ["id", "name", "email", "round", "round_label", "starts", "group", "table",
                           "partner_names", "partner_emails", "partner_professions", "partner_organisations",
                           "prompt"]


def schedule_people_csv(schedule: Schedule) -> bytes:
    """One row per person per round, for mail merge.

    600,000 rows for six rounds of 100,000 people: each is written straight out as text, and the cells that
    repeat (a person's own, and what they add to a partner's row) are made once per person.
    """
    roster = schedule.roster.people
    people = {p.id: p for p in roster}
    ids = [p.id for p in roster]
    own = dict(zip(ids, joined_cells([p.id for p in roster], [p.name for p in roster], [p.email for p in roster]),
                   strict=True))
    as_partner = dict(zip(ids, joined_cells([p.name or p.id for p in roster], [p.email for p in roster],
                                             [p.profession for p in roster], [p.organisation for p in roster]),
                          strict=True))
    no_partner = cell(escape_formula("no partner this round"))

    def partner_cells(members: Sequence[str], member: str) -> str:
        if len(members) == 2:
            return as_partner[members[1] if members[0] == member else members[0]]
        partners = [people[m] for m in members if m != member]
        return ",".join(cell(escape_formula(value)) for value in (
            "; ".join(p.name or p.id for p in partners), "; ".join(p.email for p in partners if p.email),
            "; ".join(p.profession for p in partners), "; ".join(p.organisation for p in partners)))

    def lines() -> Iterator[str]:
        for rnd in schedule.rounds:
            when = f"{rnd.number},{cell(escape_formula(rnd.label))},{cell(escape_formula(_when(rnd.starts)))}"
            prompt = cell(escape_formula(rnd.prompt))
            for number, group in enumerate(rnd.groups, start=1):
                table = "" if group.table is None else group.table
                for member in group.members:
                    yield f"{own[member]},{when},{number},{table},{partner_cells(group.members, member)},{prompt}"
            for member in rnd.unmatched:
                yield f"{own[member]},{when},,,,,,,{no_partner}"

    return csv_document(SCHEDULE_PEOPLE_COLUMNS, lines())


def schedule_groups_frame(schedule: Schedule) -> pd.DataFrame:
    """One row per group per round, members side by side."""
    people = {p.id: p for p in schedule.roster.people}
    width = max((len(g.members) for r in schedule.rounds for g in r.groups), default=2)
    rows: list[dict[str, Any]] = []
    for rnd in schedule.rounds:
        for number, group in enumerate(rnd.groups, start=1):
            row: dict[str, Any] = {"round": rnd.number, "round_label": rnd.label, "starts": _when(rnd.starts),
                                   "group": number, "table": group.table, "score": group.score,
                                   "reasons": " | ".join(group.reasons), "prompt": rnd.prompt, "uid": group.uid}
            for k in range(width):
                member = people[group.members[k]] if k < len(group.members) else None
                for name in MEMBER_FIELDS:
                    row[f"member_{k + 1}_{name}"] = "" if member is None else str(getattr(member, name))
            rows.append(row)
    columns = ["round", "round_label", "starts", "group", "table", "score", "reasons", "prompt", "uid"] + [
        f"member_{k + 1}_{name}" for k in range(width) for name in MEMBER_FIELDS]
    frame = pd.DataFrame(rows, columns=columns)
    frame["table"] = frame["table"].astype("Int64")
    return frame


SCHEDULE_GROUP_COLUMNS = ["round", "round_label", "starts", "group", "table", "score", "reasons", "prompt", "uid"]


def schedule_groups_csv(schedule: Schedule) -> bytes:
    """:func:`schedule_groups_frame` as a formula-safe CSV, in the bytes :func:`csv_bytes` writes for it.

    300,000 rows for six rounds of 100,000 people: written straight out as text, each person's cells made once.
    """
    width = max((len(g.members) for r in schedule.rounds for g in r.groups), default=2)
    members = dict(zip([p.id for p in schedule.roster.people], member_cells(schedule.roster.people), strict=True))
    padding = ["," * len(MEMBER_FIELDS) * (width - size) for size in range(width + 1)]
    header = SCHEDULE_GROUP_COLUMNS + [f"member_{k + 1}_{name}" for k in range(width) for name in MEMBER_FIELDS]

    def lines() -> Iterator[str]:
        reasons: dict[tuple[str, ...], str] = {}
        for rnd in schedule.rounds:
            when = f"{rnd.number},{text_cell(rnd.label)},{text_cell(_when(rnd.starts))}"
            prompt = text_cell(rnd.prompt)
            for number, group in enumerate(rnd.groups, start=1):
                why = reasons.get(group.reasons)
                if why is None:
                    why = reasons[group.reasons] = text_cell(" | ".join(group.reasons))
                table = "" if group.table is None else group.table
                cells = ",".join([members[member] for member in group.members])
                yield (f"{when},{number},{table},{group.score},{why},{prompt},{text_cell(group.uid)},{cells}"
                       f"{padding[len(group.members)]}")

    return csv_document(header, lines())


def schedule_dict(schedule: Schedule) -> dict[str, Any]:
    """The documented JSON shape of ``peermatch schedule --format json``."""
    return {
        "rounds": [
            {
                "round": rnd.number,
                "label": rnd.label,
                "starts": _when(rnd.starts),
                "prompt": rnd.prompt,
                "groups": [{"members": list(g.members), "score": g.score, "reasons": list(g.reasons),
                            "table": g.table} for g in rnd.groups],
                "unmatched": list(rnd.unmatched),
                "unmatched_reasons": dict(rnd.unmatched_reasons),
                # Calendar entries of earlier plans of the round: cancelled, or cancelled for the people taken off.
                "cancelled": [_entry_dict(entry) for entry in rnd.cancelled],
                "uninvited": [_entry_dict(entry) for entry in rnd.uninvited],
            }
            for rnd in schedule.rounds
        ],
        "summary": schedule.summary | {"professions_met_by_person": schedule.professions_met},
    }


def _entry_dict(entry: CancelledEntry) -> dict[str, Any]:
    return {"uid": entry.uid, "members": list(entry.members), "sequence": entry.sequence}


def schedule_json(schedule: Schedule) -> str:
    return json_text(schedule_dict(schedule))

"""The placeholders an introduction email may use, and the check that a configured template uses only them.

It lives with the configuration because a template with a typo must be refused when the config is read,
before anything is planned; ``peermatch.outputs.messages`` fills the template in.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from string import Template

from peermatch.errors import ConfigError

PLACEHOLDERS: Mapping[str, str] = {
    "names": "every member's name: 'A, B and C'",
    "members": "a line per member: name, profession, organisation",
    "date": "'Monday 11 January 2027 at 09:00'",
    "duration": "'45 minutes'",
    "prompt": "the round's conversation prompt",
    "table": "'Table 4' at an event, otherwise blank",
    "location": "the place, or 'to be arranged between you'",
    "coordinator": "the coordinator who signs the email",
}


def check_template(text: str) -> Template:
    """The template, or a :class:`ConfigError` naming each unknown placeholder (and a lone ``$``)."""
    template = Template(text)
    if not template.is_valid():
        raise ConfigError("schedule.intro_template: a '$' starts no placeholder; write $$ for a dollar sign, "
                          "or use one of " + _known())
    unknown = sorted(set(template.get_identifiers()) - set(PLACEHOLDERS))
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, PLACEHOLDERS, n=1)
            hints.append(f"${name}" + (f" (did you mean ${close[0]}?)" if close else ""))
        raise ConfigError(f"schedule.intro_template: unknown placeholder{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(hints)}; the placeholders are {_known()}")
    return template


def _known() -> str:
    return ", ".join(f"${name}" for name in PLACEHOLDERS)

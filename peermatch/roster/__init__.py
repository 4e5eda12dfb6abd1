"""Reading what a coordinator has: a roster file becomes a :class:`peermatch.models.Roster`, a ``peermatch.toml``
a :class:`~peermatch.roster.config.Config`.

Owns decoding and splitting files (``cells``), recognising columns and normalising people (``reading``), grades and
the ladders that order them (``levels``), pairs who must never meet (``exclusions``), the configuration and its
commented template (``config``, ``config_template``, ``templates``).

May import: ``peermatch.models``, ``peermatch.errors``, ``peermatch.text``. Nothing here knows about matching, the
history, outputs or the terminal.
"""

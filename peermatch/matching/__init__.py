"""Who may meet whom, and the best way to seat them: the candidate graph and its scores (``graph``, ``scoring``),
the solvers (``solve`` picks ``exact`` or ``fast``), one pairing (``pairing``), rounds over a programme
(``schedule``), and the logic behind ``check`` (``checking``, with ``check_levels``, ``check_people`` and
``check_findings``) and ``explain`` (``explain``).

Each rule has one definition here that every command calls: who can partner whom, the score of a pair, and the
most ideal pairs a roster can hold.

May import: ``peermatch.roster`` and the top-level ``models``, ``errors`` and ``text``. It returns values and never
prints, reads the history or writes files: the caller passes in who has met.
"""

"""The SQLite store of past rounds: who was grouped with whom, who met, feedback, and erasure of a person.

``store`` is the :class:`~peermatch.history.store.History` API; ``file`` creates, migrates and locks the file and
runs its transactions; ``rows`` parses the spreadsheets a coordinator imports (feedback, past pairings);
``recording`` turns a pairing or a schedule into rows to store, and decides which calendar entries a rerun cancels;
``cancellations`` keeps those.

May import: ``peermatch.roster`` and the top-level ``models``, ``errors`` and ``text``; never ``peermatch.matching``
(the solvers are told who has met; the store records plain values). It writes only its own database, in one
transaction at a time.
"""

"""Pure writers: values in, bytes out. CSV and JSON (``export``), calendars (``ics``), introduction emails and
mail merges (``messages``), the programme report's numbers (``report``) and its HTML page (``report_html``).

Every text that came from a roster is cleaned before it reaches a cell, a calendar or an email. ``export`` also
owns writing a file atomically, so that a crash never leaves half of one.

May import: ``peermatch.history`` (the report reads it), ``peermatch.matching``, ``peermatch.roster`` and the
top-level ``models``, ``errors`` and ``text``. Never the terminal.
"""

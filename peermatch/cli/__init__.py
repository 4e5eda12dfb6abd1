"""The ``peermatch`` command: typer commands that parse options, call the core and hand its values to a renderer.

``app`` holds the typer application and ``pair``; each other command has a module of its own (``check``,
``explain``, ``schedule``, ``history``, ``report``, ``init``) and ``common`` the options they share. The
``render*`` modules are the only code in peermatch that imports rich.

May import every other package. Nothing imports it.
"""

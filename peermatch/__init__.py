"""peermatch: pair staff for cross-professional peer learning.

The library is usable on its own; the ``peermatch`` command is a thin wrapper
over :func:`peermatch.matching.pairing.pair`.
"""

__version__ = "0.1.0"

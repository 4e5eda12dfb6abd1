"""Python's cycle collector, paused while peermatch makes a whole roster's worth of objects."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block (usable as a decorator); it runs again after, if it ran before.

    Making a million people, pairs or rows, the collector would otherwise start again and again and look through
    every object made so far: three quarters of the time spent making a million people, over a second of pairing
    100,000.  They form no cycles, and reference counting still frees memory as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

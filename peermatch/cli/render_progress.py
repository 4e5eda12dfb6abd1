"""A progress bar for the long steps of a run, on a terminal only.

A roster of 100,000 people takes seconds to read, pair and write, and a
programme of several rounds much longer: the bar tells a coordinator that
peermatch is working and which step it is on.  It goes to stderr, so it
never mixes with tables or JSON on stdout, and it is left out entirely when
stderr is not a terminal (cron, pipes, CI logs) or with ``--quiet``.

The bar counts *units* of work that the command declares up front (one for
reading, one per round planned, ...); a step can report progress within
itself through the callback :meth:`Progress.step` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

StepReport = Callable[[int, int], None]  # (done, total) within the current step


class Progress:
    """Stages of one command; a no-op unless shown on a terminal."""

    def __init__(self, console: Console, units: float, *, show: bool = True) -> None:
        self._units = units
        self._done = 0.0
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None
        if show and console.is_terminal:
            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                                     console=console, transient=True)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._task = self._bar.add_task("", total=self._units)
            self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def step(self, description: str, units: float = 1) -> StepReport:
        """Start a step worth ``units``; the callback it returns moves the bar within the step."""
        start = self._done
        self._done = min(self._units, start + units)
        self._update(description, start)

        def report(done: int, total: int) -> None:
            self._update(description, start + units * min(done, total) / max(total, 1))

        return report

    def _update(self, description: str, completed: float) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=description, completed=completed)
            # Steps are few and some take seconds: draw each at once rather than at the next tick.
            self._bar.refresh()

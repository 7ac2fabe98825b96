"""The current request's deadline, as the database drivers read it: each request sets it once
(bounds.Deadline), and every read started under it stops when it passes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("jobgraph_deadline", default=None)

SQLITE_PROGRESS_STEPS = 10_000
"""SQLite virtual-machine steps between two looks at the clock (well under a millisecond)."""


@contextmanager
def deadline_after(seconds: float) -> Iterator[None]:
    """Work done in this block (and in the tasks it starts) must end within `seconds`."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline() -> float | None:
    """When the current request must be done (time.monotonic()); None outside a request."""
    return _deadline.get()


def remaining() -> float | None:
    """Seconds left before the deadline (0 once passed); None without a deadline."""
    at = _deadline.get()
    return None if at is None else max(0.0, at - time.monotonic())


def sqlite_stopper(at: float) -> Callable[[], int]:
    """A SQLite progress handler that stops the statement once `at` has passed."""

    def passed() -> int:
        return 1 if time.monotonic() > at else 0

    return passed

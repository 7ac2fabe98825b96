"""Ordered, bounded fan-out to helper processes for the CPU-bound half of imports and seeds.

The event loop's process writes; helpers parse or generate. Results come back in task
order, at most `depth` tasks are in flight (memory stays flat), and the pool is shut down
whether the caller finishes, fails or is cancelled (Ctrl-C); helpers also end on their own
when the caller is killed. With no helper processes the
tasks run in the calling process, one by one, with the same results.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

PARALLEL_MIN_JOBS = 20_000
"""Below about this many jobs, starting a helper process costs more than it saves."""


def default_processes() -> int:
    """Helper processes for a large import or seed: one per core, at most four, none on one core.

    The writer spends much of its time inside SQLite or the network driver, so on two cores
    two helpers and the writer keep both busy (measured: 1M jobs imported in 30 s, against
    36 s with one helper).
    """
    cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, 4)


PARENT_CHECK_SECONDS = 0.2


def _exit_with(parent: int) -> None:
    """End this helper as soon as `parent` is no longer its parent: the writer died, even by
    kill -9, which leaves it no chance to shut the pool down."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _start_helper(parent: int) -> None:
    # Ctrl-C reaches the whole process group; the writer process alone decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    # Helpers build acyclic rows and live for one import: the cycle collector would only
    # rescan the rows in flight, a few microseconds a row.
    gc.disable()


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cycle collector off for a bulk load in this process, as it was afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def ordered_map(
    function: Callable[[Task], Result],
    tasks: Iterable[Task],
    *,
    processes: int,
    depth: int | None = None,
) -> AsyncGenerator[Result, None]:
    """`function(task)` for each task, in order; in `processes` spawned helpers when > 0.

    Close the generator (contextlib.aclosing) to stop early: pending tasks are cancelled and
    the helpers exit before the close returns. `function` and the tasks must pickle.
    """
    if processes <= 0:
        for task in tasks:
            yield function(task)
        return
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_helper,
        initargs=(os.getpid(),),
    )
    pending: deque[asyncio.Future[Result]] = deque()
    limit = depth if depth is not None else 2 * processes + 1
    try:
        for task in tasks:
            pending.append(loop.run_in_executor(pool, function, task))
            if len(pending) >= limit:
                yield await pending.popleft()
        while pending:
            yield await pending.popleft()
    finally:
        for future in pending:
            if future.done() and not future.cancelled():
                future.exception()  # retrieved, so it is not reported as lost
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)

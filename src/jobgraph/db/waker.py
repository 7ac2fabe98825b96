"""One waker per worker: knows how far the change log can be read, and wakes the subscribers
waiting for more. PostgreSQL: one LISTEN connection (the triggers NOTIFY). SQLite: one poller
reading the log's end every `poll_seconds`. Subscribers never poll the database themselves."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Hashable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from jobgraph.db import changes
from jobgraph.db.changes import Position
from jobgraph.db.engine import Database

logger = logging.getLogger(__name__)

READS_AT_ONCE = 8  # subscribers' distinct reads in flight at once, under the pool's size
RETRY_SECONDS = 1.0  # after the database failed to answer
SAFETY_SECONDS = 5.0  # PostgreSQL: the frontier is read at least this often (a lost NOTIFY)


class ChangeWaker:
    """`frontier` is the last readable position seen; `wait_beyond` returns once it is past
    a subscriber's position (or the waker stops). Also counts the worker's subscriptions."""

    def __init__(self, db: Database, url: str, poll_seconds: float, max_subscriptions: int) -> None:
        self.db = db
        self.frontier = changes.START
        self.max_subscriptions = max_subscriptions
        self.subscriptions = 0
        self._url = url
        self._poll_seconds = poll_seconds
        self._moved = asyncio.Condition()
        self._notified = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        # Reads shared by subscribers that ask the same thing after the same move of the
        # frontier (query/changes.py); emptied when it moves. A few at a time reach the pool.
        self.shared: dict[Hashable, asyncio.Future[Any]] = {}
        self.reads = asyncio.Semaphore(READS_AT_ONCE)

    async def start(self) -> None:
        """Read the frontier once, then keep it current in a task of its own."""
        self._stopped = False
        self._notified.clear()
        await self._refresh()
        loop = self._listen if self.db.dialect == "postgresql" else self._poll
        self._task = asyncio.create_task(loop(), name="jobgraph change waker")

    async def stop(self) -> None:
        self._stopped = True  # the loops also check it: they end even if a cancel is lost
        self._notified.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])  # a cancel of stop() itself still propagates
        async with self._moved:
            self._moved.notify_all()

    async def wait_beyond(self, position: Position) -> bool:
        """Wait until the frontier passes `position`; False when the waker stopped."""
        async with self._moved:
            await self._moved.wait_for(lambda: self._stopped or self.frontier > position)
        return not self._stopped

    def take_subscription(self) -> bool:
        """Count one more subscription, unless the worker serves as many as it may."""
        if self.subscriptions >= self.max_subscriptions:
            return False
        self.subscriptions += 1
        return True

    def release_subscription(self) -> None:
        self.subscriptions -= 1

    async def _refresh(self) -> bool:
        """Read the frontier and wake the waiting subscribers if it moved; returns whether
        committed changes are still held back (PostgreSQL: an older transaction runs)."""
        async with self.db.read() as conn:
            found = await changes.frontier(conn)
            held_back = await changes.has_unreadable(conn)
        if found > self.frontier:
            self.frontier = found
            self.shared = {}
            async with self._moved:
                self._moved.notify_all()
        return held_back

    async def _poll(self) -> None:
        while not self._stopped:
            try:
                await self._refresh()
            except Exception:  # an outage must not end the waker; it retries
                logger.warning("could not read the change log", exc_info=True)
            await asyncio.sleep(self._poll_seconds)

    async def _listen(self) -> None:
        dsn = make_url(self._url).set(drivername="postgresql").render_as_string(False)
        while not self._stopped:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(dsn)
                await connection.add_listener(changes.CHANNEL, self._on_notify)
                await self._follow(connection)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                logger.warning("change listener lost its connection; reconnecting", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
            finally:
                if connection is not None:
                    with contextlib.suppress(Exception):
                        async with asyncio.timeout(RETRY_SECONDS):
                            await connection.close()

    async def _follow(self, connection: asyncpg.Connection) -> None:
        """Refresh on each NOTIFY; soon again while changes are held back; now and then in
        any case; return when the connection is lost."""
        held_back = await self._refresh()  # what committed while no one listened
        while not connection.is_closed() and not self._stopped:
            timeout = self._poll_seconds if held_back else SAFETY_SECONDS
            # asyncio.timeout, not wait_for: on Python 3.11, wait_for drops a cancel that
            # arrives as the wait ends, and stop() would then wait for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._notified.wait()
            self._notified.clear()
            held_back = await self._refresh()

    def _on_notify(self, *_args: object) -> None:
        self._notified.set()

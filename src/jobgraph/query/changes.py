"""The change feed: what a subscriber receives. The log read after a change cursor, joined to
the rows as they are now and kept when the filter (query/where.py, the same meaning as in
`jobs` and `batches`) matches them within the caller's scope.

Semantics, per change of the log:
- INSERT and UPDATE are delivered with the row as it is when the change is read, when that row
  matches the filter. A row that no longer exists is not delivered for them (its DELETE is).
  A row that left the filter (say `statuses: [RUNNING]` and it is now DONE) is not delivered:
  the filter means what it means in `jobs`, read now.
- DELETE: the row is gone, so only what the log kept can be matched: it is delivered when its
  project is in the caller's scope and the filter's `ids`, `idStartsWith`, `batchIds` (jobs)
  and `projectIds` (at the top level and in `and`) allow it. Other fields, and `or`/`not`,
  are not evaluated for a DELETE: a client watching by status gets every DELETE of its ids,
  batches and projects, with the row null.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy import select

from jobgraph.db import changes as log
from jobgraph.db.changes import LoggedChange, Position
from jobgraph.db.engine import Database
from jobgraph.db.waker import ChangeWaker
from jobgraph.query.paging import Entity, Row
from jobgraph.query.reads import BATCHES, JOBS
from jobgraph.query.spec import (
    BatchFilterSpec,
    FilterSpec,
    InvalidQueryError,
    InvalidValueError,
    JobFilterSpec,
    Prefix,
    shown,
)

CURSOR_KIND = "change"


class ExpiredCursorError(InvalidQueryError):
    """A change cursor from before the log's horizon: those changes were pruned."""


class SlowSubscriberError(RuntimeError):
    """The subscriber did not take its changes fast enough; `cursor` is where to resume."""

    def __init__(self, cursor: str, seconds: float) -> None:
        super().__init__(
            f"This subscription fell too far behind (its queue stayed full for {seconds:g} s) "
            f"and was closed; nothing is lost: subscribe again with `after: {json.dumps(cursor)}`."
        )
        self.cursor = cursor


class TooManySubscriptionsError(RuntimeError):
    """The worker serves as many subscriptions as it may."""


def encode_cursor(position: Position) -> str:
    """An opaque change cursor (base64 of the log position)."""
    raw = json.dumps([CURSOR_KIND, position.xid, position.seq], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, argument: str = "after") -> Position:
    """The log position of a change cursor; InvalidValueError for anything else."""
    problem = f"is not a change cursor: {shown(cursor)}; pass a `cursor` of a change"
    try:
        kind, xid, seq = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidValueError(argument, problem) from None
    valid = kind == CURSOR_KIND and all(
        type(value) is int and 0 <= value < 2**63 for value in (xid, seq)
    )
    if not valid:
        raise InvalidValueError(argument, problem)
    return Position(xid, seq)


@dataclass(frozen=True)
class Change(Generic[Row]):
    """One delivered change: its cursor, INSERT/UPDATE/DELETE, and the row (None: deleted)."""

    cursor: str
    operation: str
    row: Row | None


@dataclass(frozen=True)
class Feed(Generic[Row]):
    """What differs between the job and the batch feeds."""

    entity: str
    rows: Entity[Row]
    deleted_matches: Callable[[Any, LoggedChange], bool]


def _allows(values: tuple[str, ...] | None, value: str | None) -> bool:
    return values is None or value in values


def _prefixed(prefix: Prefix | None, value: str) -> bool:
    if prefix is None:
        return True
    return value >= prefix.text and (prefix.following is None or value < prefix.following)


def _job_deleted_matches(spec: JobFilterSpec, change: LoggedChange) -> bool:
    return (
        _allows(spec.ids, change.entity_id)
        and _prefixed(spec.id_prefix, change.entity_id)
        and _allows(spec.batch_ids, change.batch_id)
        and _allows(spec.project_ids, change.project_id)
        and (spec.scope is None or spec.scope.allows(change.project_id))
        and all(_job_deleted_matches(child, change) for child in spec.all_of)
    )


def _batch_deleted_matches(spec: BatchFilterSpec, change: LoggedChange) -> bool:
    return (
        _allows(spec.ids, change.entity_id)
        and _prefixed(spec.id_prefix, change.entity_id)
        and _allows(spec.project_ids, change.project_id)
        and (spec.scope is None or spec.scope.allows(change.project_id))
        and all(_batch_deleted_matches(child, change) for child in spec.all_of)
    )


JOB_FEED: Feed[Any] = Feed("job", JOBS, _job_deleted_matches)
BATCH_FEED: Feed[Any] = Feed("batch", BATCHES, _batch_deleted_matches)


@dataclass(frozen=True)
class ChangeBatch(Generic[Row]):
    """The changes one read delivers, where the next read starts, and whether the read
    reached the log's readable end."""

    changes: list[Change[Row]]
    reached: Position
    at_end: bool


async def current_position(db: Database) -> Position:
    """Where a subscription without `after` starts: after every change readable now."""
    async with db.read() as conn:
        return await log.frontier(conn)


async def check_cursor(db: Database, position: Position) -> None:
    """Raise ExpiredCursorError when changes after `position` were pruned."""
    async with db.read() as conn:
        _check(position, await log.horizon(conn))


def _check(position: Position, horizon: Position) -> None:
    if position < horizon:
        raise ExpiredCursorError(
            "`after` is older than the changes this server keeps (they were pruned): read "
            "the current state again with a query, then subscribe without `after`."
        )


async def read_changes(
    db: Database, feed: Feed[Row], spec: FilterSpec, position: Position, limit: int
) -> ChangeBatch[Row]:
    """The changes of `feed` after `position` that `spec` (which must carry the caller's
    scope) keeps, from at most `limit` log rows, in log order."""
    rows = feed.rows
    conditions = rows.conditions(spec)  # raises UnscopedReadError without a scope
    async with db.read() as conn:
        _check(position, await log.horizon(conn))
        read = await log.read_after(conn, feed.entity, position, limit)
        logged = read.changes
        ids = list({change.entity_id for change in logged if change.operation != "DELETE"})
        current: dict[str, Row] = {}
        if ids:
            statement = select(rows.table).where(rows.table.c.id.in_(ids), *conditions)
            current = {row.id: row for row in await rows.fetch(conn, statement)}  # type: ignore[attr-defined]
    delivered: list[Change[Row]] = []
    for change in logged:
        cursor = encode_cursor(change.position)
        if change.operation == "DELETE":
            if feed.deleted_matches(spec, change):
                delivered.append(Change(cursor, change.operation, None))
        elif change.entity_id in current:
            delivered.append(Change(cursor, change.operation, current[change.entity_id]))
    return ChangeBatch(delivered, read.reached, read.at_end)


async def _shared_read(
    waker: ChangeWaker, feed: Feed[Row], spec: FilterSpec, position: Position, limit: int
) -> ChangeBatch[Row]:
    """read_changes, shared: subscribers woken together at the same position with the same
    filter and scope (a dashboard's many viewers) make one read between them, and no more
    than a few distinct reads run at once, so a thousand subscribers never exhaust the pool.
    A shared result is a prefix of what a fresh read would give, so sharing loses nothing:
    the reader goes on from where it ends."""
    key = (feed.entity, spec, position, limit)
    found = waker.shared.get(key)
    if found is None:

        async def read() -> ChangeBatch[Row]:
            async with waker.reads:
                return await read_changes(waker.db, feed, spec, position, limit)

        found = asyncio.ensure_future(read())
        waker.shared[key] = found
        found.add_done_callback(lambda done: _forget_failed(waker, key, done))
    return await asyncio.shield(found)


def _forget_failed(waker: ChangeWaker, key: Any, done: asyncio.Future[Any]) -> None:
    if (done.cancelled() or done.exception() is not None) and waker.shared.get(key) is done:
        del waker.shared[key]


@dataclass(frozen=True)
class Limits:
    """How a subscription reads and how long it may lag (settings.py)."""

    batch_size: int = 500
    queue_size: int = 1000
    slow_seconds: float = 10.0


async def follow(
    waker: ChangeWaker,
    feed: Feed[Row],
    spec: FilterSpec,
    after: str | None,
    limits: Limits,
) -> AsyncGenerator[Change[Row], None]:
    """Every change of `feed` that `spec` keeps, after the change cursor `after` (or after
    the changes readable now), then live ones as they are committed: replayed and live
    changes are read the same way, from the log after the last position read, so there is
    no gap and no duplicate between them.

    A reader task fills a queue of `limits.queue_size` changes; when the consumer leaves it
    full for `limits.slow_seconds`, the stream ends with SlowSubscriberError naming the last
    cursor it gave. TooManySubscriptionsError when the worker serves its maximum."""
    db = waker.db
    feed.rows.conditions(spec)  # refuse an unscoped filter now, not in the reader task
    start = await current_position(db) if after is None else decode_cursor(after)
    if after is not None:
        await check_cursor(db, start)
    if not waker.take_subscription():
        raise TooManySubscriptionsError(
            f"This server already serves {waker.max_subscriptions} subscriptions; "
            "try again later or on another server."
        )
    queue: asyncio.Queue[Change[Row] | BaseException | None] = asyncio.Queue(limits.queue_size)
    given = [encode_cursor(start)]  # the last cursor the consumer took (or its start)

    async def read() -> None:
        position = start
        try:
            while True:
                batch = await _shared_read(waker, feed, spec, position, limits.batch_size)
                for change in batch.changes:
                    try:
                        queue.put_nowait(change)
                    except asyncio.QueueFull:
                        async with asyncio.timeout(limits.slow_seconds):
                            await queue.put(change)
                position = batch.reached
                if batch.at_end and not await waker.wait_beyond(position):
                    break  # the server stops: the stream ends
        except TimeoutError:
            error: BaseException | None = SlowSubscriberError(given[0], limits.slow_seconds)
        except Exception as failure:
            error = failure
        else:
            error = None
        while not queue.empty():  # the end goes first: what was queued is read again later
            queue.get_nowait()
        queue.put_nowait(error)

    reader = asyncio.create_task(read(), name="jobgraph subscription reader")
    try:
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            given[0] = item.cursor
            yield item
    finally:
        reader.cancel()
        await asyncio.wait([reader])
        waker.release_subscription()

"""Back-pressure of the change stream: a subscriber that leaves its queue full too long is
closed with an error naming the cursor to resume from, and resuming there loses nothing."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from jobgraph.db import models
from jobgraph.db.engine import Database
from jobgraph.db.waker import ChangeWaker
from jobgraph.query import changes
from jobgraph.query.changes import Limits, SlowSubscriberError
from jobgraph.query.spec import JobFilterSpec, Scope, scoped
from tests.factories import Factory

SPEC = scoped(JobFilterSpec(), Scope.everything())


async def test_slow_subscriber_is_closed_and_resumes_from_its_last_cursor(
    database_url: str, db: Database, factory: Factory
) -> None:
    waker = ChangeWaker(db, database_url, poll_seconds=0.05, max_subscriptions=10)
    await waker.start()
    try:
        job_batch = await factory.batch()
        start = changes.encode_cursor(await changes.current_position(db))
        jobs = [await factory.job(job_batch) for _ in range(8)]
        limits = Limits(batch_size=3, queue_size=2, slow_seconds=0.2)
        stream = changes.follow(waker, changes.JOB_FEED, SPEC, start, limits)
        first = await anext(stream)
        await asyncio.sleep(1)  # the reader waits on a full queue, then gives up
        try:
            await anext(stream)
            raise AssertionError("the slow subscriber was not closed")
        except SlowSubscriberError as error:
            closed = error
        assert closed.cursor == first.cursor
        assert "fell too far behind" in str(closed)

        resumed = changes.follow(waker, changes.JOB_FEED, SPEC, closed.cursor, Limits())
        rest = [await anext(resumed) for _ in range(7)]
        await resumed.aclose()
        assert [c.row.id for c in [first, *rest] if c.row is not None] == [j.id for j in jobs]
        assert waker.subscriptions == 0  # both released
    finally:
        await waker.stop()


async def test_stream_wakes_on_an_outside_update(
    database_url: str, db: Database, factory: Factory
) -> None:
    """One waker serves many subscribers: each is woken by a change and reads its own part."""
    waker = ChangeWaker(db, database_url, poll_seconds=0.05, max_subscriptions=10)
    await waker.start()
    try:
        job = await factory.job()
        start = changes.encode_cursor(await changes.current_position(db))
        streams = [changes.follow(waker, changes.JOB_FEED, SPEC, start, Limits()) for _ in range(5)]
        pending = [asyncio.ensure_future(anext(stream)) for stream in streams]
        table = models.job_table
        async with db.write() as conn:
            await conn.execute(update(table).where(table.c.id == job.id).values(status="ERROR"))
        got = await asyncio.wait_for(asyncio.gather(*pending), 60)
        assert [(c.operation, c.row.status if c.row else None) for c in got] == [
            ("UPDATE", "ERROR")
        ] * 5
        for stream in streams:
            await stream.aclose()
    finally:
        await waker.stop()


async def test_the_waker_stops_when_a_change_arrives_as_it_is_stopped(
    database_url: str, db: Database
) -> None:
    """A NOTIFY (or a poll) that lands just as the server stops must not keep the waker
    running: the app's shutdown waits for it."""
    waker = ChangeWaker(db, database_url, poll_seconds=0.05, max_subscriptions=10)
    await waker.start()
    for _ in range(3):
        await asyncio.sleep(0.2)  # the waker waits for a change
        waker._on_notify()  # as a NOTIFY would; then stop at once, in the same loop turn
        stopping = asyncio.ensure_future(waker.stop())
        done, _ = await asyncio.wait([stopping], timeout=30)  # a bound for a hang, not a time
        assert done, "the waker kept running after stop()"
        await waker.start()
    await waker.stop()

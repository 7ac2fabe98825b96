"""The change log: triggers record every insert, update and delete of jobs and batches on both
databases, updated_at follows every change, pruning keeps a suffix, and the feed reads it
within the caller's scope through the query core's filters."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from jobgraph.db import changes, models
from jobgraph.db.changes import Position
from jobgraph.db.engine import Database, make_database, make_engine
from jobgraph.query import changes as feed
from jobgraph.query.paging import UnscopedReadError
from jobgraph.query.spec import InvalidValueError, JobFilterSpec, Scope, scoped
from tests.factories import Factory, utc

EVERYTHING = Scope.everything()


async def settled(db: Database) -> None:
    """Wait until every committed change is readable: on PostgreSQL a transaction of any
    other session of the server (other tests) may hold changes back for a moment."""
    for _ in range(500):
        async with db.read() as conn:
            if not await changes.has_unreadable(conn):
                return
        await asyncio.sleep(0.02)
    raise AssertionError("changes stayed held back")


async def _log(db: Database) -> list[tuple[str, str, str, str, str | None]]:
    async with db.read() as conn:
        rows = await conn.execute(
            select(
                changes.LOG.entity,
                changes.LOG.entity_id,
                changes.LOG.operation,
                changes.LOG.project_id,
                changes.LOG.batch_id,
            ).order_by(changes.LOG.xid, changes.LOG.seq)
        )
        return [tuple(row) for row in rows]


async def test_change_log_records_inserts_updates_and_deletes(
    db: Database, factory: Factory
) -> None:
    project = await factory.project()
    batch = await factory.batch(project)
    job = await factory.job(batch)
    async with db.write() as conn:
        await conn.execute(
            update(models.job_table).where(models.job_table.c.id == job.id).values(status="ERROR")
        )
        # An update that changes nothing is no change.
        await conn.execute(
            update(models.job_table).where(models.job_table.c.id == job.id).values(status="ERROR")
        )
    async with db.write() as conn:
        await conn.execute(delete(models.job_table).where(models.job_table.c.id == job.id))
        await conn.execute(update(models.batch_table).values(status="RUNNING"))

    assert await _log(db) == [
        ("batch", batch.id, "INSERT", project.id, None),
        ("job", job.id, "INSERT", project.id, batch.id),
        ("job", job.id, "UPDATE", project.id, batch.id),
        ("job", job.id, "DELETE", project.id, batch.id),
        ("batch", batch.id, "UPDATE", project.id, None),
    ]


async def test_change_log_updated_at_changes_with_every_change(
    db: Database, factory: Factory
) -> None:
    job = await factory.job(updated_at=utc(2024, 1, 1))
    table = models.job_table
    async with db.write() as conn:  # as an outside program would: updated_at left as it was
        await conn.execute(update(table).where(table.c.id == job.id).values(runs=7))
    async with db.write() as conn:  # a writer that sets updated_at keeps its value
        await conn.execute(
            update(table).where(table.c.id == job.id).values(runs=8, updated_at=utc(2025, 1, 1))
        )
        bumped_then_set = (
            await conn.execute(select(table.c.updated_at).where(table.c.id == job.id))
        ).scalar_one()
    assert bumped_then_set == utc(2025, 1, 1)
    async with db.write() as conn:
        before = datetime.now(UTC) - timedelta(minutes=5)
        await conn.execute(update(table).where(table.c.id == job.id).values(runs=9))
        bumped = (
            await conn.execute(select(table.c.updated_at).where(table.c.id == job.id))
        ).scalar_one()
    assert bumped > before
    assert [entry[2] for entry in await _log(db) if entry[0] == "job"] == [
        "INSERT",
        "UPDATE",
        "UPDATE",
        "UPDATE",
    ]


async def test_change_log_prune_keeps_the_newest_and_moves_the_horizon(
    db: Database, factory: Factory
) -> None:
    batch = await factory.batch()
    jobs = [await factory.job(batch) for _ in range(5)]
    await settled(db)
    async with db.read() as conn:
        read = await changes.read_after(conn, "job", changes.START, 100)
    positions = [change.position for change in read.changes]

    assert await changes.prune(db, older_than=None, keep_rows=3) == 3  # the batch and 2 jobs
    async with db.read() as conn:
        assert await changes.horizon(conn) == positions[1]
        kept = await changes.read_after(conn, "job", changes.START, 100)
    assert [change.entity_id for change in kept.changes] == [job.id for job in jobs[2:]]

    with pytest.raises(feed.ExpiredCursorError, match="read the current state again"):
        await feed.check_cursor(db, positions[0])
    await feed.check_cursor(db, positions[1])  # the horizon itself is still complete

    future = datetime.now(UTC) + timedelta(days=1)
    assert await changes.prune(db, older_than=future, keep_rows=None) == 3
    assert await changes.count_rows(db) == 0
    assert await changes.prune(db, older_than=future, keep_rows=1) == 0


async def test_change_feed_filters_scopes_and_delivers_deletes(
    db: Database, factory: Factory
) -> None:
    mine, theirs = await factory.project(), await factory.project()
    my_batch, their_batch = await factory.batch(mine), await factory.batch(theirs)
    start = await feed.current_position(db)
    running = await factory.job(my_batch, status="RUNNING")
    done = await factory.job(my_batch, status="DONE")
    hidden = await factory.job(their_batch, status="RUNNING")
    async with db.write() as conn:
        await conn.execute(delete(models.job_table).where(models.job_table.c.id == done.id))
        await conn.execute(delete(models.job_table).where(models.job_table.c.id == hidden.id))

    spec = scoped(JobFilterSpec(statuses=("RUNNING",)), Scope.projects([mine.id]))
    await settled(db)
    batch = await feed.read_changes(db, feed.JOB_FEED, spec, start, 100)
    assert [(c.operation, None if c.row is None else c.row.id) for c in batch.changes] == [
        ("INSERT", running.id),
        ("DELETE", None),  # `done` deleted: in scope, so delivered whatever its status was
    ]
    assert batch.at_end
    again = await feed.read_changes(db, feed.JOB_FEED, spec, batch.reached, 100)
    assert again.changes == []

    by_id = scoped(JobFilterSpec(ids=(running.id,)), EVERYTHING)
    only = await feed.read_changes(db, feed.JOB_FEED, by_id, start, 100)
    assert [c.operation for c in only.changes] == ["INSERT"]

    with pytest.raises(UnscopedReadError):
        await feed.read_changes(db, feed.JOB_FEED, JobFilterSpec(), start, 100)


def test_change_cursor_round_trips_and_refuses_others() -> None:
    position = Position(12, 345)
    assert feed.decode_cursor(feed.encode_cursor(position)) == position
    for bad in ("", "abc", "WzEsMiwzXQ==", feed.encode_cursor(position)[:-4]):
        with pytest.raises(InvalidValueError, match="is not a change cursor"):
            feed.decode_cursor(bad)


async def test_change_log_concurrent_writers_are_read_in_commit_safe_order(
    database_url: str, db: Database, factory: Factory
) -> None:
    """Two writers: the first takes its log position, then the second writes and commits
    while the first is still open. A reader must not pass over the first one's change.
    (Updates: inserts of jobs queue behind each other on PostgreSQL's job_total row.)"""
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers")
    batch = await factory.batch()
    one, two = await factory.job(batch), await factory.job(batch)
    start = await feed.current_position(db)
    other = make_database(make_engine(database_url))
    first_written, release = asyncio.Event(), asyncio.Event()
    spec = scoped(JobFilterSpec(), EVERYTHING)
    table = models.job_table

    async def first() -> None:
        async with other.write() as conn:
            await conn.execute(update(table).where(table.c.id == one.id).values(user_id="first"))
            first_written.set()
            await release.wait()

    async def second() -> None:
        await first_written.wait()
        async with db.write() as conn:
            await conn.execute(update(table).where(table.c.id == two.id).values(user_id="second"))

    try:
        writer = asyncio.create_task(first())
        await asyncio.wait_for(second(), 30)
        # The first writer still runs: the second one's change, logged after, waits for it.
        early = await feed.read_changes(db, feed.JOB_FEED, spec, start, 100)
        assert early.changes == []
        release.set()
        await writer
        late = await feed.read_changes(db, feed.JOB_FEED, spec, early.reached, 100)
        assert [c.row.user_id for c in late.changes if c.row is not None] == ["first", "second"]
    finally:
        await other.dispose()

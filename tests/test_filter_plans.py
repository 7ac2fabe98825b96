"""Filters that used to read far too many jobs: the plans SQLite picks for them, and the jobs
created after their own end (or update, or start) that the created_at bound must still keep."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.schema import CreateIndex

from jobgraph.db import models
from jobgraph.db.migrate import upgrade
from jobgraph.query import selects
from jobgraph.query.reads import JOBS
from jobgraph.query.spec import JobFilterSpec, OffsetRequest, Range, Scope, scoped
from tests.factories import Factory, utc
from tests.graphql_client import edge_ids, run_graphql

WHEN = utc(2024, 3, 1, 12)
COLUMNS = ("id", "status", "created_at")


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite file at head: no rows and no statistics, so the plans below are
    what the planner picks from the schema alone."""
    path = tmp_path_factory.mktemp("plans") / "jobgraph.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def _plan(path: Path, read: selects.Read) -> list[str]:
    """EXPLAIN QUERY PLAN of a read as the compiled path sends it (values do not matter to
    SQLite's plan, so every parameter is NULL)."""
    statement: Any = read.build("sqlite")
    compiled = statement.compile(dialect=SQLiteDialect_pysqlite())
    arguments = [None] * len(compiled.positiontup or ())
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(f"EXPLAIN QUERY PLAN {compiled}", arguments).fetchall()
    return [str(row[3]) for row in rows]


def _page_and_count(path: Path, spec: JobFilterSpec) -> tuple[list[str], list[str]]:
    """Plans of the REST list's two reads (an administrator's): the newest-first page and
    the total."""
    spec = scoped(spec, Scope.everything())
    page = selects.offset_page(JOBS, JOBS.ordering(()), spec, OffsetRequest(100, 0), COLUMNS)
    return _plan(path, page), _plan(path, selects.count(JOBS, spec))


def test_partial_indexes_from_migrations_are_the_models(migrated_file: Path) -> None:
    # tests/test_migrations.py compares names and columns; alembic does not compare the
    # WHERE of a partial index, and a query must state that WHERE exactly to use the index.
    partial = [
        index
        for index in models.job_table.indexes
        if index.dialect_options["sqlite"]["where"] is not None
    ]
    expected = {
        str(index.name): str(CreateIndex(index).compile(dialect=SQLiteDialect_pysqlite()))
        for index in partial
    }
    with closing(sqlite3.connect(migrated_file)) as connection:
        rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        found = {name: sql for name, sql in rows if name in expected}

    assert sorted(expected) == [
        "ix_job_created_after",
        "ix_job_with_errors",
        "ix_job_without_errors",
    ]
    assert found == expected


@pytest.mark.parametrize(
    ("spec", "index"),
    [
        (JobFilterSpec(origins=("AZURE",)), "ix_job_origin_created_at_id"),
        (JobFilterSpec(has_errors=True), "ix_job_with_errors"),
        (JobFilterSpec(has_errors=False), "ix_job_without_errors"),
    ],
)
def test_filter_plan_reads_its_own_index_newest_first(
    migrated_file: Path, spec: JobFilterSpec, index: str
) -> None:
    page, count = _page_and_count(migrated_file, spec)

    assert len(page) == 1  # one index, read in order: no sort, no other table
    assert index in page[0]
    assert len(count) == 1
    assert index in count[0]


@pytest.mark.parametrize(
    ("spec", "index"),
    [
        (JobFilterSpec(end_date=WHEN), "ix_job_end_timestamp_id_created_at"),
        (JobFilterSpec(end_timestamp=Range(lte=WHEN)), "ix_job_end_timestamp_id_created_at"),
        (JobFilterSpec(updated_at=Range(lt=WHEN)), "ix_job_updated_at_id_created_at"),
        (JobFilterSpec(start_timestamp=Range(lt=WHEN)), "ix_job_start_timestamp_id_created_at"),
    ],
)
def test_upper_bound_on_a_later_time_starts_the_newest_first_page_at_the_bound(
    migrated_file: Path, spec: JobFilterSpec, index: str
) -> None:
    page, count = _page_and_count(migrated_file, spec)

    assert page[0] == "SEARCH job USING INDEX ix_job_created_at_id (created_at<?)"
    assert any("ix_job_created_after" in line for line in page[1:])  # the exceptions' latest
    assert not any("TEMP B-TREE" in line for line in page)
    assert f"USING COVERING INDEX {index}" in count[0]


async def _jobs(factory: Factory, *times: tuple[int, int]) -> list[str]:
    """One job per (created, ended) pair of minutes after WHEN - 2h; started a minute before
    it ended and updated a minute after, so created_at can come after all three."""
    batch = await factory.batch()
    base = WHEN - timedelta(hours=2)
    ids = []
    for created, ended in times:
        end = base + timedelta(minutes=ended)
        job = await factory.job(
            batch,
            created_at=base + timedelta(minutes=created),
            start_timestamp=end - timedelta(minutes=1),
            end_timestamp=end,
            updated_at=end + timedelta(minutes=1),
        )
        ids.append(job.id)
    return ids


JOBS_QUERY = (
    "query ($filter: JobFilter) { jobs(filter: $filter) { totalCount edges { node { id } } } }"
)


async def _graphql_ids(client: AsyncClient, filter: dict[str, Any]) -> tuple[list[str], int]:
    data = await run_graphql(client, JOBS_QUERY, {"filter": filter})
    return edge_ids(data["jobs"]), data["jobs"]["totalCount"]


def _iso(minutes: int) -> str:
    moment: datetime = WHEN - timedelta(hours=2) + timedelta(minutes=minutes)
    return moment.isoformat()


async def test_upper_bounds_keep_jobs_created_after_they_ended(
    client: AsyncClient, factory: Factory
) -> None:
    # in order, out of order (created at +100 min, ended at +30), in order but ended too late,
    # out of order and ended too late
    normal, reversed_, late, reversed_late = await _jobs(
        factory, (10, 20), (100, 30), (50, 70), (110, 65)
    )
    bound = 60  # minutes after the base: `normal` and `reversed_` ended (and started) before

    rest = await client.get("/api/v2/jobs", params={"end_date": _iso(bound), "limit": 1})
    assert [job["id"] for job in rest.json()["data"]] == [reversed_]  # created last
    assert rest.headers["Content-Range"] == "0-1/2"

    expected = ([reversed_, normal], 2)
    assert await _graphql_ids(client, {"endDate": _iso(bound)}) == expected
    assert await _graphql_ids(client, {"endTimestamp": {"lte": _iso(bound)}}) == expected
    assert await _graphql_ids(client, {"endTimestamp": {"lt": _iso(bound)}}) == expected
    assert await _graphql_ids(client, {"startTimestamp": {"lt": _iso(bound)}}) == expected
    # updated a minute after the end: `reversed_` at +31, `late` at +71, `reversed_late` at +66
    assert await _graphql_ids(client, {"updatedAt": {"lte": _iso(bound)}}) == expected
    assert await _graphql_ids(client, {"not": {"endDate": _iso(bound)}}) == (
        [reversed_late, late],
        2,
    )
    assert await _graphql_ids(client, {"endDate": _iso(bound), "or": [{"status": ["DONE"]}]}) == (
        expected
    )

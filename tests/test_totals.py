"""The total of an unfiltered job list stays exact through every kind of write."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import delete, insert, text

from jobgraph.db import models
from jobgraph.db.engine import Database
from tests.databases import upsert_rows
from tests.dataset import build_dataset, load_dataset
from tests.graphql_client import run_graphql


async def _totals(client: AsyncClient) -> tuple[int, int]:
    rest = (await client.get("/api/v2/jobs", params={"limit": 1})).json()["pagination"]["total"]
    graphql = (await run_graphql(client, "{ jobs(first: 1) { totalCount } }"))["jobs"]
    return rest, graphql["totalCount"]


async def _counted(db: Database) -> int:
    async with db.read() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM job"))).scalar_one())


async def test_unfiltered_totals_follow_inserts_upserts_deletes_and_truncation(
    client: AsyncClient, db: Database
) -> None:
    data = build_dataset()
    await load_dataset(db, data)
    assert await _totals(client) == (len(data.jobs), len(data.jobs)) == (await _counted(db),) * 2

    async with db.write() as connection:  # the same rows again, and two new ones
        extra = [dict(data.jobs[0], id=f"ffffffff-0000-4000-8000-00000000000{n}") for n in (1, 2)]
        await upsert_rows(connection, models.job_table, [*data.jobs, *extra])
    assert await _totals(client) == (len(data.jobs) + 2,) * 2

    async with db.write() as connection:
        await connection.execute(delete(models.job_result_table))
        await connection.execute(delete(models.job_table).where(models.job_table.c.runs >= 500))
    remaining = await _counted(db)
    assert 0 < remaining < len(data.jobs)
    assert await _totals(client) == (remaining, remaining)

    async with db.write() as connection:
        await connection.execute(text("DELETE FROM job"))
        await connection.execute(insert(models.job_table), extra[:1])
    assert await _totals(client) == (1, 1)

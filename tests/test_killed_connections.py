"""PostgreSQL connections ended by the server (pg_terminate_backend, a restart, an idle
timeout) while the database stays up: the next requests are answered, not failed."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.engine import make_url

from jobgraph.db.engine import Database
from tests.dataset import build_dataset, load_dataset

KILLS = 8
QUERY = {"query": "{ jobs(first: 5) { totalCount edges { node { id } } } }"}


async def terminate_other_connections(database_url: str) -> int:
    """End every other session on this database from a second connection; how many."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn)
    try:
        ended: int = await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return ended


async def test_requests_after_the_server_ended_the_pooled_connections_are_answered(
    app: FastAPI, client: AsyncClient, db: Database, database_url: str
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL connections only")
    await load_dataset(db, build_dataset())
    total = len(build_dataset().jobs)
    job_id = build_dataset().jobs[0]["id"]
    for _ in range(3):
        # Every way in holds pooled connections: the compiled path and REST's list (the raw
        # reader), REST's single job and the reference path (the engine).
        compiled = app.state.compiled_graphql.answered
        assert (await client.post("/graphql", json=QUERY)).status_code == 200
        assert (await client.get("/api/v2/jobs")).status_code == 200
        assert (await client.get(f"/api/v2/jobs/{job_id}")).status_code == 200
        assert await terminate_other_connections(database_url) >= 2
        graphql = await client.post("/graphql", json=QUERY)
        assert graphql.status_code == 200
        assert graphql.json()["data"]["jobs"]["totalCount"] == total
        assert app.state.compiled_graphql.answered == compiled + 2  # no fallback needed
        listed = await client.get("/api/v2/jobs")
        assert listed.status_code == 200
        assert listed.json()["pagination"]["total"] == total
        one = await client.get(f"/api/v2/jobs/{job_id}")
        assert one.status_code == 200
        reference = await client.get("/graphql", params={"query": QUERY["query"]})
        assert reference.json()["data"]["jobs"]["totalCount"] == total


async def test_requests_while_the_server_ends_connections_are_all_answered(
    app: FastAPI, client: AsyncClient, db: Database, database_url: str
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL connections only")
    await load_dataset(db, build_dataset())
    statuses: list[int] = []
    stop = asyncio.Event()

    async def keep_asking(number: int) -> None:
        while not stop.is_set():
            if number % 2:
                response = await client.post("/graphql", json=QUERY)
            else:
                response = await client.get("/api/v2/jobs", params={"limit": 5})
            statuses.append(response.status_code)

    async def keep_ending() -> int:
        ended = 0
        for _ in range(KILLS):
            await asyncio.sleep(0.5)  # as often as in the report
            ended += await terminate_other_connections(database_url)
        stop.set()
        return ended

    ending = asyncio.create_task(keep_ending())
    await asyncio.gather(*(keep_asking(n) for n in range(8)))
    assert await ending >= KILLS  # each round ended at least one pooled connection
    assert len(statuses) > 20
    assert [status for status in statuses if status != 200] == []

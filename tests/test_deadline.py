"""Every request has a deadline (JOBGRAPH_REQUEST_TIMEOUT_SECONDS): a read still running when
it passes is stopped in the database, and the client gets a 504 it can parse."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import TextClause, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from jobgraph.app import create_app
from jobgraph.db import clock
from jobgraph.db.engine import Database, make_database, make_engine, sqlite_file
from jobgraph.db.raw import ReadFailedError, make_reader
from jobgraph.settings import Settings
from tests.dataset import build_dataset, load_dataset

# Reads that would take minutes: counting to 10^9 (SQLite), sleeping (PostgreSQL).
SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)"
    " SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(120)",
}


@dataclass(frozen=True)
class SlowRead:
    dialect: str

    @property
    def shape(self) -> Hashable:
        return ("slow", self.dialect)

    @property
    def values(self) -> list[Any]:
        return []

    def build(self, dialect: str) -> TextClause:
        return text(SLOW[dialect])


async def test_a_raw_read_stops_at_the_deadline(database_url: str, db: Database) -> None:
    reader = make_reader(database_url, 1, statement_timeout=0.3)
    try:
        with clock.deadline_after(0.3), pytest.raises(ReadFailedError) as raised:
            await reader.fetch(SlowRead(db.dialect))
    finally:
        await reader.close()
    stopped = (sqlite3.OperationalError, asyncpg.QueryCanceledError)
    assert isinstance(raised.value.__cause__, stopped), raised.value.__cause__


async def test_an_engine_read_stops_at_the_deadline(database_url: str, db: Database) -> None:
    database = make_database(make_engine(database_url, statement_timeout=0.3))
    try:
        with clock.deadline_after(0.3), pytest.raises(DBAPIError) as raised:
            async with database.read() as connection:
                await connection.execute(text(SLOW[database.dialect]))
        assert "interrupted" in str(raised.value) or "statement timeout" in str(raised.value)
        async with database.read() as connection:  # the connection is fine afterwards
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await database.dispose()


@pytest.fixture
async def hasty(settings: Settings, db: Database) -> AsyncIterator[AsyncClient]:
    await load_dataset(db, build_dataset())
    application = create_app(settings.model_copy(update={"request_timeout_seconds": 0.5}))
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def locked(database_url: str) -> AsyncIterator[None]:
    """Every read of the job table waits, until the test ends, on a lock held elsewhere
    (PostgreSQL: SQLite readers never wait for a writer in WAL mode; the slow body below and
    the reads above cover SQLite)."""
    if sqlite_file(database_url) is not None:
        pytest.skip("SQLite readers cannot be made to wait on a lock")
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute("LOCK TABLE job IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


LATE = "The request took longer than the 0.5 s this server allows; ask for less."


@pytest.mark.parametrize("origin", [None, "http://app.example"])
async def test_graphql_past_its_deadline_gets_a_504_timeout_error(
    hasty: AsyncClient, locked: None, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin else {}
    query = {"query": "{ jobs(first: 3) { totalCount edges { node { id } } } }"}
    response = await hasty.post("/graphql", json=query, headers=headers)
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"errors": [{"message": LATE, "extensions": {"code": "TIMEOUT"}}]}
    fetched = await hasty.get("/graphql", params={"query": "{ jobs { totalCount } }"})
    assert fetched.status_code == 504


async def test_rest_past_its_deadline_gets_a_504_jsend_error(
    hasty: AsyncClient, locked: None
) -> None:
    response = await hasty.get("/api/v2/jobs")
    assert response.status_code == 504
    assert response.json() == {"status": "error", "message": LATE, "code": 504, "data": {}}


async def test_requests_within_the_deadline_are_answered(hasty: AsyncClient) -> None:
    response = await hasty.post("/graphql", json={"query": "{ jobs { totalCount } }"})
    assert response.json() == {"data": {"jobs": {"totalCount": len(build_dataset().jobs)}}}


@pytest.mark.parametrize("path", ["/graphql", "/api/v2/jobs"])
async def test_a_body_sent_too_slowly_gets_a_504(hasty: AsyncClient, path: str) -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"query": '
        await asyncio.sleep(5)
        yield b'"{ jobs { totalCount } }"}'

    headers = {"Content-Type": "application/json"}
    response = await hasty.post(path, content=trickle(), headers=headers)
    assert response.status_code == 504
    if path == "/graphql":
        expected: dict[str, Any] = {
            "errors": [{"message": LATE, "extensions": {"code": "TIMEOUT"}}]
        }
    else:
        expected = {"status": "error", "message": LATE, "code": 504, "data": {}}
    assert response.json() == expected

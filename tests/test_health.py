"""GET /healthz and the start-up check against unmigrated databases."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from jobgraph.app import create_app
from jobgraph.db.engine import DatabaseNotReadyError, make_database, make_engine, sqlite_file
from jobgraph.db.migrate import upgrade
from jobgraph.settings import Settings
from tests.conftest import open_settings


async def test_healthz_reports_ok_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_reports_503_with_a_short_reason_and_logs_the_details(
    app: FastAPI, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.state.db = make_database(make_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none"))
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database unreachable"}
    [record] = [r for r in caplog.records if r.name == "jobgraph.app"]
    assert "cannot reach the database" in record.getMessage()


async def test_healthz_checks_the_schema_not_only_the_connection(
    app: FastAPI, client: AsyncClient, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a database that answers, with no tables
    app.state.db = make_database(make_engine(f"sqlite+aiosqlite:///{empty}"))
    response = await client.get("/healthz")
    await app.state.db.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": "database schema not at the expected revision",
    }


async def test_a_sqlite_file_moved_away_is_never_recreated(
    settings: Settings, client: AsyncClient, tmp_path: Path
) -> None:
    path = sqlite_file(settings.database_url)
    if path is None:
        pytest.skip("a SQLite file only")
    assert (await client.get("/healthz")).status_code == 200
    path.rename(tmp_path / "moved.db")
    for wal in path.parent.glob(path.name + "-*"):
        wal.unlink()
    health = await client.get("/healthz")
    assert health.json() == {"status": "unavailable", "reason": "database file missing"}
    # Connections opened before the move still read the moved file; new ones fail cleanly.
    graphql = await client.post("/graphql", json={"query": "{ jobs { totalCount } }"})
    assert graphql.status_code in (200, 503)
    assert "Unexpected error." not in graphql.text
    rest = await client.get("/api/v2/jobs")
    assert rest.status_code in (200, 503)
    assert not path.exists()


def test_only_migrate_creates_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "jobgraph.db"
    url = f"sqlite+aiosqlite:///{path}"

    async def check() -> None:
        db = make_database(make_engine(url))
        try:
            await db.ensure_migrated()
        finally:
            await db.dispose()

    with pytest.raises(DatabaseNotReadyError, match=r"does not exist\. Run `jobgraph migrate`"):
        asyncio.run(check())
    assert not path.exists()
    upgrade(url)
    asyncio.run(check())


async def test_serving_an_unmigrated_database_fails_at_start_with_a_clear_message(
    tmp_path: Path,
) -> None:
    settings = open_settings(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    app = create_app(settings)
    with pytest.raises(DatabaseNotReadyError, match="Run `jobgraph migrate` first"):
        async with app.router.lifespan_context(app):
            pass


async def test_browsers_on_other_origins_may_call_the_api(client: AsyncClient) -> None:
    preflight = await client.options(
        "/graphql",
        headers={
            "Origin": "http://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    listed = await client.get("/api/v2/jobs", headers={"Origin": "http://app.example"})
    assert listed.headers["access-control-allow-origin"] == "*"
    assert "Content-Range" in listed.headers["access-control-expose-headers"]

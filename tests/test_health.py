"""GET /healthz and the start-up check against unmigrated databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from jobgraph.app import create_app
from jobgraph.db.engine import DatabaseNotReadyError, make_database, make_engine
from tests.conftest import open_settings


async def test_healthz_reports_ok_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_reports_503_with_a_reason_when_the_database_is_gone(
    app: FastAPI, client: AsyncClient
) -> None:
    app.state.db = make_database(make_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none"))
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "database did not answer" in response.json()["reason"]


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

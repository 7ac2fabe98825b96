"""GET /api/v2/jobs through its edge (rest/edge.py) answers byte for byte as the route behind
the full middleware stack does; whatever the route must explain (a bad parameter, no token),
the edge hands on to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from starlette.types import Receive, Scope, Send

from jobgraph.db.engine import Database
from tests.conftest import open_settings
from tests.dataset import Dataset, build_dataset, load_dataset
from tests.two_paths import serving


def _queries(data: Dataset) -> list[str]:
    project, batch, job = data.projects[0]["id"], data.batches[1]["id"], data.jobs[2]["id"]
    return [
        "",
        "limit=5",
        f"project_id={project}&status=DONE&status=ERROR&limit=100",
        f"batch_id={batch}&order_by=-runs&limit=7&offset=2",
        f"id={job.upper()}",
        "status=PENDING&errors=true&min_runs=10&limit=3",
        "start_date=2024-01-01T00:00:00Z&end_date=2030-01-01&order_by=created_at",
        "offset=100000&limit=10",
        "colour=blue&status=DONE&limit=2",
        "limit=&status=DONE",
        # refused: the route explains each (422)
        "limit=0",
        "limit=abc&offset=-1",
        "status=BOGUS",
        "start_date=not-a-time",
        "order_by=nonsense",
        "id=%C3%A9%00",
    ]


@asynccontextmanager
async def _full_stack(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """A client of the same app that always takes the full stack (FastAPI's own __call__)."""

    async def full(scope: Scope, receive: Receive, send: Send) -> None:
        await FastAPI.__call__(app, scope, receive, send)

    transport = ASGITransport(app=full)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _outcome(response: Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, sorted(response.headers.multi_items()), response.content


async def _compare(
    app: FastAPI, client: AsyncClient, queries: list[str], **headers: Any
) -> tuple[int, int]:
    """(how many the edge answered itself, how many were answered with a 200); every answer
    is checked against the full stack's."""
    edge = app.state.rest_list_edge
    before = edge.answered
    succeeded = 0
    async with _full_stack(app) as full:
        for query in queries:
            url = f"/api/v2/jobs?{query}"
            through_edge = await client.get(url, headers=headers)
            through_stack = await full.get(url, headers=headers)
            assert _outcome(through_edge) == _outcome(through_stack), query
            succeeded += through_stack.status_code == 200
    answered: int = edge.answered - before
    return answered, succeeded


@pytest.mark.parametrize("cors", [False, True])
async def test_the_edge_answers_as_the_route(database_url: str, db: Database, cors: bool) -> None:
    data = build_dataset()
    await load_dataset(db, data)
    origins = ["http://app.example"] if cors else []
    async with serving(open_settings(database_url, cors_origins=origins)) as (app, client):
        queries = _queries(data)
        answered, succeeded = await _compare(app, client, queries)
        assert answered == succeeded >= 8  # every valid one, and no refused one
        # A browser's request (Origin) takes the full stack, which adds the CORS headers.
        assert await _compare(app, client, queries[:3], Origin="http://app.example") == (0, 3)


async def test_a_request_without_a_valid_token_gets_the_routes_401(
    database_url: str, db: Database
) -> None:
    await load_dataset(db, build_dataset())
    settings = open_settings(database_url, auth_disabled=False)
    async with serving(settings) as (app, client):
        assert await _compare(app, client, ["limit=5"]) == (0, 0)
        assert await _compare(app, client, ["limit=5"], Authorization="Bearer nonsense") == (0, 0)
        response = await client.get("/api/v2/jobs")
        assert response.status_code == 401
        assert response.json()["status"] == "fail"

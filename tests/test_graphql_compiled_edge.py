"""Which requests the compiled path answers, and that it answers them as the HTTP edge should."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from jobgraph.app import create_app
from jobgraph.db.engine import Database
from tests.conftest import open_settings
from tests.dataset import build_dataset, load_dataset

NEWEST = "{ jobs(first: 3) { edges { node { id status } } } }"


def answered(app: FastAPI) -> int:
    count: int = app.state.compiled_graphql.answered
    return count


async def test_a_json_query_is_answered_by_the_compiled_path(
    app: FastAPI, client: AsyncClient, db: Database
) -> None:
    await load_dataset(db, build_dataset())
    before = answered(app)
    response = await client.post("/graphql", json={"query": NEWEST})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert len(response.json()["data"]["jobs"]["edges"]) == 3
    assert answered(app) == before + 1


async def test_a_browser_query_gets_cors_headers_and_the_compiled_path(
    app: FastAPI, client: AsyncClient, db: Database
) -> None:
    await load_dataset(db, build_dataset())
    before = answered(app)
    response = await client.post(
        "/graphql", json={"query": NEWEST}, headers={"Origin": "http://app.example"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert len(response.json()["data"]["jobs"]["edges"]) == 3
    assert answered(app) == before + 1


async def test_errors_introspection_and_get_go_to_the_reference_path(
    app: FastAPI, client: AsyncClient
) -> None:
    before = answered(app)
    bad = await client.post("/graphql", json={"query": "{ jobs(first: 0) { totalCount } }"})
    assert bad.json()["errors"][0]["message"] == "`first` must be between 1 and 100, got 0"
    typename = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert typename.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    fetched = await client.get("/graphql", params={"query": "{ __typename }"})
    assert fetched.json() == {"data": {"__typename": "Query"}}
    assert answered(app) == before


async def test_the_compiled_path_can_be_turned_off(database_url: str, db: Database) -> None:
    settings = open_settings(database_url, compiled_graphql=False)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post("/graphql", json={"query": NEWEST})
        assert response.json() == {"data": {"jobs": {"edges": []}}}
        assert not hasattr(application.state, "compiled_graphql")

"""The filters of one GraphQL request hold at most JOBGRAPH_MAX_FILTER_VALUES values in all,
counted from the document and its variables alike, on both execution paths."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests.dataset import build_dataset, load_dataset

IDS = [str(uuid.UUID(int=n)) for n in range(500)]


def aliased(count: int) -> str:
    fields = " ".join(f"a{n}: jobs(filter: {{id: $ids}}) {{ totalCount }}" for n in range(count))
    return f"query ($ids: [ID!]) {{ {fields} }}"


async def post(client: AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def refused(found: int) -> dict[str, Any]:
    message = (
        f"this query's filters hold {found:,} values, more than the limit of 5,000: send "
        "fewer ids or values, or fewer filtered lists"
    )
    return {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}


@pytest.fixture(params=[True, False], ids=["compiled", "reference"])
async def either(
    request: pytest.FixtureRequest, app: FastAPI, client: AsyncClient, db: Database
) -> AsyncClient:
    await load_dataset(db, build_dataset())
    if not request.param:
        app.state.compiled_graphql = None
    return client


async def test_thirty_aliases_of_a_large_id_filter_are_refused(either: AsyncClient) -> None:
    body = await post(either, aliased(30), {"ids": IDS})
    assert body == refused(30 * 500)


async def test_filters_up_to_the_limit_are_answered(either: AsyncClient) -> None:
    jobs = build_dataset().jobs
    ids = [job["id"] for job in jobs[:7]] + IDS[: 500 - 7]
    body = await post(either, aliased(10), {"ids": ids})
    assert body == {"data": {f"a{n}": {"totalCount": 7} for n in range(10)}}


async def test_literal_values_and_nested_lists_count_too(either: AsyncClient) -> None:
    statuses = ", ".join(["DONE"] * 60)
    nested = (
        "query ($ids: [ID!], $batches: Int) { batches(first: $batches) { edges { node { "
        f"jobs(filter: {{id: $ids, status: [{statuses}]}}) {{ totalCount }} }} }} }} }}"
    )
    # Each of the 10 batches sends 440 ids and 60 statuses: 5,000 values.
    body = await post(either, nested, {"ids": IDS[:440], "batches": 10})
    assert "errors" not in body
    assert len(body["data"]["batches"]["edges"]) == 6
    body = await post(either, nested, {"ids": IDS[:440], "batches": 11})
    assert body == refused(11 * 500)


async def test_a_list_is_one_array_parameter_on_postgresql(
    app: FastAPI, client: AsyncClient, db: Database
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite binds one parameter per value")
    await load_dataset(db, build_dataset())
    jobs = build_dataset().jobs
    sent: list[str] = []
    app.state.compiled_graphql.reader.listeners.append(sent.append)
    query = "query ($ids: [ID!]) { jobs(filter: {id: $ids}) { totalCount } }"
    lists = (
        [jobs[0]["id"]],
        [job["id"] for job in jobs[:2]],
        [job["id"] for job in jobs[:3]] + IDS[:497],
    )
    for ids, found in zip(lists, (1, 2, 3), strict=True):
        body = await post(client, query, {"ids": ids})
        assert body == {"data": {"jobs": {"totalCount": found}}}
    one, two, five_hundred = sent
    assert two == five_hundred  # lists of any length share one statement
    assert "= ANY($1::VARCHAR[])" in two
    # except a list of one: an equality, so that an index on (column, order) keeps its order
    assert "job.id = $1::VARCHAR" in one
    listed = await client.get("/api/v2/jobs", params=[("id", job["id"]) for job in jobs[:4]])
    assert listed.json()["pagination"]["total"] == 4
    assert "ANY(" in sent[-1]

"""For the same filters and order, GET /api/v2/jobs and the GraphQL jobs connection agree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests import reference
from tests.dataset import T0, Dataset, build_dataset, load_dataset
from tests.graphql_client import edge_ids, run_graphql

JOBS = """
query ($filter: JobFilter, $orderBy: [JobOrder!], $after: String) {
  jobs(filter: $filter, orderBy: $orderBy, first: 100, after: $after) {
    totalCount edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""

TIE = T0 + timedelta(hours=2)

# (REST query parameters, the same filter as GraphQL input)
CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {}),
    ({"status": ["DONE", "ERROR"]}, {"status": ["DONE", "ERROR"]}),
    ({"origin": ["OVH"]}, {"origin": ["OVH"]}),
    ({"user_id": ["zoë-ü"]}, {"userId": ["zoë-ü"]}),
    ({"id__starts_with": "abc"}, {"idStartsWith": "abc"}),
    ({"min_runs": 100, "max_runs": 500}, {"minRuns": 100, "maxRuns": 500}),
    ({"errors": "true"}, {"errors": True}),
    ({"errors": "false"}, {"errors": False}),
    ({"start_date": TIE.isoformat()}, {"startDate": TIE.isoformat()}),
    (
        {"end_date": (TIE + timedelta(days=3)).isoformat()},
        {"endDate": (TIE + timedelta(days=3)).isoformat()},
    ),
    (
        {"status": ["RUNNING", "DONE", "CANCELED"], "min_runs": 1, "origin": ["CLIENT", "AZURE"]},
        {"status": ["RUNNING", "DONE", "CANCELED"], "minRuns": 1, "origin": ["CLIENT", "AZURE"]},
    ),
]
ORDERS = [
    ("created_at", "DESC"),
    ("created_at", "ASC"),
    ("start_timestamp", "ASC"),
    ("end_timestamp", "DESC"),
    ("runs", "ASC"),
    ("status", "DESC"),
    ("progress", "ASC"),
    ("creation_order", "DESC"),
    ("updated_at", "ASC"),
    ("id", "DESC"),
]


@pytest.fixture(scope="module")
async def data(module_db: Database) -> Dataset:
    dataset = build_dataset(jobs_per_batch=(0, 1, 12, 30, 9, 25, 40, 20))
    await load_dataset(module_db, dataset)
    return dataset


@pytest.fixture
def client(module_client: AsyncClient) -> AsyncClient:
    """The tests here only read the data set: one app over it serves the whole module."""
    return module_client


async def _all_rest_ids(client: AsyncClient, params: dict[str, Any]) -> tuple[list[str], int]:
    ids: list[str] = []
    offset = 0
    while True:
        response = await client.get("/api/v2/jobs", params=params | {"limit": 37, "offset": offset})
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [job["id"] for job in body["data"]]
        offset = body["pagination"]["end"]
        if offset >= body["pagination"]["total"]:
            return ids, body["pagination"]["total"]


async def _all_graphql_ids(client: AsyncClient, variables: dict[str, Any]) -> tuple[list[str], int]:
    ids: list[str] = []
    after = None
    while True:
        connection = (await run_graphql(client, JOBS, variables | {"after": after}))["jobs"]
        ids += edge_ids(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            return ids, connection["totalCount"]
        after = connection["pageInfo"]["endCursor"]


@pytest.mark.parametrize(("rest", "graphql"), CASES, ids=lambda case: str(case))
async def test_rest_and_graphql_return_the_same_jobs_in_the_same_order(
    client: AsyncClient, data: Dataset, rest: dict[str, Any], graphql: dict[str, Any]
) -> None:
    for field, direction in ORDERS:
        rest_ids, rest_total = await _all_rest_ids(
            client, rest | {"order_by": field, "order_by_direction": direction}
        )
        variables = {
            "filter": graphql,
            "orderBy": [{"field": field.upper(), "direction": direction}],
        }
        graphql_ids, graphql_total = await _all_graphql_ids(client, variables)
        assert rest_ids == graphql_ids
        assert rest_total == graphql_total == len(rest_ids)
    filter_as_data = {
        key: (T0.fromisoformat(value) if key in ("startDate", "endDate") else value)
        for key, value in graphql.items()
    }
    expected = reference.select(data.jobs, reference.graphql_filter(filter_as_data), [])
    assert (await _all_rest_ids(client, rest))[0] == expected


async def test_totals_are_exact_whether_or_not_the_page_ends_the_list(
    client: AsyncClient, data: Dataset
) -> None:
    matching = len([job for job in data.jobs if job["status"] == "DONE"])
    for limit, offset in ((100, 0), (5, 0), (5, matching - 2), (5, matching), (5, matching + 9)):
        response = await client.get(
            "/api/v2/jobs", params={"status": "DONE", "limit": limit, "offset": offset}
        )
        assert response.json()["pagination"]["total"] == matching
    for first in (1, 100):
        connection = (
            await run_graphql(client, JOBS, {"filter": {"status": ["DONE"]}, "after": None})
            if first == 100
            else await run_graphql(
                client,
                "{ jobs(first: 1, filter: {status: [DONE]}) { totalCount } }",
            )
        )
        assert connection["jobs"]["totalCount"] == matching

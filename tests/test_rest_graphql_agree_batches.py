"""For the same filters and order, GET /api/v1/batches and the GraphQL batches connection agree,
and both agree with the reference."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests import reference
from tests.dataset import T0, Dataset, build_dataset, load_dataset
from tests.graphql_client import edge_ids, run_graphql

BATCHES = """
query ($filter: BatchFilter, $orderBy: [BatchOrder!], $after: String) {
  batches(filter: $filter, orderBy: $orderBy, first: 7, after: $after) {
    totalCount edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""

DAY_5 = T0 + timedelta(days=5)
DAY_12 = T0 + timedelta(days=12)
SOME_DAY = T0 + timedelta(days=4)  # batch 4 shares batch 0's created_at, so this is a bound tie

# (REST query parameters, the same filter as GraphQL input, the reference's meaning)
CASES: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ({}, {}, {}),
    (
        {"status": ["DONE", "ERROR", "PAUSED"]},
        {"status": ["DONE", "ERROR", "PAUSED"]},
        {"status": ["DONE", "ERROR", "PAUSED"]},
    ),
    ({"open": "true"}, {"open": True}, {"open": True}),
    ({"open": "0"}, {"open": False}, {"open": False}),
    (
        {"queue_priority": ["HIGH", "LOW"]},
        {"queuePriority": ["HIGH", "LOW"]},
        {"queue_priority": ["HIGH", "LOW"]},
    ),
    ({"device_type": "EMU_MPS"}, {"deviceType": ["EMU_MPS"]}, {"device_type": ["EMU_MPS"]}),
    ({"user_id": ["zoë-ü", "bob"]}, {"userId": ["zoë-ü", "bob"]}, {"user_id": ["zoë-ü", "bob"]}),
    ({"tag": "nightly"}, {"tag": "nightly"}, {"tag": "nightly"}),
    (
        {"start_date": DAY_5.isoformat()},
        {"startDate": DAY_5.isoformat()},
        {"start_date": DAY_5},
    ),
    (
        {"end_date": SOME_DAY.isoformat()},
        {"endDate": SOME_DAY.isoformat()},
        {"end_date": SOME_DAY},
    ),
    (
        {"start_date": DAY_5.isoformat(), "end_date": DAY_12.isoformat(), "open": "false"},
        {"startDate": DAY_5.isoformat(), "endDate": DAY_12.isoformat(), "open": False},
        {"start_date": DAY_5, "end_date": DAY_12, "open": False},
    ),
]
ORDERS = [
    ("created_at", "DESC"),
    ("created_at", "ASC"),
    ("updated_at", "DESC"),
    ("start_datetime", "ASC"),
    ("end_datetime", "DESC"),
    ("priority", "ASC"),
    ("status", "DESC"),
    ("id", "ASC"),
]


@pytest.fixture(scope="module")
async def data(module_db: Database) -> Dataset:
    dataset = build_dataset(jobs_per_batch=tuple(index % 4 for index in range(24)))
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
        response = await client.get(
            "/api/v1/batches", params=params | {"limit": 5, "offset": offset}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [batch["id"] for batch in body["data"]]
        assert response.headers["Content-Range"] == (
            f"{offset}-{body['pagination']['end']}/{body['pagination']['total']}"
        )
        offset = body["pagination"]["end"]
        if offset >= body["pagination"]["total"]:
            return ids, body["pagination"]["total"]


async def _all_graphql_ids(client: AsyncClient, variables: dict[str, Any]) -> tuple[list[str], int]:
    ids: list[str] = []
    after = None
    while True:
        connection = (await run_graphql(client, BATCHES, variables | {"after": after}))["batches"]
        ids += edge_ids(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            return ids, connection["totalCount"]
        after = connection["pageInfo"]["endCursor"]


@pytest.mark.parametrize(("rest", "graphql", "meaning"), CASES, ids=lambda case: str(case))
async def test_rest_and_graphql_return_the_same_batches_in_the_same_order(
    client: AsyncClient,
    data: Dataset,
    rest: dict[str, Any],
    graphql: dict[str, Any],
    meaning: dict[str, Any],
) -> None:
    matching = reference.sdk_batch_filter(meaning)
    assert 0 < len([row for row in data.batches if matching(row)]) < len(data.batches) or not rest
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
        assert rest_ids == reference.select(data.batches, matching, [(field, direction)])

"""Hundreds of random filter trees and orders: the server always agrees with the reference."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests import reference
from tests.dataset import JOB_STATUSES, ORIGINS, T0, USERS, Dataset, build_dataset, load_dataset
from tests.graphql_client import edge_ids, run_graphql

QUERY = """
query ($filter: JobFilter, $orderBy: [JobOrder!]) {
  jobs(filter: $filter, orderBy: $orderBy, first: 100) { totalCount edges { node { id } } }
}
"""
ORDER_FIELDS = [
    "created_at",
    "updated_at",
    "start_timestamp",
    "end_timestamp",
    "runs",
    "status",
    "progress",
    "creation_order",
    "id",
]
TIMES = [T0 + timedelta(hours=hours) for hours in (-1, 0, 1, 2, 3, 48, 24 * 30, 24 * 89)]
INTS = [-1, 0, 1, 50, 99, 100, 101, 500, 1000, 2**31 - 1]


def random_leaf(rng: random.Random, data: Dataset) -> dict[str, Any]:
    choice = rng.randrange(13)
    if choice == 0:
        return {"status": rng.sample(JOB_STATUSES, rng.randrange(0, 4))}
    if choice == 1:
        return {"origin": rng.sample(ORIGINS, rng.randrange(1, 3))}
    if choice == 2:
        return {"userId": rng.sample([*USERS, "nobody"], rng.randrange(1, 3))}
    if choice == 3:
        return {"idStartsWith": "".join(rng.choice("abc0f") for _ in range(rng.randrange(4)))}
    if choice == 4:
        return {rng.choice(["minRuns", "maxRuns"]): rng.choice(INTS)}
    if choice == 5:
        return {"errors": rng.random() < 0.5}
    if choice == 6:
        return {rng.choice(["startDate", "endDate"]): rng.choice(TIMES)}
    if choice == 7:
        return {"batchId": [b["id"] for b in rng.sample(data.batches, 2)]}
    if choice in (8, 9):
        field = rng.choice(["createdAt", "updatedAt", "startTimestamp", "endTimestamp"])
        ops = rng.sample(["gt", "gte", "lt", "lte"], rng.randrange(1, 3))
        return {field: {op: rng.choice(TIMES) for op in ops}}
    field = rng.choice(["runs", "progress"])
    ops = rng.sample(["gt", "gte", "lt", "lte"], rng.randrange(1, 3))
    return {field: {op: rng.choice(INTS) for op in ops}}


def random_filter(rng: random.Random, data: Dataset, depth: int = 0) -> dict[str, Any]:
    node: dict[str, Any] = {}
    for _ in range(rng.randrange(0, 3)):
        node |= random_leaf(rng, data)
    if depth < 3:
        roll = rng.random()
        if roll < 0.25:
            node["and"] = [random_filter(rng, data, depth + 1) for _ in range(rng.randrange(3))]
        elif roll < 0.5:
            node["or"] = [random_filter(rng, data, depth + 1) for _ in range(rng.randrange(3))]
        elif roll < 0.65:
            node["not"] = random_filter(rng, data, depth + 1)
    return node


def random_order(rng: random.Random) -> list[tuple[str, str]]:
    fields = rng.sample(ORDER_FIELDS, rng.randrange(0, 3))
    return [(field, rng.choice(["ASC", "DESC"])) for field in fields]


@pytest.fixture
async def data(db: Database) -> Dataset:
    dataset = build_dataset()
    await load_dataset(db, dataset)
    return dataset


@pytest.mark.parametrize("seed", range(4))
async def test_random_filters_and_orders_match_the_reference(
    client: AsyncClient, data: Dataset, seed: int
) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        job_filter, keys = random_filter(rng, data), random_order(rng)
        expected = reference.select(data.jobs, reference.graphql_filter(job_filter), keys)
        variables = {
            "filter": reference.graphql_variables(job_filter),
            "orderBy": [{"field": f.upper(), "direction": d} for f, d in keys],
        }
        connection = (await run_graphql(client, QUERY, variables))["jobs"]
        assert edge_ids(connection) == expected, (job_filter, keys)
        assert connection["totalCount"] == len(expected)

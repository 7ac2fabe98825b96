"""Walking connections page by page, forward and backward, matches the reference order."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests import reference
from tests.dataset import Dataset, build_dataset, load_dataset
from tests.graphql_client import edge_ids, run_graphql

JOBS_PAGE = """
query ($filter: JobFilter, $orderBy: [JobOrder!], $first: Int, $after: String,
       $last: Int, $before: String) {
  jobs(filter: $filter, orderBy: $orderBy, first: $first, after: $after,
       last: $last, before: $before) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

ORDERS: list[list[tuple[str, str]]] = [
    [],
    [("created_at", "ASC")],
    [("start_timestamp", "ASC")],
    [("end_timestamp", "DESC")],
    [("runs", "DESC"), ("created_at", "ASC")],
    [("status", "ASC"), ("progress", "DESC"), ("end_timestamp", "ASC")],
    [("creation_order", "ASC")],
    [("updated_at", "DESC")],
    [("id", "ASC")],
]


@pytest.fixture
async def data(db: Database) -> Dataset:
    dataset = build_dataset()
    await load_dataset(db, dataset)
    return dataset


def _order_input(keys: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"field": field.upper(), "direction": direction} for field, direction in keys]


async def _walk(
    client: AsyncClient, variables: dict[str, Any], size: int, *, backward: bool
) -> tuple[list[str], list[dict[str, Any]]]:
    ids: list[str] = []
    infos: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(500):
        window = {"last": size, "before": cursor} if backward else {"first": size, "after": cursor}
        connection = (await run_graphql(client, JOBS_PAGE, variables | window))["jobs"]
        page = edge_ids(connection)
        info = connection["pageInfo"]
        infos.append(info)
        cursors = [edge["cursor"] for edge in connection["edges"]]
        assert info["startCursor"] == (cursors[0] if cursors else None)
        assert info["endCursor"] == (cursors[-1] if cursors else None)
        ids = page + ids if backward else ids + page
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            return ids, infos
        cursor = info["startCursor"] if backward else info["endCursor"]
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize(
    "keys", ORDERS, ids=lambda keys: "+".join(f"{f}:{d}" for f, d in keys) or "default"
)
async def test_jobs_walk_forward_and_backward_in_reference_order(
    client: AsyncClient, data: Dataset, keys: list[tuple[str, str]]
) -> None:
    expected = reference.select(data.jobs, lambda row: True, keys)
    variables = {"orderBy": _order_input(keys)}
    for size in (1, 7, 100) if not keys else (7, 100):
        forward, forward_infos = await _walk(client, variables, size, backward=False)
        backward, backward_infos = await _walk(client, variables, size, backward=True)
        assert forward == expected
        assert backward == expected
        pages = len(forward_infos)
        assert [info["hasNextPage"] for info in forward_infos] == [True] * (pages - 1) + [False]
        assert [info["hasPreviousPage"] for info in forward_infos] == [False] + [True] * (pages - 1)
        assert [info["hasPreviousPage"] for info in backward_infos] == [True] * (
            len(backward_infos) - 1
        ) + [False]
        assert [info["hasNextPage"] for info in backward_infos] == [False] + [True] * (
            len(backward_infos) - 1
        )


async def test_filtered_walk_matches_reference_and_counts_total(
    client: AsyncClient, data: Dataset
) -> None:
    filter_input = {"status": ["DONE", "ERROR", "RUNNING"], "minRuns": 100}
    keys = [("start_timestamp", "DESC")]
    predicate = reference.graphql_filter(filter_input)
    expected = reference.select(data.jobs, predicate, keys)
    assert 5 < len(expected) < len(data.jobs)
    variables = {"filter": filter_input, "orderBy": _order_input(keys)}
    forward, _ = await _walk(client, variables, 4, backward=False)
    backward, _ = await _walk(client, variables, 4, backward=True)
    assert forward == backward == expected
    total = (await run_graphql(client, JOBS_PAGE, variables | {"first": 1}))["jobs"]["totalCount"]
    assert total == len(expected)


async def test_rows_inserted_meanwhile_neither_shift_nor_repeat_pages(
    client: AsyncClient, data: Dataset, db: Database
) -> None:
    keys = [("created_at", "DESC")]
    variables = {"orderBy": _order_input(keys), "first": 10}
    first_page = (await run_graphql(client, JOBS_PAGE, variables))["jobs"]
    newest = reference.ordered(data.jobs, keys)[0]
    later = dict(newest, id="ffffffff-ffff-4fff-bfff-ffffffffffff")
    later["creation_order"] = 999
    extra = Dataset(jobs=[later])
    await load_dataset(db, extra)
    second_page = (
        await run_graphql(
            client, JOBS_PAGE, variables | {"after": first_page["pageInfo"]["endCursor"]}
        )
    )["jobs"]
    expected = reference.select(data.jobs, lambda row: True, keys)
    assert edge_ids(first_page) + edge_ids(second_page) == expected[:20]


async def test_empty_result_has_no_cursors_and_no_pages(client: AsyncClient, data: Dataset) -> None:
    connection = (await run_graphql(client, JOBS_PAGE, {"filter": {"status": []}}))["jobs"]
    assert connection == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


async def test_total_count_covers_the_whole_list_whatever_the_cursors(
    client: AsyncClient, data: Dataset
) -> None:
    keys = [("created_at", "DESC")]
    expected = reference.select(data.jobs, lambda row: True, keys)
    middle = (await run_graphql(client, JOBS_PAGE, {"first": 10}))["jobs"]["edges"][4]["cursor"]
    for window in ({"first": 100, "before": middle}, {"last": 100, "after": middle}):
        connection = (await run_graphql(client, JOBS_PAGE, window))["jobs"]
        assert len(connection["edges"]) in (4, len(expected) - 5)
        assert connection["totalCount"] == len(expected)

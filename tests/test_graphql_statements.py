"""No N+1: the number of SQL statements per request does not grow with the page size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event

from jobgraph.db.engine import Database
from tests.dataset import build_dataset, load_dataset
from tests.graphql_client import run_graphql

JOBS_WITH_PARENTS = """
query ($first: Int) {
  jobs(first: $first) { edges { node { id batch { id status } project { id name } } } }
}
"""

PROJECT_TREE = """
query ($batches: Int, $jobs: Int) {
  projects(first: 10) { edges { node {
    name
    batches(first: $batches) { totalCount edges { node {
      id jobsCount jobsCountPerStatus { status count }
      jobs(first: $jobs) { totalCount edges { node { id batch { id } } } }
    } } }
  } } }
}
"""


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, *args: Any) -> None:
        self.statements.append(args[2])

    def raw(self, sql: str) -> None:
        self.statements.append(sql)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def count_queries(app: FastAPI) -> Iterator[StatementCounter]:
    """Counts statements on both paths: the engine's and the compiled path's raw reader."""
    counter = StatementCounter()
    engine = app.state.db.engine.sync_engine
    listeners = app.state.compiled_graphql.reader.listeners
    event.listen(engine, "before_cursor_execute", counter)
    listeners.append(counter.raw)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)
    listeners.remove(counter.raw)


async def test_a_page_of_jobs_with_batch_and_project_takes_three_statements(
    client: AsyncClient, db: Database, count_queries: StatementCounter
) -> None:
    await load_dataset(db, build_dataset(jobs_per_batch=(40, 40, 40)))
    await run_graphql(client, "{ jobs(first: 1) { totalCount } }")  # connect and warm up
    counts = []
    for size in (1, 10, 100):
        count_queries.reset()
        data = await run_graphql(client, JOBS_WITH_PARENTS, {"first": size})
        assert len(data["jobs"]["edges"]) == size
        counts.append(len(count_queries.statements))
    assert counts == [3, 3, 3]


async def test_a_project_tree_takes_one_statement_per_level(
    client: AsyncClient, db: Database, count_queries: StatementCounter
) -> None:
    await load_dataset(db, build_dataset(jobs_per_batch=(12,) * 10))
    await run_graphql(client, "{ jobs(first: 1) { totalCount } }")
    counts = []
    for batches, jobs in ((1, 1), (10, 10), (100, 10), (10, 100)):
        count_queries.reset()
        data = await run_graphql(client, PROJECT_TREE, {"batches": batches, "jobs": jobs})
        trees = data["projects"]["edges"]
        assert sum(len(p["node"]["batches"]["edges"]) for p in trees) == min(10, 3 * batches)
        counts.append(len(count_queries.statements))
    # projects, batches, batch counts, job status counts, jobs, job counts, jobs' batches;
    # a page that holds a whole list needs no count, so bigger pages may take fewer.
    assert counts[0] == 7
    assert all(count <= 7 for count in counts)

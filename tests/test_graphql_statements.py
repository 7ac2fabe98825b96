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


BENCHMARK_QUERIES = {
    "Q1 newest 100 with cursors": (
        "{ jobs(first: 100, orderBy: [{field: CREATED_AT, direction: DESC}, "
        "{field: ID, direction: DESC}]) { edges { cursor node { id status runs createdAt "
        "batchId projectId } } pageInfo { hasNextPage endCursor } } }",
        1,
    ),
    "Q2 one project's DONE/ERROR jobs with batch and project": (
        "query ($p: ID!) { jobs(first: 100, filter: {projectId: [$p], status: [DONE, ERROR]}) "
        "{ edges { cursor node { id status runs createdAt batch { id status deviceType } "
        "project { id name } } } pageInfo { hasNextPage endCursor } } }",
        3,
    ),
    "Q4 a project, its batches and their jobs": (
        "query ($p: ID!) { project(id: $p) { id name batches(first: 10) { edges { node { id "
        "status deviceType createdAt jobs(first: 10, orderBy: [{field: CREATION_ORDER, "
        "direction: ASC}]) { edges { node { id status runs createdAt } } } } } } } }",
        3,  # 2 on PostgreSQL: each batch's jobs are written as JSON in the batches' read
    ),
    "Q5 a count alone": (
        "query ($p: ID!) { jobs(filter: {projectId: [$p], status: [ERROR]}) { totalCount } }",
        1,
    ),
}


@pytest.mark.parametrize("name", BENCHMARK_QUERIES)
async def test_the_benchmark_queries_take_their_statement_budget(
    client: AsyncClient, db: Database, count_queries: StatementCounter, name: str
) -> None:
    data = build_dataset(jobs_per_batch=(40, 0, 12, 30, 9, 25, 40, 40))
    await load_dataset(db, data)
    query, budget = BENCHMARK_QUERIES[name]
    project = data.projects[0]["id"]
    await run_graphql(client, query, {"p": project})  # warm up: plan and compile once
    count_queries.reset()
    answer = await run_graphql(client, query, {"p": project})
    assert answer
    if db.dialect == "postgresql" and name.startswith("Q4"):
        budget -= 1
    assert len(count_queries.statements) == budget

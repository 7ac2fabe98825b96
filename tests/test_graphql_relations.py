"""Nested relations, node refetching and per-batch counts."""

from __future__ import annotations

from collections import Counter

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests import reference
from tests.dataset import JOB_STATUSES, Dataset, build_dataset, load_dataset
from tests.graphql_client import edge_ids, run_graphql


@pytest.fixture
async def data(db: Database) -> Dataset:
    dataset = build_dataset()
    await load_dataset(db, dataset)
    return dataset


async def test_job_reaches_its_batch_project_and_parent(client: AsyncClient, data: Dataset) -> None:
    child = next(job for job in data.jobs if job["parent_id"])
    query = """
    query ($id: ID!) {
      job(id: $id) {
        id batchId status createdAt startTimestamp variables errors result
        batch { id project { id name } }
        project { id }
        parent { id }
      }
    }
    """
    job = (await run_graphql(client, query, {"id": child["id"]}))["job"]
    batch = next(b for b in data.batches if b["id"] == child["batch_id"])
    project = next(p for p in data.projects if p["id"] == batch["project_id"])
    assert job["batch"] == {
        "id": batch["id"],
        "project": {"id": project["id"], "name": project["name"]},
    }
    assert job["project"] == {"id": project["id"]}
    assert job["parent"] == {"id": child["parent_id"]}
    assert job["status"] == child["status"]
    assert job["createdAt"] == child["created_at"].isoformat()
    assert job["startTimestamp"] == reference.iso(child["start_timestamp"])
    assert job["variables"] == child["variables"]
    assert job["errors"] == child["errors"]
    assert job["result"] == data.results.get(child["id"])


async def test_root_lookups_return_null_when_absent(client: AsyncClient, data: Dataset) -> None:
    query = """
    query ($id: ID!) { job(id: $id) { id } batch(id: $id) { id } project(id: $id) { id } }
    """
    for missing in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        found = await run_graphql(client, query, {"id": missing})
        assert found == {"job": None, "batch": None, "project": None}


async def test_batch_jobs_counts_and_statuses(client: AsyncClient, data: Dataset) -> None:
    batch = data.batches[3]
    query = """
    query ($id: ID!, $filter: JobFilter) {
      batch(id: $id) {
        jobsCount
        jobsCountPerStatus { status count }
        jobs(first: 5, filter: $filter, orderBy: [{field: CREATION_ORDER, direction: ASC}]) {
          totalCount edges { node { id creationOrder } } pageInfo { hasNextPage }
        }
        project { id }
        parent { id }
      }
    }
    """
    found = await run_graphql(client, query, {"id": batch["id"], "filter": {"minRuns": 100}})
    own = [job for job in data.jobs if job["batch_id"] == batch["id"]]
    statuses = Counter(job["status"] for job in own)
    assert found["batch"]["jobsCount"] == len(own)
    assert found["batch"]["jobsCountPerStatus"] == [
        {"status": status, "count": statuses.get(status, 0)} for status in JOB_STATUSES
    ]
    kept = reference.select(
        own, reference.graphql_filter({"minRuns": 100}), [("creation_order", "ASC")]
    )
    jobs = found["batch"]["jobs"]
    assert edge_ids(jobs) == kept[:5]
    assert jobs["totalCount"] == len(kept)
    assert jobs["pageInfo"]["hasNextPage"] == (len(kept) > 5)
    assert found["batch"]["parent"] == {"id": data.batches[0]["id"]}


async def test_project_batches_and_jobs_nest_with_filters(
    client: AsyncClient, data: Dataset
) -> None:
    query = """
    {
      projects(orderBy: [{field: NAME, direction: ASC}]) {
        edges { node {
          name
          batches(first: 2, orderBy: [{field: CREATED_AT, direction: ASC}]) {
            totalCount
            edges { node { id jobs(first: 3, filter: {status: [DONE, ERROR]}) {
              totalCount edges { node { id } } } } }
          }
          jobs(first: 4, orderBy: [{field: RUNS, direction: DESC}]) {
            totalCount edges { node { id } } }
        } }
      }
    }
    """
    projects = (await run_graphql(client, query))["projects"]["edges"]
    assert [edge["node"]["name"] for edge in projects] == sorted(p["name"] for p in data.projects)
    by_name = {p["name"]: p for p in data.projects}
    done_or_error = reference.graphql_filter({"status": ["DONE", "ERROR"]})
    for edge in projects:
        node = edge["node"]
        project = by_name[node["name"]]
        own_batches = [b for b in data.batches if b["project_id"] == project["id"]]
        expected_batches = reference.select(own_batches, lambda row: True, [("created_at", "ASC")])
        assert edge_ids(node["batches"]) == expected_batches[:2]
        assert node["batches"]["totalCount"] == len(own_batches)
        for batch_edge in node["batches"]["edges"]:
            own_jobs = [j for j in data.jobs if j["batch_id"] == batch_edge["node"]["id"]]
            expected_jobs = reference.select(own_jobs, done_or_error, [])
            assert edge_ids(batch_edge["node"]["jobs"]) == expected_jobs[:3]
            assert batch_edge["node"]["jobs"]["totalCount"] == len(expected_jobs)
        project_jobs = [j for j in data.jobs if j["project_id"] == project["id"]]
        assert (
            edge_ids(node["jobs"])
            == reference.select(project_jobs, lambda r: True, [("runs", "DESC")])[:4]
        )
        assert node["jobs"]["totalCount"] == len(project_jobs)


async def test_nested_connection_pages_with_cursors(client: AsyncClient, data: Dataset) -> None:
    batch = max(data.batches, key=lambda b: sum(j["batch_id"] == b["id"] for j in data.jobs))
    own = [j for j in data.jobs if j["batch_id"] == batch["id"]]
    expected = reference.select(own, lambda row: True, [("end_timestamp", "ASC")])
    query = """
    query ($id: ID!, $after: String, $before: String, $first: Int, $last: Int) {
      batch(id: $id) { jobs(first: $first, after: $after, last: $last, before: $before,
                            orderBy: [{field: END_TIMESTAMP, direction: ASC}]) {
        edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }
    }
    """
    seen: list[str] = []
    after = None
    while True:
        jobs = await run_graphql(client, query, {"id": batch["id"], "first": 4, "after": after})
        page = jobs["batch"]["jobs"]
        seen += edge_ids(page)
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    cursor_row = len(seen) - len(edge_ids(page)) - 1  # `after` is the end of the page before
    backward = await run_graphql(client, query, {"id": batch["id"], "last": 3, "before": after})
    assert edge_ids(backward["batch"]["jobs"]) == expected[:cursor_row][-3:]
    assert backward["batch"]["jobs"]["pageInfo"]["hasNextPage"] is True
    assert backward["batch"]["jobs"]["pageInfo"]["hasPreviousPage"] is (cursor_row > 3)


async def test_node_and_nodes_refetch_any_type(client: AsyncClient, data: Dataset) -> None:
    job, batch, project = data.jobs[0], data.batches[1], data.projects[2]
    query = """
    query ($id: ID!, $ids: [ID!]!) {
      node(id: $id) { __typename id ... on Job { status } }
      nodes(ids: $ids) {
        __typename id
        ... on Batch { projectId }
        ... on Project { name }
      }
    }
    """
    missing = "00000000-0000-4000-8000-000000000000"
    found = await run_graphql(
        client, query, {"id": job["id"], "ids": [project["id"], missing, batch["id"].upper()]}
    )
    assert found["node"] == {"__typename": "Job", "id": job["id"], "status": job["status"]}
    assert found["nodes"] == [
        {"__typename": "Project", "id": project["id"], "name": project["name"]},
        None,
        {"__typename": "Batch", "id": batch["id"], "projectId": batch["project_id"]},
    ]

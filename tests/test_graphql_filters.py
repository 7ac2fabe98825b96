"""Each JobFilter, BatchFilter and ProjectFilter field, alone and composed, vs the reference."""

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
query ($filter: JobFilter, $orderBy: [JobOrder!]) {
  jobs(filter: $filter, orderBy: $orderBy, first: 100) { totalCount edges { node { id } } }
}
"""
BATCHES = """
query ($filter: BatchFilter) {
  batches(filter: $filter, first: 100) { totalCount edges { node { id } } }
}
"""
PROJECTS = """
query ($filter: ProjectFilter) {
  projects(filter: $filter, first: 100) { totalCount edges { node { id } } }
}
"""

TIE = T0 + timedelta(hours=2)

JOB_FILTERS: list[dict[str, Any]] = [
    {},
    {"status": ["ERROR"]},
    {"status": ["PENDING", "CANCELING"]},
    {"status": []},
    {"origin": ["AZURE", "OVH"]},
    {"userId": ["zoë-ü", "用户"]},
    {"idStartsWith": "abc"},
    {"idStartsWith": "ABC"},
    {"idStartsWith": "ab"},
    {"idStartsWith": ""},
    {"minRuns": 100},
    {"maxRuns": 100},
    {"minRuns": 100, "maxRuns": 100},
    {"minRuns": 1001},
    {"errors": True},
    {"errors": False},
    {"startDate": TIE},
    {"endDate": TIE + timedelta(seconds=300)},
    {"createdAt": {"gte": TIE, "lte": TIE}},
    {"createdAt": {"gt": TIE}},
    {"createdAt": {"lt": TIE}},
    {"updatedAt": {"gt": T0 + timedelta(days=30)}},
    {"startTimestamp": {"lt": T0 + timedelta(days=10)}},
    {"endTimestamp": {"gte": T0 + timedelta(days=40), "lt": T0 + timedelta(days=60)}},
    {"runs": {"gt": 0, "lt": 500}},
    {"progress": {"gte": 100}},
    {"progress": {"lte": 0}},
    {"and": [{"status": ["DONE"]}, {"minRuns": 500}]},
    {"and": []},
    {"or": [{"status": ["ERROR"]}, {"runs": {"lte": 0}}]},
    {"or": []},
    {"not": {"status": ["DONE"]}},
    {"not": {"errors": True}},
    {"not": {"startDate": TIE}},
    {"status": ["DONE", "ERROR"], "or": [{"origin": ["CLIENT"]}, {"not": {"minRuns": 100}}]},
    {"and": [{"or": [{"idStartsWith": "abc"}, {"errors": True}]}, {"not": {"maxRuns": 0}}]},
    {"hasResult": True},
    {"hasResult": False},
    {"hasResult": True, "minRuns": 500},
    {"not": {"hasResult": True}, "status": ["DONE"]},
    {"or": [{"hasResult": True}, {"errors": True}]},
]


@pytest.fixture(scope="module")
async def data(module_db: Database) -> Dataset:
    dataset = build_dataset()
    await load_dataset(module_db, dataset)
    return dataset


@pytest.fixture
def client(module_client: AsyncClient) -> AsyncClient:
    """The tests here only read the data set: one app over it serves the whole module."""
    return module_client


@pytest.mark.parametrize("job_filter", JOB_FILTERS, ids=str)
async def test_job_filter_matches_reference(
    client: AsyncClient, data: Dataset, job_filter: dict[str, Any]
) -> None:
    jobs = [job | {"has_result": job["id"] in data.results} for job in data.jobs]
    expected = reference.select(jobs, reference.graphql_filter(job_filter), [])
    variables = {"filter": reference.graphql_variables(job_filter)}
    connection = (await run_graphql(client, JOBS, variables))["jobs"]
    assert edge_ids(connection) == expected
    assert connection["totalCount"] == len(expected)


async def test_job_filter_on_ids_and_relations(client: AsyncClient, data: Dataset) -> None:
    some = [data.jobs[3]["id"], data.jobs[40]["id"].upper(), "00000000-0000-0000-0000-000000000000"]
    for job_filter in (
        {"id": some},
        {"batchId": [data.batches[2]["id"], data.batches[5]["id"]]},
        {"projectId": [data.projects[1]["id"]]},
        {"parentId": [job["parent_id"] for job in data.jobs if job["parent_id"]][:3]},
    ):
        lowered = {key: [value.lower() for value in values] for key, values in job_filter.items()}
        expected = reference.select(data.jobs, reference.graphql_filter(lowered), [])
        assert expected
        connection = (await run_graphql(client, JOBS, {"filter": job_filter}))["jobs"]
        assert edge_ids(connection) == expected


@pytest.mark.parametrize(
    "batch_filter",
    [
        {"status": ["DONE", "PAUSED", "PENDING"]},
        {"open": True},
        {"complete": True, "open": False},
        {"tag": "urgent"},
        {"tag": "ü-tag"},
        {"tag": "missing"},
        {"deviceType": ["FRESNEL"]},
        {"userId": ["alice"]},
        {"idStartsWith": "abc"},
        {"priority": {"gte": 1}},
        {"createdAt": {"lte": T0 + timedelta(days=2)}},
        {"startDatetime": {"gt": T0}},
        {"endDatetime": {"lt": T0 + timedelta(days=100)}},
        {"or": [{"tag": "nightly"}, {"not": {"open": True}}]},
        {"queuePriority": ["HIGH"]},
        {"queuePriority": ["LOW", "MEDIUM"], "open": False},
        {"queuePriority": []},
        {"startDate": T0 + timedelta(days=1)},
        {"endDate": T0 + timedelta(days=3)},
        {"startDate": T0, "endDate": T0},
        {"not": {"startDate": T0 + timedelta(days=2)}, "queuePriority": ["LOW"]},
    ],
    ids=str,
)
async def test_batch_filter_matches_reference(
    client: AsyncClient, data: Dataset, batch_filter: dict[str, Any]
) -> None:
    predicate = reference.graphql_filter(batch_filter, "batch")
    expected = reference.select(data.batches, predicate, [])
    variables = {"filter": reference.graphql_variables(batch_filter)}
    connection = (await run_graphql(client, BATCHES, variables))["batches"]
    assert edge_ids(connection) == expected
    assert connection["totalCount"] == len(expected)


@pytest.mark.parametrize(
    "project_filter",
    [
        {"name": "Βήτα ✨"},
        {"nameStartsWith": "Βή"},
        {"nameStartsWith": "alpha"},
        {"createdAt": {"gt": T0}},
        {"not": {"name": "gamma"}},
        {"projectStatus": ["ACTIVE"]},
        {"projectStatus": ["ARCHIVED"]},
        {"not": {"projectStatus": ["ARCHIVED"]}, "createdAt": {"gt": T0}},
    ],
    ids=str,
)
async def test_project_filter_matches_reference(
    client: AsyncClient, data: Dataset, project_filter: dict[str, Any]
) -> None:
    expected = reference.select(data.projects, reference.graphql_filter(project_filter), [])
    variables = {"filter": reference.graphql_variables(project_filter)}
    connection = (await run_graphql(client, PROJECTS, variables))["projects"]
    assert edge_ids(connection) == expected


async def test_naive_times_in_filters_are_read_as_utc(client: AsyncClient, data: Dataset) -> None:
    naive = {"createdAt": {"gte": TIE.replace(tzinfo=None).isoformat()}}
    aware = {"createdAt": {"gte": TIE.isoformat()}}
    naive_ids = edge_ids((await run_graphql(client, JOBS, {"filter": naive}))["jobs"])
    aware_ids = edge_ids((await run_graphql(client, JOBS, {"filter": aware}))["jobs"])
    assert naive_ids == aware_ids
    assert naive_ids

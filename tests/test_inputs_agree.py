"""REST and GraphQL accept or refuse the same odd values the same way: one check, in the core."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests import reference
from tests.dataset import Dataset, build_dataset, load_dataset

JOBS = """
query ($filter: JobFilter) {
  jobs(filter: $filter, first: 100) { totalCount edges { node { id } } }
}
"""
DATA = build_dataset()
A_JOB = DATA.jobs[5]["id"]
REFUSED = "refused"

Expected = str | Callable[[Mapping[str, Any]], bool]


def started_since(moment: datetime) -> Expected:
    return lambda job: job["start_timestamp"] is not None and job["start_timestamp"] >= moment


def ended_by(moment: datetime) -> Expected:
    return lambda job: job["end_timestamp"] is not None and job["end_timestamp"] <= moment


def nothing(_job: Mapping[str, Any]) -> bool:
    return False


def everything(_job: Mapping[str, Any]) -> bool:
    return True


def with_id(value: str) -> Expected:
    return lambda job: job["id"] == value


def of_user(user: str) -> Expected:
    return lambda job: job["user_id"] == user


def id_starting(prefix: str) -> Expected:
    return lambda job: str(job["id"]).startswith(prefix)


# (REST parameter, GraphQL filter field, the value sent to both, what both must answer)
CASES: list[tuple[str, str, str, Expected]] = [
    # times: naive, with offsets, bare dates, far past and far future, case, empty, garbage
    (
        "start_date",
        "startDate",
        "2024-03-20T12:00:00",
        started_since(datetime(2024, 3, 20, 12, tzinfo=UTC)),
    ),
    (
        "start_date",
        "startDate",
        "2024-03-20T12:00:00+05:30",
        started_since(datetime(2024, 3, 20, 6, 30, tzinfo=UTC)),
    ),
    (
        "start_date",
        "startDate",
        "2024-03-20T12:00:00-00:00",
        started_since(datetime(2024, 3, 20, 12, tzinfo=UTC)),
    ),
    ("start_date", "startDate", "2024-03-20", started_since(datetime(2024, 3, 20, tzinfo=UTC))),
    (
        "start_date",
        "startDate",
        "0001-01-01T00:00:00Z",
        started_since(datetime(1, 1, 1, tzinfo=UTC)),
    ),
    ("start_date", "startDate", "0001-01-01T00:00:00+01:00", REFUSED),
    ("start_date", "startDate", "9999-12-31T23:59:59.999999Z", nothing),
    ("start_date", "startDate", "9999-12-31T23:00:00-05:00", REFUSED),
    ("end_date", "endDate", "9999-12-31T23:00:00-05:00", REFUSED),
    (
        "end_date",
        "endDate",
        "9999-12-31T18:00:00-05:00",
        ended_by(datetime(9999, 12, 31, 23, tzinfo=UTC)),
    ),
    ("end_date", "endDate", "2024-03-20t12:00:00z", REFUSED),
    ("end_date", "endDate", "", REFUSED),
    ("end_date", "endDate", "2024-02-30", REFUSED),
    ("end_date", "endDate", "yesterday", REFUSED),
    ("end_date", "endDate", "2024-03-20T12:00:00\x00", REFUSED),
    # ids: any case and form of a UUID finds the job; anything else is no job's id
    ("id", "id", A_JOB.upper(), with_id(A_JOB)),
    ("id", "id", A_JOB.replace("-", ""), with_id(A_JOB)),
    ("id", "id", "{" + A_JOB + "}", with_id(A_JOB)),
    ("id", "id", "", nothing),
    ("id", "id", "nope", nothing),
    ("id", "id", "%", nothing),
    ("id", "id", "jöb-ü", nothing),
    ("id", "id", A_JOB + "\x00", REFUSED),
    ("id", "id", "a" * 1001, REFUSED),
    ("batch_id", "batchId", "12", nothing),
    ("project_id", "projectId", "", nothing),
    # id prefixes: any case; % and _ are literal; a prefix no id can have matches nothing
    ("id__starts_with", "idStartsWith", "ABC", id_starting("abc")),
    ("id__starts_with", "idStartsWith", "", everything),
    ("id__starts_with", "idStartsWith", "%", nothing),
    ("id__starts_with", "idStartsWith", "_", nothing),
    ("id__starts_with", "idStartsWith", "0%", nothing),
    ("id__starts_with", "idStartsWith", "ab_", nothing),
    ("id__starts_with", "idStartsWith", "é", nothing),
    ("id__starts_with", "idStartsWith", "\U0010ffff", nothing),
    ("id__starts_with", "idStartsWith", A_JOB + "0", nothing),
    ("id__starts_with", "idStartsWith", A_JOB.upper(), with_id(A_JOB)),
    ("id__starts_with", "idStartsWith", "ab\x00", REFUSED),
    ("id__starts_with", "idStartsWith", "a" * 1001, REFUSED),
    # user ids: compared exactly; the empty string is a value like any other
    ("user_id", "userId", "zoë-ü", of_user("zoë-ü")),
    ("user_id", "userId", "ZOË-Ü", nothing),
    ("user_id", "userId", "用户", of_user("用户")),
    ("user_id", "userId", "", nothing),
    ("user_id", "userId", "%", nothing),
    ("user_id", "userId", "u" * 1000, nothing),
    ("user_id", "userId", "u" * 1001, REFUSED),
    ("user_id", "userId", "a\x00b", REFUSED),
    # enums are case-sensitive in both
    ("status", "status", "done", REFUSED),
    ("origin", "origin", "", REFUSED),
]
LISTS = {"id", "batchId", "projectId", "userId", "status", "origin"}


@pytest.fixture(scope="module")
async def data(module_db: Database) -> Dataset:
    await load_dataset(module_db, DATA)
    return DATA


@pytest.fixture
def client(module_client: AsyncClient) -> AsyncClient:
    """The tests here only read the data set: one app over it serves the whole module."""
    return module_client


async def rest_outcome(client: AsyncClient, parameter: str, value: str) -> list[str] | str:
    response = await client.get("/api/v2/jobs", params={parameter: value, "limit": 100})
    if response.status_code == 422:
        body = response.json()
        assert (body["status"], list(body["data"])) == ("fail", [parameter])
        return REFUSED
    assert response.status_code == 200, response.text
    return [job["id"] for job in response.json()["data"]]


async def graphql_outcome(client: AsyncClient, field: str, value: str) -> list[str] | str:
    variables = {"filter": {field: [value] if field in LISTS else value}}
    response = await client.post("/graphql", json={"query": JOBS, "variables": variables})
    body = response.json()
    if body.get("errors"):
        assert body.get("data") is None, body
        assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]
        return REFUSED
    assert response.status_code == 200, response.text
    return [edge["node"]["id"] for edge in body["data"]["jobs"]["edges"]]


@pytest.mark.parametrize(
    ("parameter", "field", "value", "expected"),
    CASES,
    ids=[f"{case[0]}={case[2][:40]!r}" for case in CASES],
)
async def test_rest_and_graphql_give_the_same_outcome_for_odd_values(
    client: AsyncClient,
    data: Dataset,
    parameter: str,
    field: str,
    value: str,
    expected: Expected,
) -> None:
    rest = await rest_outcome(client, parameter, value)
    graphql = await graphql_outcome(client, field, value)
    if isinstance(expected, str):
        assert rest == graphql == expected
    else:
        kept = reference.select(data.jobs, expected, [])
        assert rest == graphql == kept


async def test_runs_bounds_take_graphql_int_in_both(client: AsyncClient, data: Dataset) -> None:
    everyone = reference.select(data.jobs, everything, [])
    for value, expected in ((-1, everyone), (-(2**31), everyone), (2**31 - 1, [])):
        assert await rest_outcome(client, "min_runs", str(value)) == expected
        response = await client.post(
            "/graphql", json={"query": JOBS, "variables": {"filter": {"minRuns": value}}}
        )
        assert [edge["node"]["id"] for edge in response.json()["data"]["jobs"]["edges"]] == expected
    assert await rest_outcome(client, "min_runs", str(2**31)) == REFUSED
    response = await client.post(
        "/graphql", json={"query": JOBS, "variables": {"filter": {"minRuns": 2**31}}}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

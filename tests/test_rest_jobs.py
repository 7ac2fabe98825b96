"""GET /api/v2/jobs and /api/v2/jobs/{id} compared with tests/reference.py on the edge-case data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from jobgraph.db.engine import Database, make_database, make_engine
from jobgraph.db.raw import make_reader
from jobgraph.domain import JobOrderField
from tests.conftest import client_of
from tests.dataset import T0, Dataset, build_dataset, load_dataset
from tests.reference import iso, rest_filter, select

DATA = build_dataset()
JOBS = DATA.jobs
BATCHES = DATA.batches
PROJECTS = DATA.projects
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
DEFAULT_ORDER = [("created_at", "DESC")]
Pairs = list[tuple[str, str | int | float | bool | None]]
JOB_FIELDS = [
    "id",
    "parent_id",
    "status",
    "runs",
    "batch_id",
    "project_id",
    "user_id",
    "origin",
    "created_at",
    "updated_at",
    "start_timestamp",
    "end_timestamp",
    "variables",
    "errors",
    "progress",
    "creation_order",
    "slurm_job_id",
    "cluster_name",
]


def _first(predicate: Any) -> dict[str, Any]:
    return next(job for job in JOBS if predicate(job))


STARTED = _first(lambda job: job["start_timestamp"] is not None)
ENDED = _first(lambda job: job["end_timestamp"] is not None)

FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "one id": {"id": [JOBS[5]["id"]]},
    "ids with an unknown one": {"id": [JOBS[5]["id"], JOBS[40]["id"], UNKNOWN_ID]},
    "id prefix abc": {"id__starts_with": "abc"},
    "id prefix ab": {"id__starts_with": "ab"},
    "id prefix in capitals": {"id__starts_with": "ABC"},
    "id prefix matching nothing": {"id__starts_with": "fffff"},
    "one batch": {"batch_id": [BATCHES[2]["id"]]},
    "two batches": {"batch_id": [BATCHES[2]["id"], BATCHES[5]["id"]]},
    "an empty batch": {"batch_id": [BATCHES[0]["id"]]},
    "one project": {"project_id": [PROJECTS[0]["id"]]},
    "two projects": {"project_id": [PROJECTS[1]["id"], PROJECTS[2]["id"]]},
    "unicode user": {"user_id": ["用户"]},
    "two users": {"user_id": ["zoë-ü", "alice"]},
    "unknown user": {"user_id": ["nobody"]},
    "one status": {"status": ["DONE"]},
    "two statuses": {"status": ["ERROR", "CANCELING"]},
    "one origin": {"origin": ["OVH"]},
    "two origins": {"origin": ["CLIENT", "UNKNOWN"]},
    "min_runs": {"min_runs": 100},
    "min_runs 0": {"min_runs": 0},
    "max_runs": {"max_runs": 100},
    "min_runs above max_runs": {"min_runs": 500, "max_runs": 100},
    "runs window": {"min_runs": 1, "max_runs": 500},
    "errors": {"errors": True},
    "no errors": {"errors": False},
    "start_date": {"start_date": T0 + timedelta(days=30)},
    "start_date on a start_timestamp": {"start_date": STARTED["start_timestamp"]},
    "end_date": {"end_date": T0 + timedelta(days=45)},
    "end_date on an end_timestamp": {"end_date": ENDED["end_timestamp"]},
    "status, user and min_runs": {
        "status": ["DONE", "RUNNING"],
        "user_id": ["用户"],
        "min_runs": 1,
    },
    "batch, no errors, start_date": {
        "batch_id": [BATCHES[3]["id"], BATCHES[5]["id"]],
        "errors": False,
        "start_date": T0 + timedelta(days=20),
    },
    "project, origin, end_date, max_runs": {
        "project_id": [PROJECTS[0]["id"]],
        "origin": ["AZURE", "OVH", "CLIENT"],
        "end_date": T0 + timedelta(days=60),
        "max_runs": 500,
    },
    "prefix and statuses": {"id__starts_with": "ab", "status": ["PENDING", "ERROR", "DONE"]},
    "date window": {"start_date": T0 + timedelta(days=10), "end_date": T0 + timedelta(days=50)},
}

ORDERS = [[(field.value, direction)] for field in JobOrderField for direction in ("ASC", "DESC")]


def query(params: Mapping[str, Any]) -> Pairs:
    """Reference-style parameters as query-string pairs (lists repeat the name)."""
    pairs: Pairs = []
    for name, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, datetime):
                pairs.append((name, item.isoformat()))
            elif isinstance(item, bool):
                pairs.append((name, "true" if item else "false"))
            else:
                pairs.append((name, str(item)))
    return pairs


def order_query(keys: list[tuple[str, str]]) -> Pairs:
    ((field, direction),) = keys
    return [("order_by", field), ("order_by_direction", direction)]


def expected(params: Mapping[str, Any], keys: list[tuple[str, str]]) -> list[str]:
    return select(JOBS, rest_filter(params), keys)


def wire(job: Mapping[str, Any]) -> dict[str, Any]:
    """The job object REST must return for a data-set row."""
    return {
        name: iso(job[name]) if isinstance(job[name], datetime) else job[name]
        for name in JOB_FIELDS
    }


def ids(response: Response) -> list[str]:
    return [job["id"] for job in response.json()["data"]]


def assert_page(response: Response, total: int, start: int, count: int) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    assert body["message"] == "OK."
    assert body["code"] == 200
    assert body["pagination"] == {"total": total, "start": start, "end": start + count}
    assert len(body["data"]) == count
    assert response.headers["Content-Range"] == f"{start}-{start + count}/{total}"
    assert response.headers["Access-Control-Expose-Headers"] == "Content-Range"


@pytest.fixture(scope="module")
async def data(module_db: Database) -> Dataset:
    await load_dataset(module_db, DATA)
    return DATA


@pytest.fixture
def client(module_client: AsyncClient) -> AsyncClient:
    """The tests here only read the data set: one app over it serves the whole module."""
    return module_client


@pytest.mark.parametrize("params", FILTERS.values(), ids=FILTERS.keys())
async def test_jobs_filter_matches_the_reference(
    client: AsyncClient, data: Dataset, params: dict[str, Any]
) -> None:
    want = expected(params, DEFAULT_ORDER)
    response = await client.get("/api/v2/jobs", params=query(params))
    assert_page(response, total=len(want), start=0, count=len(want))
    assert ids(response) == want


@pytest.mark.parametrize("keys", ORDERS, ids=[f"{k[0][0]}-{k[0][1]}" for k in ORDERS])
async def test_jobs_order_matches_the_reference(
    client: AsyncClient, data: Dataset, keys: list[tuple[str, str]]
) -> None:
    response = await client.get("/api/v2/jobs", params=order_query(keys))
    assert_page(response, total=len(JOBS), start=0, count=len(JOBS))
    assert ids(response) == expected({}, keys)
    filtered = {"status": ["DONE", "ERROR", "RUNNING"], "min_runs": 1}
    response = await client.get("/api/v2/jobs", params=query(filtered) + order_query(keys))
    assert ids(response) == expected(filtered, keys)


PAGED = [
    ({}, [("created_at", "DESC")], 7),
    ({}, [("start_timestamp", "ASC")], 10),
    ({}, [("status", "DESC")], 1),
    ({"min_runs": 100}, [("runs", "ASC")], 9),
    ({"user_id": ["用户", "bob"]}, [("end_timestamp", "DESC")], 13),
    ({"id__starts_with": "ab"}, [("progress", "ASC")], 4),
    ({"errors": False, "origin": ["CLIENT", "OVH"]}, [("updated_at", "ASC")], 100),
]


@pytest.mark.parametrize(("params", "keys", "limit"), PAGED)
async def test_jobs_pages_walk_the_whole_result_in_order(
    client: AsyncClient,
    data: Dataset,
    params: dict[str, Any],
    keys: list[tuple[str, str]],
    limit: int,
) -> None:
    want = expected(params, keys)
    seen: list[str] = []
    offset = 0
    while True:
        pairs: Pairs = [*query(params), *order_query(keys), ("limit", limit), ("offset", offset)]
        response = await client.get("/api/v2/jobs", params=pairs)
        count = min(limit, max(len(want) - offset, 0))
        assert_page(response, total=len(want), start=offset, count=count)
        seen += ids(response)
        offset = response.json()["pagination"]["end"]
        if offset >= len(want):
            break
    assert seen == want


async def test_jobs_offset_past_the_end_gives_an_empty_page_at_that_offset(
    client: AsyncClient, data: Dataset
) -> None:
    response = await client.get("/api/v2/jobs", params={"offset": 200, "limit": 10})
    assert_page(response, total=len(JOBS), start=200, count=0)
    assert response.headers["Content-Range"] == f"200-200/{len(JOBS)}"
    exact_end = await client.get("/api/v2/jobs", params={"offset": len(JOBS)})
    assert_page(exact_end, total=len(JOBS), start=len(JOBS), count=0)


async def test_jobs_defaults_are_newest_first_and_100_per_page(app: FastAPI, factory: Any) -> None:
    batch = await factory.batch()
    made = [
        await factory.job(batch, created_at=T0 + timedelta(seconds=index)) for index in range(105)
    ]
    async with client_of(app) as client:  # the test's own database, not the module's
        response = await client.get("/api/v2/jobs")
    assert_page(response, total=105, start=0, count=100)
    assert ids(response) == [job.id for job in reversed(made)][:100]


async def test_jobs_carry_every_field_with_utc_timestamps_and_never_the_result(
    client: AsyncClient, data: Dataset
) -> None:
    response = await client.get("/api/v2/jobs", params={"order_by": "id", "limit": 100})
    by_id = {job["id"]: job for job in JOBS}
    for job in response.json()["data"]:
        assert job == wire(by_id[job["id"]])
        assert list(job) == JOB_FIELDS
    with_result = next(iter(DATA.results))
    single = await client.get(f"/api/v2/jobs/{with_result}")
    assert "result" not in single.json()["data"]
    assert single.json()["data"]["created_at"].endswith("+00:00")


@pytest.mark.parametrize(
    "spelling",
    ["2024-04-01T00:00:00", "2024-04-01T00:00:00Z", "2024-04-01T02:00:00+02:00", "2024-04-01"],
)
async def test_jobs_dates_read_naive_values_as_utc(
    client: AsyncClient, data: Dataset, spelling: str
) -> None:
    instant = datetime.fromisoformat("2024-04-01T00:00:00+00:00")
    for name in ("start_date", "end_date"):
        response = await client.get("/api/v2/jobs", params={name: spelling})
        assert ids(response) == expected({name: instant}, DEFAULT_ORDER)


@pytest.mark.parametrize(
    ("spelling", "meaning"),
    [("True", True), ("TRUE", True), ("1", True), ("False", False), ("fAlSe", False), ("0", False)],
)
async def test_jobs_errors_accepts_any_case_and_digits(
    client: AsyncClient, data: Dataset, spelling: str, meaning: bool
) -> None:
    response = await client.get("/api/v2/jobs", params={"errors": spelling})
    assert ids(response) == expected({"errors": meaning}, DEFAULT_ORDER)


async def test_jobs_ignore_unknown_parameters_and_the_authorization_header(
    client: AsyncClient, data: Dataset
) -> None:
    response = await client.get(
        "/api/v2/jobs",
        params={"status": "DONE", "colour": "blue"},
        headers={"Authorization": "Bearer anything"},
    )
    assert ids(response) == expected({"status": ["DONE"]}, DEFAULT_ORDER)


async def test_jobs_repeated_values_count_once(client: AsyncClient, data: Dataset) -> None:
    twice: Pairs = [
        ("status", "DONE"),
        ("status", "DONE"),
        ("id", JOBS[3]["id"]),
        ("id", JOBS[3]["id"]),
    ]
    response = await client.get("/api/v2/jobs", params=twice)
    assert ids(response) == expected({"status": ["DONE"], "id": [JOBS[3]["id"]]}, DEFAULT_ORDER)


async def test_job_by_id_returns_the_job_in_an_envelope(client: AsyncClient, data: Dataset) -> None:
    job = JOBS[12]
    response = await client.get(
        f"/api/v2/jobs/{job['id'].upper()}", headers={"Authorization": "Bearer token"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "message": "OK.",
        "code": 200,
        "data": wire(job) | {"sequence": None},
    }


async def test_job_by_id_is_a_404_fail_when_absent(client: AsyncClient, data: Dataset) -> None:
    response = await client.get(f"/api/v2/jobs/{UNKNOWN_ID}")
    assert response.status_code == 404
    assert response.json() == {
        "status": "fail",
        "message": f"Job {UNKNOWN_ID} not found.",
        "code": 404,
        "data": {"id": "no job has this id"},
    }


async def test_openapi_documents_every_parameter(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operation = spec["paths"]["/api/v2/jobs"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert list(parameters) == [
        "order_by", "order_by_direction", "limit", "offset", "id", "id__starts_with",
        "batch_id", "project_id", "user_id", "status", "origin", "min_runs", "max_runs",
        "errors", "start_date", "end_date",
    ]  # fmt: skip
    assert all(parameter["description"] for parameter in parameters.values())
    assert parameters["limit"]["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 100, "default": 100,
    }  # fmt: skip
    assert parameters["status"]["schema"]["items"]["enum"] == [
        "PENDING", "RUNNING", "DONE", "ERROR", "CANCELED", "CANCELING",
    ]  # fmt: skip
    assert parameters["origin"]["schema"]["items"]["enum"] == ["CLIENT", "AZURE", "OVH", "UNKNOWN"]
    assert parameters["order_by"]["schema"]["enum"] == [field.value for field in JobOrderField]
    assert "read as UTC" in parameters["start_date"]["description"]
    for path in ("/api/v2/jobs", "/api/v2/jobs/{id}", "/api/v1/jobs/{id}/results_link"):
        assert spec["paths"][path]["get"]["summary"]
    docs = await client.get("/docs")
    assert docs.status_code == 200


async def test_jobs_id_filter_accepts_any_case(client: AsyncClient, data: Dataset) -> None:
    job_id = JOBS[9]["id"]
    response = await client.get("/api/v2/jobs", params={"id": job_id.upper()})
    assert ids(response) == [job_id]


async def test_jobs_answer_503_in_an_error_envelope_when_the_database_is_gone(
    app: FastAPI,
) -> None:
    unreachable = "postgresql+asyncpg://nobody@127.0.0.1:9/none"
    app.state.db = make_database(make_engine(unreachable))
    app.state.reader = make_reader(unreachable, 1)
    for path in ("/api/v2/jobs", f"/api/v2/jobs/{UNKNOWN_ID}"):
        async with client_of(app) as client:
            response = await client.get(path)
        assert response.status_code == 503
        assert response.json() == {
            "status": "error",
            "message": "The database did not answer; try again.",
            "code": 503,
            "data": {},
        }

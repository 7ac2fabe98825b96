"""Bad input to the REST routes: 422 with a JSend fail body naming each parameter; never a 500."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests.dataset import Dataset, build_dataset, load_dataset

Pairs = list[tuple[str, str | int | float | bool | None]]

BAD_INPUT: list[tuple[str, Pairs, str, str]] = [
    ("limit 0", [("limit", "0")], "limit", "must be between 1 and 100, got '0'"),
    ("limit 101", [("limit", "101")], "limit", "must be between 1 and 100, got '101'"),
    ("limit not a number", [("limit", "ten")], "limit", "'ten' is not an integer"),
    ("limit empty", [("limit", "")], "limit", "'' is not an integer"),
    ("limit decimal", [("limit", "10.0")], "limit", "'10.0' is not an integer"),
    ("negative offset", [("offset", "-1")], "offset", "must be between 0 and"),
    ("huge offset", [("offset", "9" * 30)], "offset", "must be between 0 and 9223372036854775807"),
    ("unknown status", [("status", "FINISHED")], "status", "'FINISHED' is not one of PENDING"),
    ("lower-case status", [("status", "done")], "status", "'done' is not one of"),
    ("unknown origin", [("origin", "MARS")], "origin", "'MARS' is not one of CLIENT, AZURE"),
    ("unknown order_by", [("order_by", "name")], "order_by", "'name' is not one of created_at"),
    ("result is not sortable", [("order_by", "result")], "order_by", "'result' is not one of"),
    (
        "unknown direction",
        [("order_by_direction", "UP")],
        "order_by_direction",
        "'UP' is not one of ASC, DESC",
    ),
    ("NUL in an id", [("id", "00000000-0000-4000-8000-00000000000\x00")], "id", "NUL"),
    ("non-integer min_runs", [("min_runs", "1.5")], "min_runs", "'1.5' is not an integer"),
    ("non-integer max_runs", [("max_runs", "many")], "max_runs", "'many' is not an integer"),
    (
        "huge min_runs",
        [("min_runs", "9" * 5000)],
        "min_runs",
        "must be between -2147483648 and 2147483647",
    ),
    (
        "max_runs below 32 bits",
        [("max_runs", "-2147483649")],
        "max_runs",
        "must be between -2147483648 and 2147483647",
    ),
    ("unicode digits", [("min_runs", "٣")], "min_runs", "'٣' is not an integer"),
    ("date that does not parse", [("start_date", "yesterday")], "start_date", "'yesterday' is not"),
    ("impossible date", [("end_date", "2024-02-30")], "end_date", "is not an ISO-8601 date-time"),
    (
        "unencoded plus in an offset",
        [("start_date", "2024-01-01T00:00:00 01:00")],
        "start_date",
        "send '+' in an offset as %2B",
    ),
    (
        "date out of range in UTC",
        [("end_date", "9999-12-31T23:00:00-05:00")],
        "end_date",
        "out of range once converted to UTC",
    ),
    ("non-boolean errors", [("errors", "maybe")], "errors", "'maybe' is not a boolean"),
    ("yes is not a boolean", [("errors", "yes")], "errors", "'yes' is not a boolean"),
    ("empty errors", [("errors", "")], "errors", "'' is not a boolean"),
    ("repeated limit", [("limit", "5"), ("limit", "6")], "limit", "given 2 times"),
    ("repeated errors", [("errors", "true"), ("errors", "true")], "errors", "given 2 times"),
    ("NUL in user_id", [("user_id", "a\x00b")], "user_id", "must not contain the NUL character"),
    ("long user_id", [("user_id", "u" * 1001)], "user_id", "is longer than 1000 characters"),
    ("NUL in an id prefix", [("id__starts_with", "ab\x00")], "id__starts_with", "NUL"),
    (
        "too many ids",
        [("id", "00000000-0000-4000-8000-000000000000")] * 501,
        "id",
        "given 501 times; at most 500",
    ),
]


@pytest.fixture(scope="module")
async def data(module_db: Database) -> Dataset:
    dataset = build_dataset(jobs_per_batch=(0, 3))
    await load_dataset(module_db, dataset)
    return dataset


@pytest.fixture
def client(module_client: AsyncClient) -> AsyncClient:
    """The tests here only read the data set: one app over it serves the whole module."""
    return module_client


@pytest.mark.parametrize(
    ("pairs", "name", "problem"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
async def test_jobs_bad_input_is_a_422_naming_the_parameter(
    client: AsyncClient, pairs: Pairs, name: str, problem: str
) -> None:
    response = await client.get("/api/v2/jobs", params=pairs)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == "fail"
    assert body["code"] == 422
    assert body["message"] == f"Invalid parameters: {name}."
    assert list(body["data"]) == [name]
    assert problem in body["data"][name]


async def test_jobs_bad_input_lists_every_problem(client: AsyncClient) -> None:
    pairs: Pairs = [
        ("limit", "0"),
        ("offset", "-5"),
        ("status", "DONE"),
        ("status", "NOPE"),
        ("order_by", "colour"),
        ("errors", "perhaps"),
        ("start_date", "soon"),
    ]
    response = await client.get("/api/v2/jobs", params=pairs)
    assert response.status_code == 422
    assert response.json() == {
        "status": "fail",
        "code": 422,
        "message": "Invalid parameters: limit, offset, status, order_by, errors, start_date.",
        "data": {
            "limit": "must be between 1 and 100, got '0'",
            "offset": "must be between 0 and 9223372036854775807, got '-5'",
            "status": "'NOPE' is not one of PENDING, RUNNING, DONE, ERROR, CANCELED, CANCELING",
            "order_by": "'colour' is not one of created_at, updated_at, start_timestamp, "
            "end_timestamp, runs, status, progress, creation_order, id",
            "errors": "'perhaps' is not a boolean: use true, false, 1 or 0",
            "start_date": "'soon' is not an ISO-8601 date-time",
        },
    }


@pytest.mark.parametrize(
    "path", ["/api/v2/jobs/not-a-uuid", "/api/v1/jobs/not-a-uuid/results_link"]
)
async def test_job_paths_with_a_non_uuid_id_are_a_422(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 422
    assert response.json() == {
        "status": "fail",
        "code": 422,
        "message": "Invalid parameters: id.",
        "data": {"id": "'not-a-uuid' is not a UUID"},
    }


ODD_BUT_VALID: list[Pairs] = [
    [("user_id", "用户"), ("user_id", "zoë-ü ✨")],
    [("id__starts_with", "")],
    [("id__starts_with", "ABC-")],
    [("min_runs", "+0"), ("max_runs", "2147483647")],
    [("offset", "9223372036854775807")],
    [("start_date", "0001-01-01T00:00:00Z"), ("end_date", "9999-12-31T23:59:59.999999")],
    [("start_date", "2024-01-01T00:00:00+14:00"), ("end_date", "2024-01-01T00:00:00-12:00")],
    [("id", "{00000000-0000-4000-8000-000000000000}")],
    [("status", "DONE"), ("unknown", "x" * 5000)],
]


# Values no job can have: each matches nothing, as it would in GraphQL (test_inputs_agree.py).
MATCHING_NOTHING: list[Pairs] = [
    [("id", "job-1")],
    [("id", "nope")],
    [("batch_id", "12")],
    [("project_id", "")],
    [("user_id", "")],
    [("id__starts_with", "ab%")],
    [("id__starts_with", "_")],
    [("id__starts_with", "\U0010ffff")],
    [("id__starts_with", "a" * 37)],
    [("max_runs", "-3")],
]


@pytest.mark.parametrize("pairs", MATCHING_NOTHING)
async def test_jobs_values_no_job_can_have_match_nothing(
    client: AsyncClient, data: Dataset, pairs: Pairs
) -> None:
    response = await client.get("/api/v2/jobs", params=pairs)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []
    assert response.headers["Content-Range"] == "0-0/0"


async def test_jobs_an_impossible_id_among_real_ones_is_ignored(
    client: AsyncClient, data: Dataset
) -> None:
    real = data.jobs[0]["id"]
    response = await client.get("/api/v2/jobs", params=[("id", "nope"), ("id", real.upper())])
    assert response.status_code == 200, response.text
    assert [job["id"] for job in response.json()["data"]] == [real]


@pytest.mark.parametrize("pairs", ODD_BUT_VALID)
async def test_jobs_odd_but_valid_input_is_answered(
    client: AsyncClient, data: Dataset, pairs: Pairs
) -> None:
    response = await client.get("/api/v2/jobs", params=pairs)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success"

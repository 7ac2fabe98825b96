"""The official pasqal-cloud SDK against a live jobgraph on loopback, checked with the reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pasqal_cloud.job import Job
from pasqal_cloud.sdk import SDK
from pasqal_cloud.utils.constants import JobStatus
from pasqal_cloud.utils.filters import JobFilters, PaginationParams

from tests.dataset import T0
from tests.reference import iso, rest_filter, select
from tests.sdk_live import DATA, SDK_ALIAS

pytestmark = pytest.mark.filterwarnings(SDK_ALIAS)


@pytest.fixture
def live_url(shared_live_url: str) -> str:
    """These tests only read: one server over the data set serves the whole module."""
    return shared_live_url


JOBS = DATA.jobs
BY_ID = {job["id"]: job for job in JOBS}
NEWEST_FIRST = [("created_at", "DESC")]
WITH_RESULT = next(iter(DATA.results))
WITHOUT_RESULT = next(job["id"] for job in JOBS if job["id"] not in DATA.results)
APRIL = datetime(2024, 4, 1, tzinfo=UTC)


def expected(params: dict[str, Any], keys: list[tuple[str, str]] = NEWEST_FIRST) -> list[str]:
    return select(JOBS, rest_filter(params), keys)


def assert_matches_data(job: Job) -> None:
    """Every field the SDK parsed equals the data set's row."""
    row = BY_ID[job.id]
    assert job.batch_id == row["batch_id"]
    assert job.project_id == row["project_id"]
    assert job.status == row["status"]
    assert job.runs == row["runs"]
    assert job.created_at == iso(row["created_at"])
    assert job.updated_at == iso(row["updated_at"])
    assert job.start_timestamp == iso(row["start_timestamp"])
    assert job.end_timestamp == iso(row["end_timestamp"])
    assert job.errors == row["errors"]
    assert job.variables == row["variables"]
    assert job.parent_id == row["parent_id"]
    extra = job.model_extra or {}
    for name in ("user_id", "origin", "progress", "creation_order", "slurm_job_id"):
        assert extra[name] == row[name]


BATCH = DATA.batches[3]["id"]
PROJECT = DATA.projects[1]["id"]
SOME_IDS = [JOBS[2]["id"], JOBS[30]["id"]]
AFTER = APRIL + timedelta(hours=5)
BEFORE = T0 + timedelta(days=40)
FILTER_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "id": ({"id": SOME_IDS}, {"id": SOME_IDS}),
    "single id": ({"id": JOBS[7]["id"]}, {"id": [JOBS[7]["id"]]}),
    "project_id": ({"project_id": PROJECT}, {"project_id": [PROJECT]}),
    "user_id": ({"user_id": ["用户", "alice"]}, {"user_id": ["用户", "alice"]}),
    "batch_id": ({"batch_id": [BATCH]}, {"batch_id": [BATCH]}),
    "status": ({"status": [JobStatus.DONE, JobStatus.ERROR]}, {"status": ["DONE", "ERROR"]}),
    "min_runs": ({"min_runs": 500}, {"min_runs": 500}),
    "max_runs": ({"max_runs": 1}, {"max_runs": 1}),
    "errors true": ({"errors": True}, {"errors": True}),
    "errors false": ({"errors": False}, {"errors": False}),
    "start_date aware": ({"start_date": AFTER}, {"start_date": AFTER}),
    "start_date naive": ({"start_date": APRIL.replace(tzinfo=None)}, {"start_date": APRIL}),
    "end_date": ({"end_date": BEFORE}, {"end_date": BEFORE}),
    "end_date naive": ({"end_date": APRIL.replace(tzinfo=None)}, {"end_date": APRIL}),
    "combined": (
        {"batch_id": BATCH, "status": JobStatus.DONE, "min_runs": 1, "errors": False},
        {"batch_id": [BATCH], "status": ["DONE"], "min_runs": 1, "errors": False},
    ),
}


@pytest.mark.parametrize(("given", "meaning"), FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_sdk_get_jobs_filters_like_the_reference(
    sdk: SDK, given: dict[str, Any], meaning: dict[str, Any]
) -> None:
    want = expected(meaning)
    assert want, "each case should keep some jobs"
    response = sdk.get_jobs(filters=JobFilters(**given))
    assert response.total == len(want)
    assert response.offset == 0
    assert [job.id for job in response.results] == want
    for job in response.results:
        assert_matches_data(job)


@pytest.mark.parametrize(
    ("filters", "meaning", "limit"),
    [
        (JobFilters(), {}, 10),
        (JobFilters(min_runs=100, errors=False), {"min_runs": 100, "errors": False}, 7),
    ],
    ids=["everything", "filtered"],
)
def test_sdk_pagination_walks_the_whole_result(
    sdk: SDK, filters: JobFilters, meaning: dict[str, Any], limit: int
) -> None:
    want = expected(meaning)
    seen: list[str] = []
    offset = 0
    while offset < len(want):
        page = sdk.get_jobs(
            filters=filters, pagination_params=PaginationParams(offset=offset, limit=limit)
        )
        assert page.total == len(want)
        assert page.offset == offset
        assert len(page.results) == min(limit, len(want) - offset)
        seen += [job.id for job in page.results]
        offset += limit
    assert seen == want
    past_the_end = sdk.get_jobs(filters=filters, pagination_params=PaginationParams(offset=offset))
    assert (past_the_end.total, past_the_end.results) == (len(want), [])


def test_sdk_get_job_returns_the_stored_job(sdk: SDK) -> None:
    for job_id in (JOBS[0]["id"], JOBS[44]["id"], WITH_RESULT):
        job = sdk.get_job(job_id)
        assert job.id == job_id
        assert_matches_data(job)


def test_sdk_full_result_downloads_through_the_signed_link(sdk: SDK) -> None:
    job = sdk.get_job(WITH_RESULT)
    stored = DATA.results[WITH_RESULT]
    assert job.full_result == {
        "raw": stored["raw"],
        "counter": stored["counter"],
        "serialised_results": None,
    }
    assert job.result == stored["counter"]


def test_sdk_full_result_is_none_without_result(sdk: SDK) -> None:
    job = sdk.get_job(WITHOUT_RESULT)
    assert job.full_result is None
    assert job.result is None

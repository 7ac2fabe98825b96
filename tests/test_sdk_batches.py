"""The SDK's batch, status and project reads against a live jobgraph, checked with the data set."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from pasqal_cloud.batch import Batch
from pasqal_cloud.errors import BatchFetchingError, JobFetchingError, ProjectNotFoundError
from pasqal_cloud.sdk import SDK
from pasqal_cloud.utils.constants import BatchStatus, JobStatus, QueuePriority
from pasqal_cloud.utils.filters import BatchFilters, PaginationParams

from tests.dataset import T0
from tests.reference import iso, sdk_batch_filter, select
from tests.sdk_live import DATA, SDK_ALIAS

pytestmark = pytest.mark.filterwarnings(SDK_ALIAS)


@pytest.fixture
def live_url(shared_live_url: str) -> str:
    """These tests only read: one server over the data set serves the whole module."""
    return shared_live_url


BATCHES = DATA.batches
BY_ID = {batch["id"]: batch for batch in BATCHES}
UNKNOWN = "00000000-0000-4000-8000-00000000dead"


def jobs_of(batch_id: str) -> list[dict[str, Any]]:
    return sorted(
        (job for job in DATA.jobs if job["batch_id"] == batch_id),
        key=lambda job: (job["creation_order"], job["id"]),
    )


def assert_matches_data(batch: Batch) -> None:
    """Every field the SDK parsed equals the data set's row; counts come from its jobs."""
    row = BY_ID[batch.id]
    assert batch.project_id == row["project_id"]
    assert batch.parent_id == row["parent_id"]
    assert batch.user_id == row["user_id"]
    assert batch.status == row["status"]
    assert batch.device_type == (row["device_type"] or "")  # the SDK needs text here
    assert (batch.open, batch.complete) == (row["open"], row["complete"])
    assert batch.tags == row["tags"]
    assert batch.created_at == iso(row["created_at"])
    assert batch.updated_at == iso(row["updated_at"])
    assert batch.start_datetime == iso(row["start_datetime"])
    assert batch.end_datetime == iso(row["end_datetime"])
    statuses = Counter(job["status"] for job in jobs_of(batch.id))
    assert batch.jobs_count == sum(statuses.values())
    assert batch.jobs_count_per_status == dict(statuses)
    extra = batch.model_extra or {}
    assert (extra["priority"], extra["queue_priority"]) == (row["priority"], row["queue_priority"])


def test_sdk_get_batch_returns_every_batch_and_its_jobs_in_order(sdk: SDK) -> None:
    for row in BATCHES:
        batch = sdk.get_batch(row["id"].upper())
        assert batch.id == row["id"]
        assert_matches_data(batch)
        assert [job.id for job in batch.ordered_jobs] == [job["id"] for job in jobs_of(row["id"])]
        assert batch.sequence_builder is None
        for job in batch.ordered_jobs:
            assert job.batch_id == row["id"]


def test_sdk_batch_configuration_is_the_stored_one(sdk: SDK) -> None:
    for row in BATCHES:
        assert sdk._client.get_batch(row["id"])["configuration"] == row["configuration"]


def test_sdk_get_batch_of_an_unknown_id_is_a_readable_404(sdk: SDK) -> None:
    with pytest.raises(BatchFetchingError) as raised:
        sdk.get_batch(UNKNOWN)
    assert str(raised.value).split("\n", 1)[0] == (
        f"Batch fetching failed: 404: Batch {UNKNOWN} not found."
    )


def test_sdk_batch_and_job_statuses_are_the_stored_ones(sdk: SDK) -> None:
    for row in BATCHES:
        assert sdk.get_batch_status(row["id"]) == BatchStatus[row["status"]]
    # pasqal-cloud 0.24's JobStatus has no CANCELING; the route still answers it (below).
    for job in DATA.jobs[:40]:
        if job["status"] != "CANCELING":
            assert sdk.get_job_status(job["id"]) == JobStatus[job["status"]]
    canceling = next(job for job in DATA.jobs if job["status"] == "CANCELING")
    answer = sdk._client.get_job_status(canceling["id"])
    assert answer == {"id": canceling["id"], "status": "CANCELING"}
    with pytest.raises(JobFetchingError) as raised:
        sdk.get_job_status(UNKNOWN)
    assert f"404: Job {UNKNOWN} not found." in str(raised.value)


SOME = [BATCHES[1]["id"], BATCHES[4]["id"], UNKNOWN]
MIDDLE = BATCHES[2]["created_at"]
PROJECT = DATA.projects[0]["id"]
# (the SDK's BatchFilters, their meaning as lists)
FILTER_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "nothing": ({}, {}),
    "id": ({"id": SOME}, {"id": SOME}),
    "single id": ({"id": BATCHES[3]["id"]}, {"id": [BATCHES[3]["id"]]}),
    "project_id": (
        {"project_id": DATA.projects[0]["id"]},
        {"project_id": [DATA.projects[0]["id"]]},
    ),
    "user_id": ({"user_id": ["alice", "用户"]}, {"user_id": ["alice", "用户"]}),
    "device_type": ({"device_type": "FRESNEL"}, {"device_type": ["FRESNEL"]}),
    "status": (
        {"status": [BatchStatus.PENDING, BatchStatus.DONE, BatchStatus.ERROR]},
        {"status": ["PENDING", "DONE", "ERROR"]},
    ),
    "open": ({"open": True}, {"open": True}),
    "closed": ({"open": False}, {"open": False}),
    "queue_priority": (
        {"queue_priority": [QueuePriority.HIGH, QueuePriority.MEDIUM]},
        {"queue_priority": ["HIGH", "MEDIUM"]},
    ),
    "tag": ({"tag": "ü-tag"}, {"tag": "ü-tag"}),
    "start_date": ({"start_date": MIDDLE}, {"start_date": MIDDLE}),
    "end_date": ({"end_date": MIDDLE}, {"end_date": MIDDLE}),
    "naive dates": (
        {"start_date": (T0 + timedelta(days=1)).replace(tzinfo=None)},
        {"start_date": T0 + timedelta(days=1)},
    ),
    "combined": (
        {"open": True, "start_date": T0 + timedelta(hours=1), "status": ["DONE", "PENDING"]},
        {"open": True, "start_date": T0 + timedelta(hours=1), "status": ["DONE", "PENDING"]},
    ),
}


@pytest.mark.parametrize(("given", "meaning"), FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_sdk_get_batches_filters_like_the_reference(
    sdk: SDK, given: dict[str, Any], meaning: dict[str, Any]
) -> None:
    want = select(BATCHES, sdk_batch_filter(meaning), [("created_at", "DESC")])
    response = sdk.get_batches(filters=BatchFilters(**given))
    assert response.total == len(want)
    assert [batch.id for batch in response.results] == want
    for batch in response.results:
        assert_matches_data(batch)


def test_sdk_batch_filters_keep_some_and_drop_some() -> None:
    for name, (_given, meaning) in FILTER_CASES.items():
        kept = select(BATCHES, sdk_batch_filter(meaning), [])
        assert kept or name == "id", f"{name} keeps no batch"
        assert len(kept) < len(BATCHES) or name == "nothing", f"{name} keeps every batch"


@pytest.mark.parametrize("limit", [1, 4])
def test_sdk_get_batches_pagination_walks_the_whole_list(sdk: SDK, limit: int) -> None:
    want = select(BATCHES, sdk_batch_filter({}), [("created_at", "DESC")])
    seen: list[str] = []
    for offset in range(0, len(want), limit):
        page = sdk.get_batches(pagination_params=PaginationParams(offset=offset, limit=limit))
        assert (page.total, page.offset) == (len(want), offset)
        seen += [batch.id for batch in page.results]
    assert seen == want
    past = sdk.get_batches(pagination_params=PaginationParams(offset=len(want) + 3))
    assert (past.total, past.results) == (len(want), [])


def test_sdk_lists_the_active_projects_and_switches_to_one(sdk: SDK) -> None:
    active = sorted(
        (project for project in DATA.projects if project["project_status"] == "ACTIVE"),
        key=lambda project: project["name"],
    )
    projects = sdk.get_all_projects()
    assert [(project.id, project.name) for project in projects] == [
        (project["id"], project["name"]) for project in active
    ]
    assert sdk.switch_to_project(active[0]["id"]) == active[0]["id"]
    archived = next(p for p in DATA.projects if p["project_status"] == "ARCHIVED")
    with pytest.raises(ProjectNotFoundError):
        sdk.switch_to_project(archived["id"])

"""GET /api/v1/batches, /api/v2/batches/{id}, the status routes and /api/v1/projects: envelopes,
headers and errors, as the job list has them."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from tests.dataset import JOB_STATUSES, Dataset, build_dataset, load_dataset
from tests.factories import Factory, utc
from tests.reference import iso, sdk_batch_filter, select

UNKNOWN = "00000000-0000-4000-8000-00000000dead"


@pytest.fixture
async def data(db: Database) -> Dataset:
    dataset = build_dataset()
    await load_dataset(db, dataset)
    return dataset


async def test_batch_list_pages_with_pagination_and_content_range(
    client: AsyncClient, data: Dataset
) -> None:
    want = select(data.batches, sdk_batch_filter({}), [("priority", "ASC")])
    response = await client.get(
        "/api/v1/batches",
        params={"order_by": "priority", "order_by_direction": "ASC", "limit": 2, "offset": 1},
        headers={"Authorization": "Bearer anything"},
    )
    assert response.status_code == 200
    body = response.json()
    assert [batch["id"] for batch in body["data"]] == want[1:3]
    assert body["pagination"] == {"total": len(want), "start": 1, "end": 3}
    assert response.headers["Content-Range"] == f"1-3/{len(want)}"
    assert (body["status"], body["code"], body["message"]) == ("success", 200, "OK.")


async def test_batch_list_names_every_bad_parameter(client: AsyncClient, data: Dataset) -> None:
    response = await client.get(
        "/api/v1/batches",
        params={
            "status": ["DONE", "NOPE"],
            "open": "maybe",
            "limit": 0,
            "queue_priority": "URGENT",
            "start_date": "yesterday",
            "order_by": "runs",
            "tag": "x\x00",
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["status"], body["code"]) == ("fail", 422)
    assert set(body["data"]) == {
        "status",
        "open",
        "limit",
        "queue_priority",
        "start_date",
        "order_by",
        "tag",
    }
    assert body["data"]["queue_priority"] == "'URGENT' is not one of LOW, MEDIUM, HIGH"


async def test_one_batch_with_its_counts(client: AsyncClient, data: Dataset) -> None:
    row = data.batches[3]
    response = await client.get(f"/api/v2/batches/{row['id'].upper()}")
    assert response.status_code == 200
    batch = response.json()["data"]
    jobs = [job for job in data.jobs if job["batch_id"] == row["id"]]
    statuses = [status for status in JOB_STATUSES if any(j["status"] == status for j in jobs)]
    expected: dict[str, Any] = {
        name: iso(value) if name.endswith(("_at", "_datetime")) else value
        for name, value in row.items()
    }
    assert batch == expected | {
        "jobs_count": len(jobs),
        "jobs_count_per_status": {
            status: sum(job["status"] == status for job in jobs) for status in statuses
        },
        "sequence_builder": None,
    }
    assert list(batch["jobs_count_per_status"]) == statuses  # in the API's status order
    status = await client.get(f"/api/v1/batches/{row['id']}/status")
    assert status.json()["data"] == {
        "id": row["id"],
        "status": row["status"],
        "jobs_count_per_status": batch["jobs_count_per_status"],
    }


@pytest.mark.parametrize("path", ["/api/v2/batches/{}", "/api/v1/batches/{}/status"])
async def test_an_unknown_batch_is_a_jsend_404_and_a_bad_id_a_422(
    client: AsyncClient, data: Dataset, path: str
) -> None:
    missing = await client.get(path.format(UNKNOWN))
    assert missing.status_code == 404
    assert missing.json() == {
        "status": "fail",
        "message": f"Batch {UNKNOWN} not found.",
        "code": 404,
        "data": {"id": "no batch has this id"},
    }
    bad = await client.get(path.format("not-a-uuid"))
    assert bad.status_code == 422
    assert bad.json()["data"] == {"id": "'not-a-uuid' is not a UUID"}


async def test_job_status_and_its_errors(client: AsyncClient, data: Dataset) -> None:
    job = data.jobs[5]
    found = await client.get(f"/api/v1/jobs/{job['id'].upper()}/status")
    assert found.json()["data"] == {"id": job["id"], "status": job["status"]}
    missing = await client.get(f"/api/v1/jobs/{UNKNOWN}/status")
    assert (missing.status_code, missing.json()["status"]) == (404, "fail")


async def test_a_batch_without_user_or_device_reads_as_empty_text(
    client: AsyncClient, factory: Factory
) -> None:
    batch = await factory.batch(user_id=None, device_type=None)
    response = await client.get("/api/v1/batches", params={"id": batch.id})
    [listed] = response.json()["data"]
    assert (listed["user_id"], listed["device_type"]) == ("", "")
    assert (listed["jobs_count"], listed["jobs_count_per_status"]) == (0, {})


async def test_projects_by_name_filtered_by_status(client: AsyncClient, factory: Factory) -> None:
    archived = await factory.project(name="b", project_status="ARCHIVED")
    active = [await factory.project(name=name, created_at=utc(2024, 2)) for name in ("c", "a")]
    everything = await client.get("/api/v1/projects")
    assert [row["name"] for row in everything.json()["data"]] == ["a", "b", "c"]
    response = await client.get("/api/v1/projects", params={"project_status": "ACTIVE"})
    assert response.json()["data"] == [
        {
            "id": project.id,
            "project_id": project.id,
            "name": project.name,
            "project_status": "ACTIVE",
            "created_at": "2024-02-01T00:00:00+00:00",
        }
        for project in reversed(active)
    ]
    assert "pagination" not in response.json()
    archived_only = await client.get("/api/v1/projects", params={"project_status": "ARCHIVED"})
    assert [row["id"] for row in archived_only.json()["data"]] == [archived.id]
    bad = await client.get("/api/v1/projects", params={"project_status": "GONE"})
    assert (bad.status_code, list(bad.json()["data"])) == (422, ["project_status"])

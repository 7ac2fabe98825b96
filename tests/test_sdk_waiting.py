"""The SDK waits on jobs and batches by polling jobgraph; a concurrent update ends the wait. And
its write methods get a clear JSend 501 that names them."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pasqal_cloud.sdk import SDK
from pasqal_cloud.utils import polling
from pasqal_cloud.utils.filters import CancelJobFilters
from sqlalchemy import update

from jobgraph.db import models
from jobgraph.db.engine import make_database, make_engine
from jobgraph.settings import Settings
from tests.dataset import T0
from tests.sdk_live import DATA, SDK_ALIAS, sdk_at

pytestmark = pytest.mark.filterwarnings(SDK_ALIAS)

UNFINISHED = ("PENDING", "RUNNING")


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK waits 2 s, 4 s, 8 s... between polls; here 0.05 s, 0.1 s, at most 0.2 s."""
    monkeypatch.setattr(polling, "POLL_WAIT_INITIAL_SECONDS", 0.05)
    monkeypatch.setattr(polling, "POLL_WAIT_MAX_SECONDS", 0.2)


def finish_jobs(database_url: str, job_ids: list[str]) -> None:
    """What a worker does when jobs end: DONE, with an end time (another connection)."""

    async def run() -> None:
        db = make_database(make_engine(database_url))
        try:
            async with db.write() as connection:
                await connection.execute(
                    update(models.job_table)
                    .where(models.job_table.c.id.in_(job_ids))
                    .values(status="DONE", end_timestamp=T0 + timedelta(days=400))
                )
        finally:
            await db.dispose()

    asyncio.run(run())


def counting(sdk: SDK, name: str) -> tuple[list[Any], threading.Event]:
    """Wrap the SDK client's `name` to record each answer and signal the first."""
    answers: list[Any] = []
    first = threading.Event()
    call: Callable[[str], Any] = getattr(sdk._client, name)

    def wrapped(item_id: str) -> Any:
        answer = call(item_id)
        answers.append(answer)
        first.set()
        return answer

    setattr(sdk._client, name, wrapped)
    return answers, first


def updated_after(first: threading.Event, database_url: str, job_ids: list[str]) -> Iterator[None]:
    def work() -> None:
        assert first.wait(10)
        finish_jobs(database_url, job_ids)

    thread = threading.Thread(target=work)
    thread.start()
    yield
    thread.join(10)


def test_sdk_get_job_waits_until_a_concurrent_update_finishes_it(
    sdk: SDK, settings: Settings
) -> None:
    job = next(job for job in DATA.jobs if job["status"] == "RUNNING")
    answers, first = counting(sdk, "get_job_status")
    for _ in updated_after(first, settings.database_url, [job["id"]]):
        found = sdk.get_job(job["id"], wait=True)
    assert (found.id, found.status) == (job["id"], "DONE")
    assert found.end_timestamp == (T0 + timedelta(days=400)).isoformat()
    assert answers[0] == {"id": job["id"], "status": "RUNNING"}
    assert answers[-1] == {"id": job["id"], "status": "DONE"}
    assert all(answer["status"] == "RUNNING" for answer in answers[:-1])


def test_sdk_waits_on_a_batch_until_its_jobs_finish_then_refreshes(
    sdk: SDK, settings: Settings
) -> None:
    batch_row = next(
        batch
        for batch in DATA.batches
        if any(job["batch_id"] == batch["id"] and job["status"] in UNFINISHED for job in DATA.jobs)
    )
    jobs = [job for job in DATA.jobs if job["batch_id"] == batch_row["id"]]
    unfinished = [job["id"] for job in jobs if job["status"] in UNFINISHED]
    batch = sdk.get_batch(batch_row["id"])
    answers, first = counting(sdk, "get_batch_status")
    for _ in updated_after(first, settings.database_url, unfinished):
        batch._wait_for_terminal()  # what close(wait=True) and add_jobs(wait=True) run
    batch.refresh()
    counts = {
        status: sum(job["status"] == status for job in jobs) for status in ("PENDING", "RUNNING")
    }
    assert answers[0]["jobs_count_per_status"].get("PENDING", 0) == counts["PENDING"]
    assert answers[0]["jobs_count_per_status"].get("RUNNING", 0) == counts["RUNNING"]
    final = answers[-1]["jobs_count_per_status"]
    assert set(final).isdisjoint(UNFINISHED)
    assert batch.jobs_count_per_status == final
    assert sum(final.values()) == batch.jobs_count == len(jobs)
    assert [job.status for job in batch.ordered_jobs if job.id in unfinished] == ["DONE"] * len(
        unfinished
    )


BATCH = DATA.batches[2]["id"]
JOB = DATA.jobs[0]["id"]
PROJECT = DATA.projects[0]["id"]


def refused(method: str) -> str:
    """How the SDK words a JSend 501 that names `method`."""
    return rf": 501: {re.escape(method)} is not supported: jobgraph "


# (the SDK call, what its error says)
WRITES: dict[str, tuple[Callable[[SDK], Any], str]] = {
    "create_batch": (
        lambda sdk: sdk.create_batch("sequence", [{"runs": 10, "variables": {}}]),
        refused("create_batch"),
    ),
    "close": (lambda sdk: sdk.get_batch(BATCH).close(), refused("Batch.close")),
    "cancel_batch": (lambda sdk: sdk.cancel_batch(BATCH), refused("cancel_batch")),
    "cancel_batches": (lambda sdk: sdk.cancel_batches([BATCH]), refused("cancel_batches")),
    "rebatch": (lambda sdk: sdk.rebatch(BATCH), refused("rebatch")),
    "add_jobs": (
        lambda sdk: sdk.add_jobs(BATCH, [{"runs": 1, "serialized_sequence": "s"}]),
        refused("add_jobs"),
    ),
    "retry": (
        lambda sdk: sdk.get_batch(BATCH).retry(sdk.get_batch(BATCH).ordered_jobs[0]),
        "",  # JobRetryError wraps the add_jobs failure without its text
    ),
    "set_batch_tags": (lambda sdk: sdk.set_batch_tags(BATCH, ["x"]), refused("set_batch_tags")),
    "cancel_job": (lambda sdk: sdk.cancel_job(JOB), refused("cancel_job")),
    "cancel_jobs": (lambda sdk: sdk.cancel_jobs(BATCH, CancelJobFilters()), refused("cancel_jobs")),
    "create_workload": (lambda sdk: sdk.create_workload("t", "b", {}), refused("create_workload")),
    "get_workload": (lambda sdk: sdk.get_workload(JOB), refused("get_workload")),
    "cancel_workload": (lambda sdk: sdk.cancel_workload(JOB), refused("cancel_workload")),
    # This one error of the SDK does not read the body; the route's own is checked below.
    "get_device_specs_dict": (lambda sdk: sdk.get_device_specs_dict(), "501 Server Error"),
}


@pytest.mark.parametrize(("call", "says"), WRITES.values(), ids=WRITES.keys())
def test_sdk_methods_jobgraph_does_not_serve_get_a_501_naming_them(
    shared_live_url: str, call: Callable[[SDK], Any], says: str
) -> None:
    sdk = sdk_at(shared_live_url)
    sdk.project_id = PROJECT
    # The SDK's errors derive from BaseException; the 501 stops it at once (no retries).
    with pytest.raises(BaseException, match=says or None) as raised:
        call(sdk)
    assert type(raised.value).__module__ == "pasqal_cloud.errors"


def test_unserved_routes_answer_jsend_never_detail(shared_live_url: str) -> None:
    with httpx.Client(base_url=shared_live_url) as http:
        refused = http.post(f"/api/v2/batches/{BATCH}/jobs", json=[{"runs": 1}])
        wrong_method = http.delete(f"/api/v2/batches/{BATCH}")
        unknown = http.get("/api/v1/batches/cancel/something")
        specs = http.get("/api/v1/devices/specs")
    assert refused.status_code == 501
    assert refused.json() == {
        "status": "error",
        "message": f"add_jobs is not supported: jobgraph serves Pasqal Cloud data read-only "
        f"(POST /api/v2/batches/{BATCH}/jobs).",
        "code": 501,
        "data": {"method": "add_jobs", "route": f"POST /api/v2/batches/{BATCH}/jobs"},
    }
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == "fail"
    assert wrong_method.headers["Allow"] == "GET"
    assert unknown.status_code == 404
    assert unknown.json()["status"] == "fail"
    assert (specs.status_code, specs.json()["data"]) == (
        501,
        {"method": "get_device_specs_dict", "route": "GET /api/v1/devices/specs"},
    )

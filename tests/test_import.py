"""`import_path`: NDJSON and JSend round trips, idempotence, and all-or-nothing rejection."""

from __future__ import annotations

import asyncio
import multiprocessing
import re
from pathlib import Path
from typing import Any

import pytest

from jobgraph.db import models
from jobgraph.db.engine import Database
from jobgraph.importing import ImportFailed, import_path
from tests.factories import Factory, utc
from tests.import_data import (
    BATCH_ID,
    JOB_ID,
    OTHER_PROJECT_ID,
    PARENT_BATCH_ID,
    PARENT_JOB_ID,
    PROJECT_ID,
    batch,
    job,
    numbered_jobs,
    project,
    rows,
    snapshot,
    without_kind,
    write_jsend,
    write_lines,
)

UPPER_JOB_ID = "0C000000-0000-4000-8000-0000000000AA"
RESULT = {"counter": {"0101": 12, "1111": 3}, "raw": ["0101", "1111"], "serialised_results": None}


async def test_import_round_trips_every_field_of_every_kind(db: Database, tmp_path: Path) -> None:
    minimal_job = {
        "kind": "job",
        "id": UPPER_JOB_ID,
        "batch_id": BATCH_ID,
        "project_id": PROJECT_ID,
        "status": "PENDING",
        "created_at": "2024-03-02T00:00:02.000001Z",
        "updated_at": "2024-03-02T00:00:02.000001Z",
        "result": [1, "two", None],
    }
    path = write_lines(tmp_path / "all.ndjson", job(result=RESULT), minimal_job, batch(), project())

    summary = await import_path(db, path)

    assert (summary.projects, summary.batches, summary.jobs, summary.results) == (1, 1, 2, 2)
    assert await rows(db, models.project_table) == [
        {
            "id": PROJECT_ID,
            "name": "Zürich — 量子",
            "created_at": utc(2024, 3, 1, 8),
            "project_status": "ARCHIVED",
        }
    ]
    assert await rows(db, models.batch_table) == [
        {
            "id": BATCH_ID,
            "parent_id": PARENT_BATCH_ID,
            "project_id": PROJECT_ID,
            "user_id": "user-ä",
            "status": "RUNNING",
            "device_type": "FRESNEL",
            "priority": 10,
            "queue_priority": "HIGH",
            "open": True,
            "complete": False,
            "tags": ["mis", "réglage"],
            "configuration": {"dt": 10, "extra": {"nested": [1, 2.5, None, "x"]}},
            "created_at": utc(2024, 3, 2, 0, 0, 0, 123456),
            "updated_at": utc(2024, 3, 2, 6, 30),
            "start_datetime": utc(2024, 3, 2, 0, 0, 1),
            "end_datetime": None,
        }
    ]
    assert await rows(db, models.job_table) == [
        {
            "id": JOB_ID,
            "parent_id": PARENT_JOB_ID,
            "batch_id": BATCH_ID,
            "project_id": PROJECT_ID,
            "user_id": "user-ä",
            "status": "ERROR",
            "origin": "AZURE",
            "runs": 500,
            "created_at": utc(2024, 3, 1, 23, 0, 2, 1),
            "updated_at": utc(2024, 3, 2, 0, 10),
            "start_timestamp": utc(2024, 3, 2, 0, 0, 3),
            "end_timestamp": utc(2024, 3, 2, 0, 9, 59, 999999),
            "variables": {"omega_max": 14.4, "targets": ["q1", "q2"], "none": None},
            "errors": ["Error 2: Cannot connect to QPU", "Ошибка"],
            "progress": 42,
            "creation_order": 3,
            "slurm_job_id": "123456",
            "cluster_name": "fresnel-qpu",
        },
        {
            "id": UPPER_JOB_ID.lower(),
            "parent_id": None,
            "batch_id": BATCH_ID,
            "project_id": PROJECT_ID,
            "user_id": None,
            "status": "PENDING",
            "origin": "UNKNOWN",
            "runs": 0,
            "created_at": utc(2024, 3, 2, 0, 0, 2, 1),
            "updated_at": utc(2024, 3, 2, 0, 0, 2, 1),
            "start_timestamp": None,
            "end_timestamp": None,
            "variables": None,
            "errors": None,
            "progress": 0,
            "creation_order": 0,
            "slurm_job_id": None,
            "cluster_name": None,
        },
    ]
    assert await rows(db, models.job_result_table) == [
        {"job_id": JOB_ID, "result": RESULT},
        {"job_id": UPPER_JOB_ID.lower(), "result": [1, "two", None]},
    ]


async def test_import_twice_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.ndjson", project(), batch(), job(result=RESULT))
    first = await import_path(db, path)
    before = await snapshot(db)

    second = await import_path(db, path)

    assert await snapshot(db) == before
    assert (first.jobs, second.jobs, second.results) == (1, 1, 1)
    assert [len(table) for table in before.values()] == [1, 1, 1, 1]


async def test_import_of_a_changed_record_updates_it(db: Database, tmp_path: Path) -> None:
    await import_path(db, write_lines(tmp_path / "a.ndjson", project(), batch(), job()))
    changed = job(status="DONE", progress=100, errors=[], result={"counter": {"1": 1}})

    await import_path(db, write_lines(tmp_path / "b.ndjson", changed, project(name="Renamed")))

    [stored] = await rows(db, models.job_table)
    assert (stored["status"], stored["progress"], stored["errors"]) == ("DONE", 100, [])
    assert [row["name"] for row in await rows(db, models.project_table)] == ["Renamed"]
    assert await rows(db, models.job_result_table) == [
        {"job_id": JOB_ID, "result": {"counter": {"1": 1}}}
    ]


async def test_import_skips_blank_lines_and_counts_them(db: Database, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.ndjson", "", project(), "   ", batch(), job(status="DONNE"))
    with pytest.raises(ImportFailed) as failure:
        await import_path(db, path)
    assert failure.value.line == 5


BAD_LINES: list[tuple[str, Any, str]] = [
    ("invalid-json", '{"kind": "job", "id": ', "invalid JSON (EOF while parsing a value"),
    ("not-an-object", "[1, 2]", "expected a JSON object, got [1, 2]"),
    ("unknown-kind", {"kind": "user", "id": JOB_ID}, "unknown kind 'user'"),
    ("missing-kind", {"id": JOB_ID}, 'missing "kind"'),
    (
        "bad-enum",
        job(status="DONNE"),
        "job.status: 'DONNE' is not one of PENDING, RUNNING, DONE, ERROR, CANCELED, CANCELING",
    ),
    (
        "naive-timestamp",
        job(created_at="2024-03-02T00:00:02"),
        "job.created_at: '2024-03-02T00:00:02' has no UTC offset",
    ),
    ("missing-field", {**job(), "status": None} | {"kind": "job"}, "job.status: "),
    ("missing-required", project(created_at=None) | {"name": "x"}, "project.created_at: "),
    ("absent-field", {k: v for k, v in job().items() if k != "batch_id"}, "job.batch_id: required"),
    ("unknown-field", job(colour="blue"), "job.colour: unknown field"),
    ("bad-uuid", job(id="not-a-uuid"), "job.id: 'not-a-uuid' is not a UUID"),
    ("progress-range", job(progress=101), "job.progress: input should be less than or equal"),
    ("negative-runs", job(runs=-1), "job.runs: input should be greater than or equal to 0"),
    ("string-number", batch(priority="3"), "batch.priority: input should be a valid integer"),
    (
        "dangling-batch",
        job(batch_id="0b000000-0000-4000-8000-0000000000ff"),
        "job.batch_id: batch 0b000000-0000-4000-8000-0000000000ff is neither in the database "
        "nor in this file",
    ),
    (
        "project-mismatch",
        job(project_id=OTHER_PROJECT_ID),
        f"job.project_id: {OTHER_PROJECT_ID} disagrees with batch {BATCH_ID}, which belongs to "
        f"project {PROJECT_ID}",
    ),
    (
        "dangling-project",
        batch(id="0b000000-0000-4000-8000-0000000000ee", project_id=OTHER_PROJECT_ID),
        f"batch.project_id: project {OTHER_PROJECT_ID} is neither in the database nor in this file",
    ),
]


@pytest.mark.parametrize(("bad", "expected"), [(b, e) for _, b, e in BAD_LINES],
                         ids=[name for name, _, _ in BAD_LINES])  # fmt: skip
async def test_import_rejects_a_bad_line_with_its_number_and_keeps_nothing(
    db: Database, factory: Factory, tmp_path: Path, bad: Any, expected: str
) -> None:
    existing = await factory.job(status="RUNNING", result={"kept": True})
    before = await snapshot(db)
    good_job = job(id="0c000000-0000-4000-8000-0000000000bb", result=RESULT)
    last_job = job(id="0c000000-0000-4000-8000-0000000000cc")
    path = write_lines(tmp_path / "bad.ndjson", project(), batch(), good_job, "", bad, last_job)

    with pytest.raises(ImportFailed) as failure:
        await import_path(db, path)

    assert failure.value.line == 5
    assert str(failure.value).startswith(f"line 5: {expected}")
    assert await snapshot(db) == before
    assert [row["id"] for row in before["job"]] == [existing.id]


async def test_import_refuses_moving_a_batch_away_from_its_jobs(
    db: Database, tmp_path: Path
) -> None:
    await import_path(db, write_lines(tmp_path / "a.ndjson", project(), batch(), job()))
    before = await snapshot(db)
    other = project(id=OTHER_PROJECT_ID, name="other")

    with pytest.raises(ImportFailed) as failure:
        await import_path(db, write_lines(tmp_path / "b.ndjson", other,
                                          batch(project_id=OTHER_PROJECT_ID)))  # fmt: skip

    assert str(failure.value) == (
        f"line 2: batch.project_id: batch {BATCH_ID} moves to project {OTHER_PROJECT_ID}, "
        f"but its job {JOB_ID} belongs to project {PROJECT_ID}"
    )
    assert await snapshot(db) == before


async def test_import_may_move_a_batch_together_with_its_jobs(db: Database, tmp_path: Path) -> None:
    await import_path(db, write_lines(tmp_path / "a.ndjson", project(), batch(), job()))
    moved = [
        project(id=OTHER_PROJECT_ID, name="other"),
        batch(project_id=OTHER_PROJECT_ID),
        job(project_id=OTHER_PROJECT_ID),
    ]

    await import_path(db, write_lines(tmp_path / "b.ndjson", *moved))

    assert [row["project_id"] for row in await rows(db, models.job_table)] == [OTHER_PROJECT_ID]


async def test_import_accepts_references_to_rows_already_stored(
    db: Database, factory: Factory, tmp_path: Path
) -> None:
    stored = await factory.batch()
    new_job = job(batch_id=stored.id, project_id=stored.project_id, parent_id=None)

    summary = await import_path(db, write_lines(tmp_path / "a.ndjson", new_job))

    assert (summary.projects, summary.batches, summary.jobs) == (0, 0, 1)
    assert [row["batch_id"] for row in await rows(db, models.job_table)] == [stored.id]


async def test_import_reports_progress_in_bytes(db: Database, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.ndjson", project(), batch(), job())
    calls: list[tuple[int, int]] = []

    await import_path(db, path, progress=lambda done, total: calls.append((done, total)))

    size = path.stat().st_size
    assert calls[-1] == (size, size)
    assert all(total == size and 0 <= done <= size for done, total in calls)


async def test_import_of_a_missing_file_fails_cleanly(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match=r"cannot read .*missing\.ndjson: No such file"):
        await import_path(db, tmp_path / "missing.ndjson")


async def test_import_in_small_chunks_keeps_every_row(db: Database, tmp_path: Path) -> None:
    jobs = [
        job(id=f"0c000000-0000-4000-8000-{index:012x}", creation_order=index, result=index)
        for index in range(1, 8)
    ]
    path = write_lines(tmp_path / "a.ndjson", *jobs, batch(), project())

    summary = await import_path(db, path, chunk_size=2)

    assert (summary.jobs, summary.results) == (7, 7)
    stored = await rows(db, models.job_result_table)
    assert [row["result"] for row in stored] == [1, 2, 3, 4, 5, 6, 7]
    assert [row["job_id"] for row in stored] == [record["id"] for record in jobs]


HELPERS: dict[str, Any] = {"processes": 2, "parallel_min_lines": 0}


async def test_import_in_helper_processes_writes_what_the_in_process_path_writes(
    db: Database, tmp_path: Path
) -> None:
    jobs = numbered_jobs(40)
    path = write_lines(tmp_path / "a.ndjson", *jobs[:20], "", batch(), project(), *jobs[20:])

    summary = await import_path(db, path, chunk_size=7, **HELPERS)
    through_helpers = await snapshot(db)
    again = await import_path(db, path, processes=0)  # an upsert that changes nothing

    assert await snapshot(db) == through_helpers
    assert (summary.projects, summary.batches, summary.jobs, summary.results) == (1, 1, 40, 20)
    assert again.jobs == 40
    assert [row["id"] for row in through_helpers["job"]] == [record["id"] for record in jobs]
    assert [row["result"] for row in through_helpers["job_result"]] == [
        {"counter": {"01": number}} for number in range(1, 40, 2)
    ]
    assert through_helpers["batch"][0]["tags"] == ["mis", "réglage"]
    assert through_helpers["job"][0]["created_at"] == utc(2024, 3, 1, 23, 0, 2, 1)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (job(status="DONNE"), "job.status: 'DONNE' is not one of PENDING, RUNNING, DONE"),
        ('{"kind": "job", "id": ', "invalid JSON (EOF while parsing a value"),
        (
            job(id="0c000000-0000-4000-8000-0000ffffffff", batch_id=PARENT_BATCH_ID),
            f"job.batch_id: batch {PARENT_BATCH_ID} is neither in the database nor in this file",
        ),
    ],
    ids=["invalid-record", "invalid-json", "dangling-reference"],
)
async def test_import_in_helper_processes_reports_a_deep_bad_line_and_keeps_nothing(
    db: Database, factory: Factory, tmp_path: Path, bad: Any, expected: str
) -> None:
    await factory.job(status="RUNNING", result={"kept": True})
    before = await snapshot(db)
    jobs = numbered_jobs(1_500)
    path = write_lines(
        tmp_path / "bad.ndjson", project(), batch(), *jobs[:1_234], bad, *jobs[1_234:]
    )

    with pytest.raises(ImportFailed) as failure:
        await import_path(db, path, chunk_size=100, **HELPERS)

    assert failure.value.line == 1_237
    assert str(failure.value).startswith(f"line 1237: {expected}")
    assert await snapshot(db) == before
    assert multiprocessing.active_children() == []


async def test_import_cancelled_in_helper_processes_stops_them_and_keeps_nothing(
    db: Database, tmp_path: Path
) -> None:
    path = write_lines(tmp_path / "a.ndjson", project(), batch(), *numbered_jobs(2_000))
    written = asyncio.Event()
    task = asyncio.create_task(
        import_path(db, path, chunk_size=50, progress=lambda *_: written.set(), **HELPERS)
    )

    await written.wait()
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert multiprocessing.active_children() == []
    assert await snapshot(db) == {"project": [], "batch": [], "job": [], "job_result": []}


def jsend_job(**values: Any) -> dict[str, Any]:
    return without_kind(job(parent_id=None, **values))


async def test_import_of_a_jsend_list_creates_missing_batches_and_projects(
    db: Database, tmp_path: Path
) -> None:
    jobs = [
        jsend_job(status="DONE", result=RESULT),
        jsend_job(
            id="0c000000-0000-4000-8000-0000000000bb",
            status="RUNNING",
            created_at="2024-03-01T00:00:00Z",
            updated_at="2024-03-05T00:00:00Z",
            end_timestamp=None,
        ),
    ]
    path = write_jsend(tmp_path / "jobs.json", jobs)

    summary = await import_path(db, path)

    assert (summary.jobs, summary.results) == (2, 1)
    assert (summary.placeholder_projects, summary.placeholder_batches) == (1, 1)
    assert await rows(db, models.project_table) == [
        {
            "id": PROJECT_ID,
            "name": PROJECT_ID,
            "created_at": utc(2024, 3, 1),
            "project_status": "ACTIVE",
        }
    ]
    [placeholder] = await rows(db, models.batch_table)
    assert placeholder == {
        "id": BATCH_ID,
        "parent_id": None,
        "project_id": PROJECT_ID,
        "user_id": "user-ä",
        "status": "RUNNING",
        "device_type": None,
        "priority": 0,
        "queue_priority": "MEDIUM",
        "open": False,
        "complete": False,
        "tags": None,
        "configuration": None,
        "created_at": utc(2024, 3, 1),
        "updated_at": utc(2024, 3, 5),
        "start_datetime": utc(2024, 3, 2, 0, 0, 3),
        "end_datetime": None,
    }
    assert [row["status"] for row in await rows(db, models.job_table)] == ["DONE", "RUNNING"]


async def test_import_of_a_jsend_list_keeps_existing_batches_and_projects(
    db: Database, tmp_path: Path
) -> None:
    await import_path(db, write_lines(tmp_path / "a.ndjson", project(), batch()))
    before = await snapshot(db)
    path = write_jsend(tmp_path / "jobs.json", [jsend_job(status="DONE")])

    summary = await import_path(db, path)
    again = await import_path(db, path)

    after = await snapshot(db)
    assert (summary.placeholder_projects, summary.placeholder_batches) == (0, 0)
    assert (again.jobs, again.placeholder_batches) == (1, 0)
    assert (after["project"], after["batch"]) == (before["project"], before["batch"])
    assert [row["id"] for row in after["job"]] == [JOB_ID]


async def test_import_of_a_jsend_list_reports_the_line_of_a_bad_job(
    db: Database, tmp_path: Path
) -> None:
    good = jsend_job()
    bad = jsend_job(id="0c000000-0000-4000-8000-0000000000bb", status="DONNE")
    path = write_jsend(tmp_path / "jobs.json", [good, bad])
    starts = [
        number
        for number, text in enumerate(path.read_text().splitlines(), 1)
        if text in ("    {", "    },", "    }")
    ]

    with pytest.raises(ImportFailed) as failure:
        await import_path(db, path)

    assert str(failure.value) == (
        f"line {starts[2]}: data[1]: job.status: 'DONNE' is not one of PENDING, RUNNING, DONE, "
        "ERROR, CANCELED, CANCELING"
    )
    assert await snapshot(db) == {"project": [], "batch": [], "job": [], "job_result": []}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"status": "fail", "data": {"message": "nope"}}', "status is 'fail', not \"success\""),
        ('{"status": "success", "code": 200}', 'has no "data" list of jobs'),
        ('{\n  "status": "success",\n  "data": [\n    {"id": 1', "line 4: invalid JSON"),
    ],
    ids=["fail-status", "no-data", "truncated"],
)
async def test_import_rejects_a_broken_jsend_document(
    db: Database, tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "jobs.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ImportFailed, match=re.escape(expected)):
        await import_path(db, path)

"""The importer refuses what the API cannot serve or a database cannot store, with the line
number: 32-bit Int fields, instants UTC cannot hold, NUL and numbers that are not finite, and
an id given twice in one file. Nothing is written; the same on both databases."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from jobgraph.importing import ImportFailed, import_path
from jobgraph.importing.records import MAX_JSON_DEPTH
from tests.graphql_client import run_graphql
from tests.import_data import (
    BATCH_ID,
    JOB_ID,
    PROJECT_ID,
    batch,
    job,
    numbered_jobs,
    project,
    snapshot,
    without_kind,
    write_jsend,
    write_lines,
)

OTHER_JOB = "0c000000-0000-4000-8000-0000000000bb"
LAST_JOB = "0c000000-0000-4000-8000-0000000000cc"
EMPTY: dict[str, list[Any]] = {"project": [], "batch": [], "job": [], "job_result": []}


def raw(record: dict[str, Any], **numbers: str) -> str:
    """The record as a JSON line, each named field holding the raw JSON number given."""
    text = json.dumps(record | dict.fromkeys(numbers, "@"))
    for name, number in numbers.items():
        text = text.replace(f'"{name}": "@"', f'"{name}": {number}')
    return text


REFUSED: list[tuple[str, Any, str]] = [
    (
        "runs-over-int",
        job(runs=2**31),
        "job.runs: input should be less than or equal to 2147483647 (got 2147483648)",
    ),
    (
        "runs-max",
        job(runs=2**63),
        "job.runs: input should be less than or equal to 2147483647 (got 9223372036854775808)",
    ),
    (
        "creation-order-over-int",
        job(creation_order=2**31),
        "job.creation_order: input should be less than or equal to 2147483647 (got 2147483648)",
    ),
    (
        "priority-under-int",
        batch(id="0b000000-0000-4000-8000-0000000000ee", priority=-(2**31) - 1),
        "batch.priority: input should be greater than or equal to -2147483648 (got -2147483649)",
    ),
    (
        "progress-over-100",
        job(progress=101),
        "job.progress: input should be less than or equal to 100 (got 101)",
    ),
    (
        "time-before-utc",
        job(created_at="0001-01-01T00:00:00+01:00"),
        "job.created_at: '0001-01-01T00:00:00+01:00' is out of range once converted to UTC",
    ),
    (
        "time-after-utc",
        project(id="0a000000-0000-4000-8000-0000000000ee", created_at="9999-12-31T23:00:00-05:00"),
        "project.created_at: '9999-12-31T23:00:00-05:00' is out of range once converted to UTC",
    ),
    ("nul-in-text", job(user_id="user\u0000"), "job.user_id: contains the NUL character"),
    ("nul-in-list", job(errors=["ok", "\u0000"]), "job.errors[1]: contains the NUL character"),
    (
        "nul-in-result-key",
        job(result={"counter": {"01\u0000": 3}}),
        "job.result.counter: the key '01\\x00' contains the NUL character",
    ),
    (
        "nul-in-configuration",
        batch(id="0b000000-0000-4000-8000-0000000000ee", configuration={"a": ["\u0000"]}),
        "batch.configuration.a[0]: contains the NUL character",
    ),
    ("nan", raw(job(), variables='{"x": NaN}'), "job.variables.x: nan is not a finite number"),
    ("infinity", raw(job(), result="[-Infinity]"), "job.result[0]: -inf is not a finite number"),
    ("overflow", raw(job(), result="1e400"), "job.result: inf is not a finite number"),
    (
        "repeated-job",
        job(id=OTHER_JOB),
        f"job.id: job {OTHER_JOB} is already on line 3; each id may appear once in a file",
    ),
    (
        "repeated-job-in-another-case",
        job(id=OTHER_JOB.upper()),
        f"job.id: job {OTHER_JOB} is already on line 3; each id may appear once in a file",
    ),
    (
        "repeated-batch",
        batch(status="DONE"),
        f"batch.id: batch {BATCH_ID} is already on line 2; each id may appear once in a file",
    ),
    (
        "repeated-project",
        project(),
        f"project.id: project {PROJECT_ID} is already on line 1; each id may appear once in a file",
    ),
]


@pytest.mark.parametrize(("bad", "expected"), [(b, e) for _, b, e in REFUSED],
                         ids=[name for name, _, _ in REFUSED])  # fmt: skip
async def test_import_refuses_what_the_api_cannot_serve_with_its_line(
    db: Database, tmp_path: Path, bad: Any, expected: str
) -> None:
    lines = (project(), batch(), job(id=OTHER_JOB), "", bad, job(id=LAST_JOB))
    path = write_lines(tmp_path / "bad.ndjson", *lines)

    with pytest.raises(ImportFailed) as failure:
        await import_path(db, path)

    assert str(failure.value) == f"line 5: {expected}"
    assert await snapshot(db) == EMPTY


async def test_import_keeps_the_ends_of_every_range_and_graphql_serves_them(
    db: Database, client: AsyncClient, tmp_path: Path
) -> None:
    extremes = job(
        runs=2**31 - 1,
        creation_order=2**31 - 1,
        progress=100,
        created_at="0001-01-01T00:00:00Z",
        updated_at="9999-12-31T23:59:59.999999+00:00",
        result={"big": 2**70, "small": -1.5e-300, "escaped": "\\u0000 is text here"},
    )
    lowest = batch(priority=-(2**31), start_datetime="0001-01-01T01:00:00+01:00")
    path = write_lines(tmp_path / "ends.ndjson", project(), lowest, extremes)

    summary = await import_path(db, path)

    assert (summary.projects, summary.batches, summary.jobs) == (1, 1, 1)
    query = (
        "{ jobs(first: 1) { nodes { runs creationOrder progress createdAt updatedAt result "
        "batch { priority startDatetime } } } }"
    )
    [node] = (await run_graphql(client, query))["jobs"]["nodes"]
    assert node == {
        "runs": 2**31 - 1,
        "creationOrder": 2**31 - 1,
        "progress": 100,
        "createdAt": "0001-01-01T00:00:00+00:00",
        "updatedAt": "9999-12-31T23:59:59.999999+00:00",
        "result": {"big": 2**70, "small": -1.5e-300, "escaped": "\\u0000 is text here"},
        "batch": {"priority": -(2**31), "startDatetime": "0001-01-01T00:00:00+00:00"},
    }


async def test_import_refuses_an_id_repeated_blocks_apart_in_helper_processes(
    db: Database, tmp_path: Path
) -> None:
    jobs = numbered_jobs(300)
    path = write_lines(tmp_path / "a.ndjson", project(), batch(), *jobs, jobs[17])

    with pytest.raises(ImportFailed) as failure:
        await import_path(db, path, chunk_size=50, processes=2, parallel_min_lines=0)

    job_id = jobs[17]["id"]
    assert str(failure.value) == (
        f"line 303: job.id: job {job_id} is already on line 20; each id may appear once in a file"
    )
    assert await snapshot(db) == EMPTY
    assert multiprocessing.active_children() == []


async def test_import_reports_the_earliest_of_a_repeated_id_and_a_bad_line(
    db: Database, tmp_path: Path
) -> None:
    lines = (project(), batch(), job(), job(), job(id=OTHER_JOB, status="DONNE"))
    path = write_lines(tmp_path / "a.ndjson", *lines)
    with pytest.raises(ImportFailed, match=r"^line 4: job\.id: job "):
        await import_path(db, path)
    lines = (project(), batch(), job(), job(id=OTHER_JOB, status="DONNE"), job())
    path = write_lines(tmp_path / "b.ndjson", *lines)
    with pytest.raises(ImportFailed, match=r"^line 4: job\.status: 'DONNE' is not one of"):
        await import_path(db, path)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (job(id=OTHER_JOB, runs=2**31), "job.runs: input should be less than or equal to"),
        (job(id=OTHER_JOB, user_id="\u0000"), "job.user_id: contains the NUL character"),
        (job(id=OTHER_JOB, result={"\u0000": 1}), "job.result: the key '\\x00' contains the NUL"),
        (job(), f"job.id: job {JOB_ID} is already on line 4; each id may appear once in a file"),
    ],
    ids=["runs-over-int", "nul-in-text", "nul-in-result-key", "repeated-job"],
)
async def test_import_of_a_jsend_list_refuses_the_same_with_its_line(
    db: Database, tmp_path: Path, bad: dict[str, Any], expected: str
) -> None:
    good = without_kind(job(parent_id=None))
    path = write_jsend(tmp_path / "jobs.json", [good, without_kind(bad | {"parent_id": None})])
    starts = [
        number
        for number, text in enumerate(path.read_text().splitlines(), 1)
        if text in ("    {", "    },", "    }")
    ]

    with pytest.raises(ImportFailed) as failure:
        await import_path(db, path)

    assert str(failure.value).startswith(f"line {starts[2]}: ")
    assert expected in str(failure.value)
    assert await snapshot(db) == EMPTY


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


async def test_json_nested_as_deep_as_answers_can_carry_is_kept_and_served(
    db: Database, client: AsyncClient, tmp_path: Path
) -> None:
    deepest = nested(MAX_JSON_DEPTH)
    path = write_jsend(tmp_path / "jobs.json", [without_kind(job(parent_id=None, result=deepest))])
    await import_path(db, path)
    other = job(id=OTHER_JOB, result=deepest, variables={"a": nested(MAX_JSON_DEPTH - 1)})
    await import_path(db, write_lines(tmp_path / "a.ndjson", project(), batch(), other))

    response = await client.get(f"/api/v2/jobs/{OTHER_JOB}")
    assert response.status_code == 200
    assert response.json()["data"]["variables"] == {"a": nested(MAX_JSON_DEPTH - 1)}
    query = "{ jobs(orderBy: [{field: ID, direction: ASC}]) { nodes { id result } } }"
    nodes = (await run_graphql(client, query))["jobs"]["nodes"]
    assert nodes == [{"id": JOB_ID, "result": deepest}, {"id": OTHER_JOB, "result": deepest}]
    download = await client.get(f"/api/v1/jobs/{JOB_ID}/results_link")
    link = download.json()["data"]["results_link"]
    assert (await client.get(link)).json() == deepest


async def test_json_nested_deeper_is_refused_with_its_line(db: Database, tmp_path: Path) -> None:
    too_deep = nested(MAX_JSON_DEPTH + 1)
    path = write_jsend(tmp_path / "jobs.json", [without_kind(job(parent_id=None, result=too_deep))])
    with pytest.raises(ImportFailed) as failure:
        await import_path(db, path)
    assert str(failure.value).startswith("line 4: data[0]: job.result[0][0]")
    assert str(failure.value).endswith(f"...: JSON nested more than {MAX_JSON_DEPTH} levels deep")
    path = write_lines(tmp_path / "a.ndjson", project(), batch(), job(result=too_deep))
    with pytest.raises(ImportFailed, match=r"^line 3: invalid JSON \(recursion limit exceeded"):
        await import_path(db, path)
    assert await snapshot(db) == EMPTY

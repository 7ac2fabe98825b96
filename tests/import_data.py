"""Records and helpers for the import tests: explicit values, written to files under tmp_path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select

from jobgraph.db import models
from jobgraph.db.engine import Database

PROJECT_ID = "0a000000-0000-4000-8000-000000000001"
OTHER_PROJECT_ID = "0a000000-0000-4000-8000-000000000002"
BATCH_ID = "0b000000-0000-4000-8000-000000000001"
PARENT_BATCH_ID = "0b000000-0000-4000-8000-000000000002"
JOB_ID = "0c000000-0000-4000-8000-000000000001"
PARENT_JOB_ID = "0c000000-0000-4000-8000-000000000002"


def project(**values: Any) -> dict[str, Any]:
    return {
        "kind": "project",
        "id": PROJECT_ID,
        "name": "Zürich — 量子",
        "created_at": "2024-03-01T10:00:00+02:00",
        "project_status": "ARCHIVED",
    } | values


def batch(**values: Any) -> dict[str, Any]:
    return {
        "kind": "batch",
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
        "created_at": "2024-03-02T00:00:00.123456Z",
        "updated_at": "2024-03-02T01:00:00-05:30",
        "start_datetime": "2024-03-02T00:00:01Z",
        "end_datetime": None,
    } | values


def job(**values: Any) -> dict[str, Any]:
    return {
        "kind": "job",
        "id": JOB_ID,
        "parent_id": PARENT_JOB_ID,
        "batch_id": BATCH_ID,
        "project_id": PROJECT_ID,
        "user_id": "user-ä",
        "status": "ERROR",
        "origin": "AZURE",
        "runs": 500,
        "created_at": "2024-03-02T00:00:02.000001+01:00",
        "updated_at": "2024-03-02T00:10:00Z",
        "start_timestamp": "2024-03-02T00:00:03Z",
        "end_timestamp": "2024-03-02T00:09:59.999999Z",
        "variables": {"omega_max": 14.4, "targets": ["q1", "q2"], "none": None},
        "errors": ["Error 2: Cannot connect to QPU", "Ошибка"],
        "progress": 42,
        "creation_order": 3,
        "slurm_job_id": "123456",
        "cluster_name": "fresnel-qpu",
    } | values


def numbered_jobs(count: int, **values: Any) -> list[dict[str, Any]]:
    """`count` jobs of the batch above with ids 0c000000-...-<number>, results on odd ones."""
    return [
        job(
            id=f"0c000000-0000-4000-8000-{number:012x}",
            parent_id=None,
            creation_order=number,
            result={"counter": {"01": number}} if number % 2 else None,
            **values,
        )
        for number in range(count)
    ]


def without_kind(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "kind"}


def write_lines(path: Path, *lines: dict[str, Any] | str) -> Path:
    """One JSON record (or raw text) a line."""
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_jsend(path: Path, jobs: list[dict[str, Any]], *, status: str = "success") -> Path:
    """A pretty-printed JSend job list, as the Pasqal API returns it."""
    document = {"code": 200, "data": jobs, "message": "OK.", "status": status}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


async def rows(db: Database, table: Table) -> list[dict[str, Any]]:
    """Every row of `table`, ordered by primary key."""
    key = next(iter(table.primary_key.columns))
    async with db.read() as connection:
        result = await connection.execute(select(table).order_by(key))
        return [dict(row._mapping) for row in result]


async def snapshot(db: Database) -> dict[str, list[dict[str, Any]]]:
    tables = (
        models.project_table,
        models.batch_table,
        models.job_table,
        models.job_result_table,
    )
    return {table.name: await rows(db, table) for table in tables}

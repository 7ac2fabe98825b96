"""Rows for tests: explicit values, fixed times, deterministic ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert

from jobgraph.db import models
from jobgraph.db.engine import Database

BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def utc(
    year: int,
    month: int = 1,
    day: int = 1,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


class Factory:
    """Inserts projects, batches and jobs; every value not given gets a plain default."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._counter = 0

    def next_id(self) -> str:
        self._counter += 1
        return str(uuid.UUID(int=self._counter * 0x1_0000_0001 + 0x10))

    async def _insert(self, table: Table, row: dict[str, Any]) -> None:
        async with self.db.write() as connection:
            await connection.execute(insert(table), [row])

    async def project(self, **values: Any) -> models.Project:
        row = {"id": self.next_id(), "name": "project", "created_at": BASE_TIME} | values
        await self._insert(models.project_table, row)
        return models.Project.model_construct(**row)  # type: ignore[arg-type]

    async def batch(self, project: models.Project | None = None, **values: Any) -> models.Batch:
        project = project or await self.project()
        row = {
            "id": self.next_id(),
            "parent_id": None,
            "project_id": project.id,
            "user_id": "user-1",
            "status": "DONE",
            "device_type": "FRESNEL",
            "priority": 0,
            "open": False,
            "complete": True,
            "tags": [],
            "configuration": {},
            "created_at": BASE_TIME,
            "updated_at": BASE_TIME,
            "start_datetime": None,
            "end_datetime": None,
        } | values
        await self._insert(models.batch_table, row)
        return models.Batch.model_construct(**row)

    async def job(
        self, batch: models.Batch | None = None, result: Any = None, **values: Any
    ) -> models.Job:
        batch = batch or await self.batch()
        row = {
            "id": self.next_id(),
            "parent_id": None,
            "batch_id": batch.id,
            "project_id": batch.project_id,
            "user_id": batch.user_id,
            "status": "DONE",
            "origin": "CLIENT",
            "runs": 1,
            "created_at": BASE_TIME,
            "updated_at": BASE_TIME,
            "start_timestamp": None,
            "end_timestamp": None,
            "variables": None,
            "errors": None,
            "progress": 0,
            "creation_order": 0,
            "slurm_job_id": None,
            "cluster_name": None,
        } | values
        await self._insert(models.job_table, row)
        if result is not None:
            await self._insert(models.job_result_table, {"job_id": row["id"], "result": result})
        return models.Job.model_construct(**row)

"""The REST job object: every data-model field, timestamps ISO-8601 UTC, never the result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field

from jobgraph.db import models
from jobgraph.db.raw import time_wire


class JobObject(BaseModel):
    """A job as GET /api/v2/jobs returns it (documentation model; rows are dumped directly)."""

    id: str = Field(description="The job's UUID, lowercase.")
    parent_id: str | None = Field(description="The job this one was created from, if any.")
    status: str = Field(description="PENDING, RUNNING, DONE, ERROR, CANCELED or CANCELING.")
    runs: int = Field(description="How many times the sequence is run.")
    batch_id: str
    project_id: str
    user_id: str | None
    origin: str = Field(description="CLIENT, AZURE, OVH or UNKNOWN.")
    created_at: str = Field(description="ISO-8601 UTC, e.g. 2024-01-01T00:00:00+00:00.")
    updated_at: str = Field(description="ISO-8601 UTC.")
    start_timestamp: str | None = Field(description="ISO-8601 UTC; null until it starts.")
    end_timestamp: str | None = Field(description="ISO-8601 UTC; null until it ends.")
    variables: dict[str, Any] | None
    errors: list[str] | None
    progress: int
    creation_order: int
    slurm_job_id: str | None
    cluster_name: str | None


JOB_FIELDS: tuple[str, ...] = tuple(JobObject.model_fields)
TIME_FIELDS = frozenset({"created_at", "updated_at", "start_timestamp", "end_timestamp"})
JSON_FIELDS = frozenset({"variables", "errors"})


def job_rows(rows: Sequence[Sequence[Any]], dialect: str) -> list[dict[str, Any]]:
    """The wire form of rows read as the driver returns them, columns in JOB_FIELDS order;
    the same values job_object gives, stored JSON written into the response as it is."""
    wire_time = time_wire(dialect)
    times = [index for index, name in enumerate(JOB_FIELDS) if name in TIME_FIELDS]
    texts = [index for index, name in enumerate(JOB_FIELDS) if name in JSON_FIELDS]
    wire = []
    for row in rows:
        values = list(row)
        for index in times:
            values[index] = wire_time(values[index])
        for index in texts:
            value = values[index]
            values[index] = orjson.Fragment(value) if isinstance(value, str) else value
        wire.append(dict(zip(JOB_FIELDS, values, strict=True)))
    return wire


def job_object(job: models.Job) -> dict[str, Any]:
    """The wire form of one job row: datetimes as isoformat() of the aware UTC value."""
    wire: dict[str, Any] = {}
    for name in JOB_FIELDS:
        value = getattr(job, name)
        wire[name] = value.isoformat() if isinstance(value, datetime) else value
    return wire

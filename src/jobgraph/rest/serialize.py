"""The REST job object: every data-model field, timestamps ISO-8601 UTC, never the result."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field

from jobgraph.db import models
from jobgraph.db.raw import same, time_wire


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
    """The wire form of rows read as the driver returns them, columns in JOB_FIELDS order
    (and any after them left out); the same values job_object gives, stored JSON written into
    the response as it is."""
    return _rows_writer(dialect)(rows)


RowsWriter = Callable[[Sequence[Sequence[Any]]], list[dict[str, Any]]]


@functools.cache
def _rows_writer(dialect: str) -> RowsWriter:
    """A function that writes a page of rows in one comprehension: a call per value costs
    more than the rest of the page, so only the values that need converting get one. Only
    JOB_FIELDS' names and positions go into its source."""
    namespace: dict[str, Any] = {"wire_time": time_wire(dialect), "Fragment": orjson.Fragment}
    entries = []
    for index, name in enumerate(JOB_FIELDS):
        value = f"row[{index}]"
        if name in TIME_FIELDS and namespace["wire_time"] is not same:
            entries.append(f"{name!r}: wire_time({value})")
        elif name in JSON_FIELDS:  # stored JSON text goes out as it is (SQLite: bare numbers)
            entries.append(f"{name!r}: Fragment({value}) if type({value}) is str else {value}")
        else:
            entries.append(f"{name!r}: row[{index}]")
    exec(f"def write(rows):\n    return [{{{', '.join(entries)}}} for row in rows]\n", namespace)
    writer: RowsWriter = namespace["write"]
    return writer


def job_object(job: models.Job) -> dict[str, Any]:
    """The wire form of one job row: datetimes as isoformat() of the aware UTC value."""
    wire: dict[str, Any] = {}
    for name in JOB_FIELDS:
        value = getattr(job, name)
        wire[name] = value.isoformat() if isinstance(value, datetime) else value
    return wire


class BatchObject(BaseModel):
    """A batch as the SDK's get_batch and get_batches read it (documentation model)."""

    id: str = Field(description="The batch's UUID, lowercase.")
    parent_id: str | None = Field(description="The batch this one retries, if any.")
    project_id: str
    user_id: str = Field(description="The user who submitted it; empty when not known.")
    status: str = Field(description="PENDING, RUNNING, DONE, CANCELED, TIMED_OUT, ERROR, PAUSED.")
    device_type: str = Field(description="The device it runs on; empty when not known.")
    priority: int
    queue_priority: str = Field(description="LOW, MEDIUM or HIGH.")
    open: bool = Field(description="Whether jobs can still be added.")
    complete: bool
    tags: list[str] | None
    configuration: dict[str, Any] | None
    created_at: str = Field(description="ISO-8601 UTC.")
    updated_at: str = Field(description="ISO-8601 UTC.")
    start_datetime: str | None = Field(description="ISO-8601 UTC; null until it starts.")
    end_datetime: str | None = Field(description="ISO-8601 UTC; null until it ends.")
    jobs_count: int = Field(description="How many jobs the batch holds.")
    jobs_count_per_status: dict[str, int] = Field(
        description="How many of its jobs are in each status; statuses with none left out."
    )


class BatchStatusObject(BaseModel):
    """What the SDK polls while it waits for a batch."""

    id: str
    status: str
    jobs_count_per_status: dict[str, int]


class JobStatusObject(BaseModel):
    """What the SDK polls while it waits for a job."""

    id: str
    status: str


class ProjectObject(BaseModel):
    """A project as the SDK's get_all_projects reads it."""

    id: str = Field(description="The project's UUID, lowercase.")
    project_id: str = Field(description="The same UUID, as the account API also names it.")
    name: str
    project_status: str = Field(description="ACTIVE or ARCHIVED.")
    created_at: str = Field(description="ISO-8601 UTC.")


BATCH_FIELDS: tuple[str, ...] = tuple(
    name for name in BatchObject.model_fields if name not in ("jobs_count", "jobs_count_per_status")
)
# The SDK's Batch model requires these as text; a batch imported without them (a placeholder)
# gets the empty string rather than a null that would stop the SDK from reading the page.
SDK_REQUIRED_TEXT = ("user_id", "device_type")


def _wire(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def batch_object(batch: models.Batch, counts: dict[str, int]) -> dict[str, Any]:
    """The wire form of one batch with its job counts (from job_counts_by_status)."""
    wire = {name: _wire(getattr(batch, name)) for name in BATCH_FIELDS}
    for name in SDK_REQUIRED_TEXT:
        wire[name] = wire[name] or ""
    wire["jobs_count"] = sum(counts.values())
    wire["jobs_count_per_status"] = counts
    return wire


def batch_status_object(batch: models.Batch, counts: dict[str, int]) -> dict[str, Any]:
    return {"id": batch.id, "status": batch.status, "jobs_count_per_status": counts}


def project_object(project: models.Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "project_id": project.id,
        "name": project.name,
        "project_status": project.project_status,
        "created_at": _wire(project.created_at),
    }

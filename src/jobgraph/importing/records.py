"""Import records: the validated shape of projects, batches and jobs, and readable errors."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)
from typing_extensions import TypedDict  # pydantic needs it for TypedDicts before 3.12

from jobgraph.domain import BatchStatus, JobOrigin, JobStatus, ProjectStatus, QueuePriority

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

# Canonical 8-4-4-4-12 hex, stored lower-case whatever case the file uses.
Id = Annotated[str, StringConstraints(strict=True, to_lower=True, pattern=UUID_PATTERN)]
Time = AwareDatetime  # naive timestamps are refused; UTCDateTime stores the UTC instant
Count = Annotated[StrictInt, Field(ge=0)]
Percent = Annotated[StrictInt, Field(ge=0, le=100)]
JsonObject = dict[str, Any]
Strings = list[StrictStr]

_CONFIG = ConfigDict(extra="forbid", use_enum_values=True)


class ProjectFields(TypedDict):
    __pydantic_config__ = _CONFIG  # type: ignore[misc]

    id: Id
    name: StrictStr
    created_at: Time
    project_status: NotRequired[ProjectStatus]


class BatchFields(TypedDict):
    __pydantic_config__ = _CONFIG  # type: ignore[misc]

    id: Id
    parent_id: NotRequired[Id | None]
    project_id: Id
    user_id: NotRequired[StrictStr | None]
    status: BatchStatus
    device_type: NotRequired[StrictStr | None]
    priority: NotRequired[StrictInt]
    queue_priority: NotRequired[QueuePriority]
    open: NotRequired[StrictBool]
    complete: NotRequired[StrictBool]
    tags: NotRequired[Strings | None]
    configuration: NotRequired[JsonObject | None]
    created_at: Time
    updated_at: Time
    start_datetime: NotRequired[Time | None]
    end_datetime: NotRequired[Time | None]


class JobFields(TypedDict):
    """A job as the Pasqal API lists it; `result` is stored apart, in job_result."""

    __pydantic_config__ = _CONFIG  # type: ignore[misc]

    id: Id
    parent_id: NotRequired[Id | None]
    batch_id: Id
    project_id: Id
    user_id: NotRequired[StrictStr | None]
    status: JobStatus
    origin: NotRequired[JobOrigin]
    runs: NotRequired[Count]
    created_at: Time
    updated_at: Time
    start_timestamp: NotRequired[Time | None]
    end_timestamp: NotRequired[Time | None]
    variables: NotRequired[JsonObject | None]
    errors: NotRequired[Strings | None]
    progress: NotRequired[Percent]
    creation_order: NotRequired[Count]
    slurm_job_id: NotRequired[StrictStr | None]
    cluster_name: NotRequired[StrictStr | None]
    result: NotRequired[Any]


class ProjectRecord(ProjectFields):
    kind: Literal["project"]


class BatchRecord(BatchFields):
    kind: Literal["batch"]


class JobRecord(JobFields):
    kind: Literal["job"]


Record = Annotated[ProjectRecord | BatchRecord | JobRecord, Discriminator("kind")]
RECORD: TypeAdapter[ProjectRecord | BatchRecord | JobRecord] = TypeAdapter(Record)
JOB: TypeAdapter[JobFields] = TypeAdapter(JobFields)

# Values of the columns a record may leave out; a re-import without them resets them.
PROJECT_DEFAULTS: dict[str, Any] = {"project_status": ProjectStatus.ACTIVE.value}
BATCH_DEFAULTS: dict[str, Any] = {
    "parent_id": None,
    "user_id": None,
    "device_type": None,
    "priority": 0,
    "queue_priority": QueuePriority.MEDIUM.value,
    "open": False,
    "complete": False,
    "tags": None,
    "configuration": None,
    "start_datetime": None,
    "end_datetime": None,
}
JOB_DEFAULTS: dict[str, Any] = {
    "parent_id": None,
    "user_id": None,
    "origin": JobOrigin.UNKNOWN.value,
    "runs": 0,
    "start_timestamp": None,
    "end_timestamp": None,
    "variables": None,
    "errors": None,
    "progress": 0,
    "creation_order": 0,
    "slurm_job_id": None,
    "cluster_name": None,
}


def describe_error(error: ValidationError, *, kind: str | None = None) -> str:
    """The first problem of a record as `<kind>.<field>: <plain reason>`."""
    detail = error.errors(include_url=False)[0]
    loc = [str(part) for part in detail["loc"]]
    if kind is not None:
        loc.insert(0, kind)
    where = ".".join(loc)
    reason = _reason(detail["type"], detail.get("input"), detail.get("ctx") or {}, detail["msg"])
    return f"{where}: {reason}" if where else reason


def _reason(kind: str, value: Any, ctx: dict[str, Any], message: str) -> str:
    if kind == "json_invalid":
        return f"invalid JSON ({ctx.get('error', message)})"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a JSON object, got {_short(value)}"
    if kind == "union_tag_not_found":
        return 'missing "kind" (one of project, batch, job)'
    if kind == "union_tag_invalid":
        return f"unknown kind {ctx.get('tag')!r}; expected one of project, batch, job"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "enum":
        allowed = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"{_short(value)} is not one of {allowed}"
    if kind == "string_pattern_mismatch":
        return f"{_short(value)} is not a UUID"
    if kind == "timezone_aware":
        return f"{_short(value)} has no UTC offset; write it as e.g. 2024-05-01T12:00:00Z"
    return f"{message[:1].lower()}{message[1:]} (got {_short(value)})"


def _short(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."

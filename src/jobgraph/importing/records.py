"""Import records: the validated shape of projects, batches and jobs, and readable errors."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
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
from jobgraph.query.spec import MAX_INT, MIN_INT, as_utc

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _in_utc(value: datetime) -> datetime:
    try:
        return as_utc(value)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


# Canonical 8-4-4-4-12 hex, stored lower-case whatever case the file uses.
Id = Annotated[str, StringConstraints(strict=True, to_lower=True, pattern=UUID_PATTERN)]
# Naive timestamps are refused; an instant UTC cannot hold (0001-01-01T00:00:00+01:00) too.
Time = Annotated[AwareDatetime, AfterValidator(_in_utc)]
# Integers as the API serves them: GraphQL's Int is 32-bit.
Int = Annotated[StrictInt, Field(ge=MIN_INT, le=MAX_INT)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_INT)]
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
    priority: NotRequired[Int]
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
    if kind == "value_error":
        return f"{_short(value)} {ctx.get('error', message)}"
    return f"{message[:1].lower()}{message[1:]} (got {_short(value)})"


def _short(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


# What a line may hold that a database cannot store: NUL (PostgreSQL refuses it in text and
# JSON), and numbers that are not finite. JSON writes NUL only as the escape \u0000; NaN,
# Infinity and numbers too large for a float (1e400) come only as these words or as a number
# with a 3-digit exponent. A line with none of them needs no closer look.
SUSPECT = re.compile(rb"\\u0000|NaN|Infinity|[:,\[]\s*-?[0-9][0-9.]*[eE][+-]?[0-9]{3}")


# JSON nested deeper than this is refused: the NDJSON parser stops there, and every answer
# that carries such a value stays within what the JSON writers serving it accept (orjson: 254).
MAX_JSON_DEPTH = 200


def unstorable(record: Any, where: str, depth: int = 0) -> str | None:
    """Where in a parsed record (`where` names it) a value lies that no database stores or
    no answer can carry, and why: a NUL character in a string or an object key, a number
    that is not finite, or arrays and objects nested more than MAX_JSON_DEPTH deep."""
    if isinstance(record, str):
        return f"{where}: contains the NUL character" if "\x00" in record else None
    if isinstance(record, float):
        return None if math.isfinite(record) else f"{where}: {record} is not a finite number"
    if isinstance(record, dict | list) and depth > MAX_JSON_DEPTH:
        shown = where if len(where) <= 80 else f"{where[:60]}..."
        return f"{shown}: JSON nested more than {MAX_JSON_DEPTH} levels deep"
    if isinstance(record, dict):
        for key, value in record.items():
            if "\x00" in key:
                return f"{where}: the key {key!r} contains the NUL character"
            found = unstorable(value, f"{where}.{key}", depth + 1)
            if found is not None:
                return found
    elif isinstance(record, list):
        for index, value in enumerate(record):
            found = unstorable(value, f"{where}[{index}]", depth + 1)
            if found is not None:
                return found
    return None

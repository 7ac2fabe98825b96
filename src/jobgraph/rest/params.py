"""The list routes' query strings turned into the core's specs; every problem is reported at once.

Each list has a table of Parameters (the job list's is here); one reader checks a query string
against a table, and one function describes a table for /docs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from jobgraph.domain import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    JobOrderField,
    JobOrigin,
    JobStatus,
    OrderDirection,
)
from jobgraph.query import spec
from jobgraph.query.spec import (
    MAX_INT,
    MAX_LIST_VALUES,
    MAX_TEXT_LENGTH,
    MIN_INT,
    InvalidQueryError,
    InvalidValueError,
    JobFilterSpec,
    OffsetRequest,
    OrderTerm,
    canonical_id,
    checked_text,
    parse_time,
    shown,
)

# OFFSET binds as a 64-bit integer on both databases. Every other limit is the query core's,
# shared with GraphQL: MAX_LIST_VALUES per repeated parameter, MAX_TEXT_LENGTH per text, and
# runs bounds in GraphQL's Int range.
MAX_OFFSET = 2**63 - 1

_INTEGER = re.compile(r"[+-]?[0-9]+")


class InvalidParametersError(InvalidQueryError):
    """Query parameters that cannot be read; `problems` maps each parameter to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(f"Invalid parameters: {', '.join(problems)}.")
        self.problems = problems


@dataclass(frozen=True)
class Parameter:
    """One query parameter: how to read one value, and how /docs describes it."""

    name: str
    description: str
    schema: dict[str, Any]
    read: Callable[[str], Any]
    repeatable: bool = False


@dataclass(frozen=True)
class JobListQuery:
    """What GET /api/v2/jobs asks for, in the core's terms."""

    spec: JobFilterSpec
    order: tuple[OrderTerm, ...]
    window: OffsetRequest


@dataclass(frozen=True)
class ListQuery:
    """The order and window every list route shares, read from order_by, order_by_direction,
    limit and offset."""

    order: tuple[OrderTerm, ...]
    window: OffsetRequest

    @classmethod
    def of(cls, values: dict[str, Any], default_field: str) -> ListQuery:
        direction = OrderDirection(values.get("order_by_direction", OrderDirection.DESC))
        order = (OrderTerm(values.get("order_by", default_field), direction),)
        window = OffsetRequest(
            limit=values.get("limit", DEFAULT_PAGE_SIZE), offset=values.get("offset", 0)
        )
        return cls(order, window)


def integer(low: int, high: int) -> Callable[[str], int]:
    def read(raw: str) -> int:
        if not _INTEGER.fullmatch(raw):
            raise ValueError(f"{shown(raw)} is not an integer")
        # Longer than any bound: out of range without asking int() for thousands of digits.
        value = int(raw) if len(raw) <= 20 else (high + 1 if raw[0] != "-" else low - 1)
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {shown(raw)}")
        return value

    return read


def choice(enum: type[StrEnum]) -> Callable[[str], str]:
    allowed = [member.value for member in enum]

    def read(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"{shown(raw)} is not one of {', '.join(allowed)}")
        return raw

    return read


def read_job_id(raw: str) -> str:
    """The job id from a path, as the lowercase UUID text ids are stored as; a path that
    names no possible job is refused (422), where a filter value would match nothing."""
    return read_path_id(raw)


def read_path_id(raw: str) -> str:
    """An id from a path (a job's, a batch's), as stored; 422 when it is no UUID."""
    found = canonical_id(raw)
    if found is None:
        raise InvalidParametersError({"id": f"{shown(raw)} is not a UUID"})
    return found


def boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"{shown(raw)} is not a boolean: use true, false, 1 or 0")


def enum_schema(enum: type[StrEnum]) -> dict[str, Any]:
    return {"type": "string", "enum": [member.value for member in enum]}


# Ids are compared as UUIDs, but any text is taken (it matches nothing), so no `format`.
ID_SCHEMA = {
    "type": "string",
    "maxLength": MAX_TEXT_LENGTH,
    "example": "0c000000-0000-4000-8000-000000000001",
}
TEXT_SCHEMA = {"type": "string", "maxLength": MAX_TEXT_LENGTH}
# ISO-8601 as Python reads it: a bare date or a time without offset too, so no `format`.
DATE_SCHEMA = {"type": "string", "example": "2024-03-10T12:00:00Z"}
BOOLEAN_SCHEMA = {
    "type": "string",
    "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$",
    "example": "true",
}
RUNS_SCHEMA = {"type": "integer", "minimum": MIN_INT, "maximum": MAX_INT}
DATE_NOTE = (
    "ISO-8601 date-time, with an offset or Z; a date-time without one is read as UTC, "
    "and a bare date as its midnight UTC. Refused when UTC cannot hold it."
)
_ID_NOTE = "Any case; a value that is not a UUID is no job's id and matches nothing."


def list_parameters(noun: str, order_fields: type[StrEnum]) -> tuple[Parameter, ...]:
    """order_by, order_by_direction, limit and offset for a list of `noun` (plural)."""
    return (
        Parameter(
            "order_by",
            f"Column to sort the {noun} by; ties are broken by id in the same direction. "
            f"{noun.capitalize()} without a value (null) come last in either direction.",
            enum_schema(order_fields) | {"default": "created_at"},
            choice(order_fields),
        ),
        Parameter(
            "order_by_direction",
            "Sort direction.",
            enum_schema(OrderDirection) | {"default": OrderDirection.DESC.value},
            choice(OrderDirection),
        ),
        Parameter(
            "limit",
            f"Largest number of {noun} to return, 1 to {MAX_PAGE_SIZE}.",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
            integer(1, MAX_PAGE_SIZE),
        ),
        Parameter(
            "offset",
            f"How many matching {noun} to skip. Past the end, `data` is empty and "
            "pagination.start = pagination.end = offset.",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            integer(0, MAX_OFFSET),
        ),
    )


PARAMETERS: dict[str, Parameter] = {
    parameter.name: parameter
    for parameter in (
        *list_parameters("jobs", JobOrderField),
        Parameter(
            "id",
            f"Keep jobs with one of these ids. {_ID_NOTE}",
            ID_SCHEMA,
            partial(checked_text, "id"),
            repeatable=True,
        ),
        Parameter(
            "id__starts_with",
            "Keep jobs whose id starts with these characters, in any case. Every character is "
            "literal (% and _ too); a prefix that no id can have matches nothing.",
            TEXT_SCHEMA,
            partial(checked_text, "id__starts_with"),
        ),
        Parameter(
            "batch_id",
            f"Keep jobs of one of these batches. {_ID_NOTE}",
            ID_SCHEMA,
            partial(checked_text, "batch_id"),
            repeatable=True,
        ),
        Parameter(
            "project_id",
            f"Keep jobs of one of these projects. {_ID_NOTE}",
            ID_SCHEMA,
            partial(checked_text, "project_id"),
            repeatable=True,
        ),
        Parameter(
            "user_id",
            "Keep jobs of one of these users, compared exactly (case included; the empty "
            "string is a value like any other).",
            TEXT_SCHEMA,
            partial(checked_text, "user_id"),
            repeatable=True,
        ),
        Parameter(
            "status",
            "Keep jobs in one of these statuses.",
            enum_schema(JobStatus),
            choice(JobStatus),
            repeatable=True,
        ),
        Parameter(
            "origin",
            "Keep jobs from one of these origins.",
            enum_schema(JobOrigin),
            choice(JobOrigin),
            repeatable=True,
        ),
        Parameter(
            "min_runs",
            "Keep jobs with at least this many runs.",
            RUNS_SCHEMA,
            integer(MIN_INT, MAX_INT),
        ),
        Parameter(
            "max_runs",
            "Keep jobs with at most this many runs.",
            RUNS_SCHEMA,
            integer(MIN_INT, MAX_INT),
        ),
        Parameter(
            "errors",
            "true keeps jobs that returned errors (a non-empty errors list), false the others. "
            "true/false in any case, or 1/0.",
            BOOLEAN_SCHEMA,
            boolean,
        ),
        Parameter(
            "start_date",
            f"Keep jobs whose start_timestamp is at or after this instant. {DATE_NOTE}",
            DATE_SCHEMA,
            parse_time,
        ),
        Parameter(
            "end_date",
            f"Keep jobs whose end_timestamp is at or before this instant. {DATE_NOTE}",
            DATE_SCHEMA,
            parse_time,
        ),
    )
}


def read_all(items: Iterable[tuple[str, str]], parameters: dict[str, Parameter]) -> dict[str, Any]:
    """Each known parameter's value (a tuple where repeatable); unknown names are ignored.
    InvalidParametersError names every parameter in error at once."""
    given: dict[str, list[str]] = {}
    for name, raw in items:
        if name in parameters:
            given.setdefault(name, []).append(raw)
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, raws in given.items():
        parameter = parameters[name]
        if not parameter.repeatable and len(raws) > 1:
            problems[name] = f"given {len(raws)} times; pass it at most once"
            continue
        if len(raws) > MAX_LIST_VALUES:
            problems[name] = f"given {len(raws)} times; at most {MAX_LIST_VALUES}"
            continue
        try:
            read = [parameter.read(raw) for raw in raws]
        except InvalidValueError as error:
            problems[name] = error.problem
            continue
        except ValueError as error:
            problems[name] = str(error)
            continue
        values[name] = tuple(dict.fromkeys(read)) if parameter.repeatable else read[0]
    if problems:
        raise InvalidParametersError(problems)
    return values


def _value_list(values: Sequence[str] | None) -> spec.ValueList | None:
    return None if values is None else spec.ValueList(values)


def parse_job_query(items: Iterable[tuple[str, str]]) -> JobListQuery:
    """Read the query string's (name, value) pairs; InvalidParametersError lists all problems."""
    values = read_all(items, PARAMETERS)
    kept = JobFilterSpec(
        ids=spec.ids("id", values.get("id")),
        id_prefix=spec.id_prefix("id__starts_with", values.get("id__starts_with")),
        batch_ids=spec.ids("batch_id", values.get("batch_id")),
        project_ids=spec.ids("project_id", values.get("project_id")),
        user_ids=spec.texts("user_id", values.get("user_id")),
        statuses=_value_list(values.get("status")),
        origins=_value_list(values.get("origin")),
        min_runs=values.get("min_runs"),
        max_runs=values.get("max_runs"),
        has_errors=values.get("errors"),
        start_date=values.get("start_date"),
        end_date=values.get("end_date"),
    )
    listed = ListQuery.of(values, JobOrderField.CREATED_AT.value)
    return JobListQuery(kept, listed.order, listed.window)


def openapi_parameters(parameters: dict[str, Parameter] = PARAMETERS) -> list[dict[str, Any]]:
    """The OpenAPI description of every query parameter, from the same table the parser uses."""
    described = []
    for parameter in parameters.values():
        schema = parameter.schema
        if parameter.repeatable:
            schema = {"type": "array", "items": schema}
        note = " Repeat the parameter to give several values." if parameter.repeatable else ""
        described.append(
            {
                "name": parameter.name,
                "in": "query",
                "required": False,
                "description": parameter.description + note,
                "schema": schema,
                **({"style": "form", "explode": True} if parameter.repeatable else {}),
            }
        )
    return described

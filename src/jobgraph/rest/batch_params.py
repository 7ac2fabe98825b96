"""The /api/v1/batches and /api/v1/projects query strings turned into the core's specs, with the
SDK's BatchFilters meanings; read by the same table reader as the job list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from jobgraph.domain import BatchOrderField, BatchStatus, ProjectStatus, QueuePriority
from jobgraph.query import spec
from jobgraph.query.spec import (
    BatchFilterSpec,
    OffsetRequest,
    OrderTerm,
    ProjectFilterSpec,
    checked_text,
    parse_time,
)
from jobgraph.rest.params import (
    BOOLEAN_SCHEMA,
    DATE_NOTE,
    DATE_SCHEMA,
    ID_SCHEMA,
    TEXT_SCHEMA,
    ListQuery,
    Parameter,
    boolean,
    choice,
    enum_schema,
    list_parameters,
    read_all,
)

_ID_NOTE = "Any case; a value that is not a UUID is no batch's id and matches nothing."


@dataclass(frozen=True)
class BatchListQuery:
    """What GET /api/v1/batches asks for, in the core's terms."""

    spec: BatchFilterSpec
    order: tuple[OrderTerm, ...]
    window: OffsetRequest


BATCH_PARAMETERS: dict[str, Parameter] = {
    parameter.name: parameter
    for parameter in (
        *list_parameters("batches", BatchOrderField),
        Parameter(
            "id",
            f"Keep batches with one of these ids. {_ID_NOTE}",
            ID_SCHEMA,
            partial(checked_text, "id"),
            repeatable=True,
        ),
        Parameter(
            "project_id",
            f"Keep batches of one of these projects. {_ID_NOTE}",
            ID_SCHEMA,
            partial(checked_text, "project_id"),
            repeatable=True,
        ),
        Parameter(
            "user_id",
            "Keep batches of one of these users, compared exactly (case included; the empty "
            "string is a value like any other).",
            TEXT_SCHEMA,
            partial(checked_text, "user_id"),
            repeatable=True,
        ),
        Parameter(
            "device_type",
            "Keep batches for one of these device types, compared exactly.",
            TEXT_SCHEMA,
            partial(checked_text, "device_type"),
            repeatable=True,
        ),
        Parameter(
            "status",
            "Keep batches in one of these statuses.",
            enum_schema(BatchStatus),
            choice(BatchStatus),
            repeatable=True,
        ),
        Parameter(
            "queue_priority",
            "Keep batches waiting in one of these queues.",
            enum_schema(QueuePriority),
            choice(QueuePriority),
            repeatable=True,
        ),
        Parameter(
            "open",
            "true keeps batches that still accept jobs, false the others. true/false in any "
            "case, or 1/0.",
            BOOLEAN_SCHEMA,
            boolean,
        ),
        Parameter(
            "tag",
            "Keep batches whose tags include this one, compared exactly.",
            TEXT_SCHEMA,
            partial(checked_text, "tag"),
        ),
        Parameter(
            "start_date",
            f"Keep batches created at or after this instant. {DATE_NOTE}",
            DATE_SCHEMA,
            parse_time,
        ),
        Parameter(
            "end_date",
            f"Keep batches created at or before this instant. {DATE_NOTE}",
            DATE_SCHEMA,
            parse_time,
        ),
    )
}


def parse_batch_query(items: Iterable[tuple[str, str]]) -> BatchListQuery:
    """Read the query string's (name, value) pairs; InvalidParametersError lists all problems."""
    values = read_all(items, BATCH_PARAMETERS)
    kept = BatchFilterSpec(
        ids=spec.ids("id", values.get("id")),
        project_ids=spec.ids("project_id", values.get("project_id")),
        user_ids=spec.texts("user_id", values.get("user_id")),
        device_types=spec.texts("device_type", values.get("device_type")),
        statuses=values.get("status"),
        queue_priorities=values.get("queue_priority"),
        open=values.get("open"),
        tag=values.get("tag"),
        start_date=values.get("start_date"),
        end_date=values.get("end_date"),
    )
    listed = ListQuery.of(values, BatchOrderField.CREATED_AT.value)
    return BatchListQuery(kept, listed.order, listed.window)


PROJECT_PARAMETERS: dict[str, Parameter] = {
    "project_status": Parameter(
        "project_status",
        "Keep projects in one of these statuses; the SDK asks for ACTIVE ones.",
        enum_schema(ProjectStatus),
        choice(ProjectStatus),
        repeatable=True,
    ),
}


def parse_project_query(items: Iterable[tuple[str, str]]) -> ProjectFilterSpec:
    """The projects to list; InvalidParametersError names a bad project_status."""
    values = read_all(items, PROJECT_PARAMETERS)
    return ProjectFilterSpec(statuses=values.get("project_status"))

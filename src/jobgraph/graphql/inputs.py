"""GraphQL filter and order inputs; each becomes the query core's plain spec via to_spec()."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from jobgraph.graphql.enums import (
    BatchOrderField,
    BatchStatus,
    JobOrderField,
    JobOrigin,
    JobStatus,
    OrderDirection,
    ProjectOrderField,
    ProjectStatus,
    QueuePriority,
)
from jobgraph.query import spec
from jobgraph.query.spec import (
    BatchFilterSpec,
    FilterSpec,
    IntRange,
    InvalidQueryError,
    JobFilterSpec,
    Listing,
    OrderTerm,
    PageRequest,
    ProjectFilterSpec,
    TimeRange,
)

MAX_FILTER_DEPTH = 6
MAX_FILTER_PARTS = 64


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"Value cannot represent a DateTime: {value!r}. Expected a string.")
    return spec.parse_time(value)


# DateTime inputs are read by the query core's parser, the one REST uses, and arrive in UTC;
# outputs stay isoformat(). The schema maps Python's datetime to this scalar.
DATETIME = strawberry.scalar(
    name="DateTime",
    description="Date with time (isoformat)",
    serialize=datetime.isoformat,
    parse_value=_parse_datetime,
)


class _Budget:
    """Caps how deep and how wide one filter may be, so no request builds a huge WHERE."""

    def __init__(self) -> None:
        self.parts = 0

    def enter(self, depth: int) -> None:
        self.parts += 1
        if depth > MAX_FILTER_DEPTH:
            raise InvalidQueryError(f"filter nests and/or/not deeper than {MAX_FILTER_DEPTH}")
        if self.parts > MAX_FILTER_PARTS:
            raise InvalidQueryError(f"filter has more than {MAX_FILTER_PARTS} and/or/not parts")


def _ids(name: str, values: Sequence[strawberry.ID] | None) -> tuple[str, ...] | None:
    return spec.ids(name, None if values is None else [str(value) for value in values])


def _choices(name: str, values: Sequence[Any] | None) -> tuple[str, ...] | None:
    found = spec.checked_list(name, values)
    return None if found is None else spec.ValueList(str(value) for value in found)


def _optional_text(name: str, value: str | None) -> str | None:
    return None if value is None else spec.checked_text(name, value)


def _composition(node: Any, budget: _Budget, depth: int) -> dict[str, Any]:
    """The and/or/not parts of a filter input, as spec fields."""
    return {
        "all_of": tuple(child.to_spec(budget, depth + 1) for child in node.and_ or ()),
        "any_of": None
        if node.or_ is None
        else tuple(child.to_spec(budget, depth + 1) for child in node.or_),
        "none_of": None if node.not_ is None else node.not_.to_spec(budget, depth + 1),
    }


@strawberry.input(description="Bounds on a time; every bound given must hold. Naive times are UTC.")
class DateTimeRange:
    gt: datetime | None = strawberry.field(default=None, description="Greater than this.")
    gte: datetime | None = strawberry.field(
        default=None, description="Greater than or equal to this."
    )
    lt: datetime | None = strawberry.field(default=None, description="Less than this.")
    lte: datetime | None = strawberry.field(default=None, description="Less than or equal to this.")

    def to_spec(self, name: str) -> TimeRange:
        def utc(bound: str, value: datetime | None) -> datetime | None:
            return spec.utc_time(f"{name}.{bound}", value)

        return TimeRange(
            utc("gt", self.gt), utc("gte", self.gte), utc("lt", self.lt), utc("lte", self.lte)
        )


@strawberry.input(name="IntRange", description="Bounds on an integer; every bound given must hold.")
class IntRangeInput:
    gt: int | None = strawberry.field(default=None, description="Greater than this.")
    gte: int | None = strawberry.field(default=None, description="Greater than or equal to this.")
    lt: int | None = strawberry.field(default=None, description="Less than this.")
    lte: int | None = strawberry.field(default=None, description="Less than or equal to this.")

    def to_spec(self, name: str) -> IntRange:
        def bound(which: str, value: int | None) -> int | None:
            return spec.checked_int(f"{name}.{which}", value)

        return IntRange(
            bound("gt", self.gt),
            bound("gte", self.gte),
            bound("lt", self.lt),
            bound("lte", self.lte),
        )


def _range(name: str, bounds: DateTimeRange | IntRangeInput | None) -> Any:
    return None if bounds is None else bounds.to_spec(name)


@strawberry.input(
    description="Which jobs to return. Fields combine with AND; lists mean 'one of'. "
    "The REST filters keep their REST meaning. `and: []` keeps everything, `or: []` nothing."
)
class JobFilter:
    id: list[strawberry.ID] | None = strawberry.field(default=None, description="One of these ids.")
    id_starts_with: str | None = strawberry.field(
        default=None, description="The id begins with these characters."
    )
    parent_id: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Retried from one of these jobs."
    )
    batch_id: list[strawberry.ID] | None = strawberry.field(
        default=None, description="In one of these batches."
    )
    project_id: list[strawberry.ID] | None = strawberry.field(
        default=None, description="In one of these projects."
    )
    user_id: list[str] | None = strawberry.field(
        default=None, description="Submitted by one of these users."
    )
    status: list[JobStatus] | None = strawberry.field(
        default=None, description="In one of these statuses."
    )
    origin: list[JobOrigin] | None = strawberry.field(
        default=None, description="Submitted from one of these origins."
    )
    min_runs: int | None = strawberry.field(default=None, description="runs >= minRuns.")
    max_runs: int | None = strawberry.field(default=None, description="runs <= maxRuns.")
    errors: bool | None = strawberry.field(
        default=None, description="true: jobs that returned errors; false: jobs without."
    )
    has_result: bool | None = strawberry.field(
        default=None, description="true: jobs with a stored result; false: jobs without."
    )
    start_date: datetime | None = strawberry.field(
        default=None, description="startTimestamp >= startDate."
    )
    end_date: datetime | None = strawberry.field(
        default=None, description="endTimestamp <= endDate."
    )
    created_at: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on createdAt."
    )
    updated_at: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on updatedAt."
    )
    start_timestamp: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on startTimestamp; a job not started matches none."
    )
    end_timestamp: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on endTimestamp; a job not finished matches none."
    )
    runs: IntRangeInput | None = strawberry.field(default=None, description="Bounds on runs.")
    progress: IntRangeInput | None = strawberry.field(
        default=None, description="Bounds on progress."
    )
    and_: list[JobFilter] | None = strawberry.field(
        default=None, name="and", description="Every one of these filters holds."
    )
    or_: list[JobFilter] | None = strawberry.field(
        default=None, name="or", description="At least one of these filters holds."
    )
    not_: JobFilter | None = strawberry.field(
        default=None, name="not", description="This filter does not hold."
    )

    def to_spec(self, budget: _Budget | None = None, depth: int = 1) -> JobFilterSpec:
        budget = budget or _Budget()
        budget.enter(depth)
        return JobFilterSpec(
            ids=_ids("id", self.id),
            id_prefix=spec.id_prefix("idStartsWith", self.id_starts_with),
            parent_ids=_ids("parentId", self.parent_id),
            batch_ids=_ids("batchId", self.batch_id),
            project_ids=_ids("projectId", self.project_id),
            user_ids=spec.texts("userId", self.user_id),
            statuses=_choices("status", self.status),
            origins=_choices("origin", self.origin),
            min_runs=spec.checked_int("minRuns", self.min_runs),
            max_runs=spec.checked_int("maxRuns", self.max_runs),
            has_errors=self.errors,
            has_result=self.has_result,
            start_date=spec.utc_time("startDate", self.start_date),
            end_date=spec.utc_time("endDate", self.end_date),
            created_at=_range("createdAt", self.created_at),
            updated_at=_range("updatedAt", self.updated_at),
            start_timestamp=_range("startTimestamp", self.start_timestamp),
            end_timestamp=_range("endTimestamp", self.end_timestamp),
            runs=_range("runs", self.runs),
            progress=_range("progress", self.progress),
            **_composition(self, budget, depth),
        )


@strawberry.input(
    description="Which batches to return; same conventions as JobFilter. The SDK's batch "
    "filters (GET /api/v1/batches) keep their REST meaning."
)
class BatchFilter:
    id: list[strawberry.ID] | None = strawberry.field(default=None, description="One of these ids.")
    id_starts_with: str | None = strawberry.field(
        default=None, description="The id begins with these characters."
    )
    parent_id: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Retried from one of these batches."
    )
    project_id: list[strawberry.ID] | None = strawberry.field(
        default=None, description="In one of these projects."
    )
    user_id: list[str] | None = strawberry.field(
        default=None, description="Submitted by one of these users."
    )
    status: list[BatchStatus] | None = strawberry.field(
        default=None, description="In one of these statuses."
    )
    device_type: list[str] | None = strawberry.field(
        default=None, description="For one of these device types."
    )
    queue_priority: list[QueuePriority] | None = strawberry.field(
        default=None, description="Waiting in one of these queues."
    )
    open: bool | None = strawberry.field(default=None, description="Still accepts jobs, or not.")
    complete: bool | None = strawberry.field(default=None, description="Declared complete, or not.")
    tag: str | None = strawberry.field(default=None, description="The batch's tags include it.")
    priority: IntRangeInput | None = strawberry.field(
        default=None, description="Bounds on the numeric priority."
    )
    start_date: datetime | None = strawberry.field(
        default=None, description="createdAt >= startDate (as the SDK's batch filter)."
    )
    end_date: datetime | None = strawberry.field(
        default=None, description="createdAt <= endDate (as the SDK's batch filter)."
    )
    created_at: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on createdAt."
    )
    updated_at: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on updatedAt."
    )
    start_datetime: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on startDatetime."
    )
    end_datetime: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on endDatetime."
    )
    and_: list[BatchFilter] | None = strawberry.field(
        default=None, name="and", description="Every one of these filters holds."
    )
    or_: list[BatchFilter] | None = strawberry.field(
        default=None, name="or", description="At least one of these filters holds."
    )
    not_: BatchFilter | None = strawberry.field(
        default=None, name="not", description="This filter does not hold."
    )

    def to_spec(self, budget: _Budget | None = None, depth: int = 1) -> BatchFilterSpec:
        budget = budget or _Budget()
        budget.enter(depth)
        return BatchFilterSpec(
            ids=_ids("id", self.id),
            id_prefix=spec.id_prefix("idStartsWith", self.id_starts_with),
            parent_ids=_ids("parentId", self.parent_id),
            project_ids=_ids("projectId", self.project_id),
            user_ids=spec.texts("userId", self.user_id),
            statuses=_choices("status", self.status),
            device_types=spec.texts("deviceType", self.device_type),
            queue_priorities=_choices("queuePriority", self.queue_priority),
            open=self.open,
            complete=self.complete,
            tag=_optional_text("tag", self.tag),
            priority=_range("priority", self.priority),
            created_at=_range("createdAt", self.created_at),
            updated_at=_range("updatedAt", self.updated_at),
            start_datetime=_range("startDatetime", self.start_datetime),
            end_datetime=_range("endDatetime", self.end_datetime),
            start_date=spec.utc_time("startDate", self.start_date),
            end_date=spec.utc_time("endDate", self.end_date),
            **_composition(self, budget, depth),
        )


@strawberry.input(description="Which projects to return; same conventions as JobFilter.")
class ProjectFilter:
    id: list[strawberry.ID] | None = strawberry.field(default=None, description="One of these ids.")
    id_starts_with: str | None = strawberry.field(
        default=None, description="The id begins with these characters."
    )
    name: str | None = strawberry.field(default=None, description="Exactly this name.")
    name_starts_with: str | None = strawberry.field(
        default=None, description="The name begins with these characters (case-sensitive)."
    )
    project_status: list[ProjectStatus] | None = strawberry.field(
        default=None, description="One of these statuses."
    )
    created_at: DateTimeRange | None = strawberry.field(
        default=None, description="Bounds on createdAt."
    )
    and_: list[ProjectFilter] | None = strawberry.field(
        default=None, name="and", description="Every one of these filters holds."
    )
    or_: list[ProjectFilter] | None = strawberry.field(
        default=None, name="or", description="At least one of these filters holds."
    )
    not_: ProjectFilter | None = strawberry.field(
        default=None, name="not", description="This filter does not hold."
    )

    def to_spec(self, budget: _Budget | None = None, depth: int = 1) -> ProjectFilterSpec:
        budget = budget or _Budget()
        budget.enter(depth)
        return ProjectFilterSpec(
            ids=_ids("id", self.id),
            id_prefix=spec.id_prefix("idStartsWith", self.id_starts_with),
            name=_optional_text("name", self.name),
            name_prefix=spec.text_prefix("nameStartsWith", self.name_starts_with),
            statuses=_choices("projectStatus", self.project_status),
            created_at=_range("createdAt", self.created_at),
            **_composition(self, budget, depth),
        )


_ORDER_FIELD = "The field to order by."
_ORDER_DIRECTION = "ASC or DESC (the default)."


@strawberry.input(description="One sort key. Ties are broken by id in the first key's direction.")
class JobOrder:
    field: JobOrderField = strawberry.field(description=_ORDER_FIELD)
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description=_ORDER_DIRECTION
    )


@strawberry.input(description="One sort key. Ties are broken by id in the first key's direction.")
class BatchOrder:
    field: BatchOrderField = strawberry.field(description=_ORDER_FIELD)
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description=_ORDER_DIRECTION
    )


@strawberry.input(description="One sort key. Ties are broken by id in the first key's direction.")
class ProjectOrder:
    field: ProjectOrderField = strawberry.field(description=_ORDER_FIELD)
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description=_ORDER_DIRECTION
    )


def to_order_terms(
    order_by: Sequence[JobOrder | BatchOrder | ProjectOrder] | None,
) -> tuple[OrderTerm, ...]:
    if order_by is not None and len(order_by) > 10:
        raise InvalidQueryError("`orderBy` takes at most 10 keys")
    return tuple(OrderTerm(term.field.value, term.direction) for term in order_by or ())


def to_listing(
    empty: FilterSpec,
    filter: JobFilter | BatchFilter | ProjectFilter | None = None,
    order_by: Sequence[JobOrder | BatchOrder | ProjectOrder] | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Listing:
    """A list field's arguments as the query core's Listing; `empty` is the no-filter spec.

    Both execution paths build listings here, so they accept and refuse the same input."""
    kept = filter.to_spec() if filter else empty
    window = PageRequest.from_relay(first=first, after=after, last=last, before=before)
    return Listing(kept, to_order_terms(order_by), window)

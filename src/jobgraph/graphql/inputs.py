"""GraphQL filter and order inputs; each becomes the query core's plain spec via to_spec()."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import strawberry

from jobgraph.graphql.enums import (
    BatchOrderField,
    BatchStatus,
    JobOrderField,
    JobOrigin,
    JobStatus,
    OrderDirection,
    ProjectOrderField,
)
from jobgraph.query.spec import (
    BatchFilterSpec,
    FilterSpec,
    IntRange,
    InvalidQueryError,
    JobFilterSpec,
    Listing,
    OrderTerm,
    PageRequest,
    Prefix,
    ProjectFilterSpec,
    TimeRange,
    as_utc,
)

MAX_FILTER_DEPTH = 6
MAX_FILTER_NODES = 64
MAX_LIST_VALUES = 500

T = TypeVar("T")


class _Budget:
    """Caps how deep and how wide one filter may be, so no request builds a huge WHERE."""

    def __init__(self) -> None:
        self.nodes = 0

    def enter(self, depth: int) -> None:
        self.nodes += 1
        if depth > MAX_FILTER_DEPTH:
            raise InvalidQueryError(f"filter nests and/or/not deeper than {MAX_FILTER_DEPTH}")
        if self.nodes > MAX_FILTER_NODES:
            raise InvalidQueryError(f"filter has more than {MAX_FILTER_NODES} and/or/not parts")


def _values(name: str, values: Sequence[T] | None) -> tuple[T, ...] | None:
    if values is None:
        return None
    if len(values) > MAX_LIST_VALUES:
        raise InvalidQueryError(f"`{name}` lists more than {MAX_LIST_VALUES} values")
    return tuple(values)


def _strings(name: str, values: Sequence[Any] | None) -> tuple[str, ...] | None:
    found = _values(name, values)
    if found is None:
        return None
    return tuple(_text(name, str(value)) for value in found)


def _text(name: str, value: str) -> str:
    """Text a database can compare: no NUL (PostgreSQL refuses it), no lone surrogates."""
    if "\x00" in value:
        raise InvalidQueryError(f"`{name}` must not contain the NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidQueryError(f"`{name}` is not valid Unicode text") from error
    return value


def _optional_text(name: str, value: str | None) -> str | None:
    return None if value is None else _text(name, value)


def _ids(name: str, values: Sequence[strawberry.ID] | None) -> tuple[str, ...] | None:
    found = _strings(name, values)
    return None if found is None else tuple(value.lower() for value in found)


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
    gt: datetime | None = None
    gte: datetime | None = None
    lt: datetime | None = None
    lte: datetime | None = None

    def to_spec(self) -> TimeRange:
        def utc(value: datetime | None) -> datetime | None:
            return None if value is None else as_utc(value)

        return TimeRange(utc(self.gt), utc(self.gte), utc(self.lt), utc(self.lte))


@strawberry.input(name="IntRange", description="Bounds on an integer; every bound given must hold.")
class IntRangeInput:
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None

    def to_spec(self) -> IntRange:
        return IntRange(self.gt, self.gte, self.lt, self.lte)


def _range(bounds: DateTimeRange | IntRangeInput | None) -> Any:
    return None if bounds is None else bounds.to_spec()


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


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
    user_id: list[str] | None = strawberry.field(default=None, description="Owned by one of these.")
    status: list[JobStatus] | None = strawberry.field(default=None, description="One of these.")
    origin: list[JobOrigin] | None = strawberry.field(default=None, description="One of these.")
    min_runs: int | None = strawberry.field(default=None, description="runs >= minRuns.")
    max_runs: int | None = strawberry.field(default=None, description="runs <= maxRuns.")
    errors: bool | None = strawberry.field(
        default=None, description="true: jobs that returned errors; false: jobs without."
    )
    start_date: datetime | None = strawberry.field(
        default=None, description="startTimestamp >= startDate."
    )
    end_date: datetime | None = strawberry.field(
        default=None, description="endTimestamp <= endDate."
    )
    created_at: DateTimeRange | None = None
    updated_at: DateTimeRange | None = None
    start_timestamp: DateTimeRange | None = None
    end_timestamp: DateTimeRange | None = None
    runs: IntRangeInput | None = None
    progress: IntRangeInput | None = None
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
            id_prefix=Prefix.of_id(_optional_text("idStartsWith", self.id_starts_with)),
            parent_ids=_ids("parentId", self.parent_id),
            batch_ids=_ids("batchId", self.batch_id),
            project_ids=_ids("projectId", self.project_id),
            user_ids=_strings("userId", self.user_id),
            statuses=_strings("status", self.status),
            origins=_strings("origin", self.origin),
            min_runs=self.min_runs,
            max_runs=self.max_runs,
            has_errors=self.errors,
            start_date=_utc(self.start_date),
            end_date=_utc(self.end_date),
            created_at=_range(self.created_at),
            updated_at=_range(self.updated_at),
            start_timestamp=_range(self.start_timestamp),
            end_timestamp=_range(self.end_timestamp),
            runs=_range(self.runs),
            progress=_range(self.progress),
            **_composition(self, budget, depth),
        )


@strawberry.input(description="Which batches to return; same conventions as JobFilter.")
class BatchFilter:
    id: list[strawberry.ID] | None = None
    id_starts_with: str | None = None
    parent_id: list[strawberry.ID] | None = None
    project_id: list[strawberry.ID] | None = None
    user_id: list[str] | None = None
    status: list[BatchStatus] | None = None
    device_type: list[str] | None = None
    open: bool | None = None
    complete: bool | None = None
    tag: str | None = strawberry.field(default=None, description="The batch's tags include it.")
    priority: IntRangeInput | None = None
    created_at: DateTimeRange | None = None
    updated_at: DateTimeRange | None = None
    start_datetime: DateTimeRange | None = None
    end_datetime: DateTimeRange | None = None
    and_: list[BatchFilter] | None = strawberry.field(default=None, name="and")
    or_: list[BatchFilter] | None = strawberry.field(default=None, name="or")
    not_: BatchFilter | None = strawberry.field(default=None, name="not")

    def to_spec(self, budget: _Budget | None = None, depth: int = 1) -> BatchFilterSpec:
        budget = budget or _Budget()
        budget.enter(depth)
        return BatchFilterSpec(
            ids=_ids("id", self.id),
            id_prefix=Prefix.of_id(_optional_text("idStartsWith", self.id_starts_with)),
            parent_ids=_ids("parentId", self.parent_id),
            project_ids=_ids("projectId", self.project_id),
            user_ids=_strings("userId", self.user_id),
            statuses=_strings("status", self.status),
            device_types=_strings("deviceType", self.device_type),
            open=self.open,
            complete=self.complete,
            tag=_optional_text("tag", self.tag),
            priority=_range(self.priority),
            created_at=_range(self.created_at),
            updated_at=_range(self.updated_at),
            start_datetime=_range(self.start_datetime),
            end_datetime=_range(self.end_datetime),
            **_composition(self, budget, depth),
        )


@strawberry.input(description="Which projects to return; same conventions as JobFilter.")
class ProjectFilter:
    id: list[strawberry.ID] | None = None
    id_starts_with: str | None = None
    name: str | None = strawberry.field(default=None, description="Exactly this name.")
    name_starts_with: str | None = strawberry.field(
        default=None, description="The name begins with these characters (case-sensitive)."
    )
    created_at: DateTimeRange | None = None
    and_: list[ProjectFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ProjectFilter] | None = strawberry.field(default=None, name="or")
    not_: ProjectFilter | None = strawberry.field(default=None, name="not")

    def to_spec(self, budget: _Budget | None = None, depth: int = 1) -> ProjectFilterSpec:
        budget = budget or _Budget()
        budget.enter(depth)
        return ProjectFilterSpec(
            ids=_ids("id", self.id),
            id_prefix=Prefix.of_id(_optional_text("idStartsWith", self.id_starts_with)),
            name=_optional_text("name", self.name),
            name_prefix=Prefix.of(_optional_text("nameStartsWith", self.name_starts_with)),
            created_at=_range(self.created_at),
            **_composition(self, budget, depth),
        )


@strawberry.input(description="One sort key. Ties are broken by id in the first key's direction.")
class JobOrder:
    field: JobOrderField
    direction: OrderDirection = OrderDirection.DESC


@strawberry.input(description="One sort key. Ties are broken by id in the first key's direction.")
class BatchOrder:
    field: BatchOrderField
    direction: OrderDirection = OrderDirection.DESC


@strawberry.input(description="One sort key. Ties are broken by id in the first key's direction.")
class ProjectOrder:
    field: ProjectOrderField
    direction: OrderDirection = OrderDirection.DESC


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
    spec = filter.to_spec() if filter else empty
    window = PageRequest.from_relay(first=first, after=after, last=last, before=before)
    return Listing(spec, to_order_terms(order_by), window)

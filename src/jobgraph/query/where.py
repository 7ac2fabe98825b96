"""Filter specs become SQL conditions; each field's contract meaning is stated here, once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement as Column

from jobgraph.db import models
from jobgraph.db.types import has_errors, json_array_contains, likely_half, one_of
from jobgraph.query.spec import (
    BatchFilterSpec,
    JobFilterSpec,
    Prefix,
    ProjectFilterSpec,
    Range,
    Scope,
)

Spec = TypeVar("Spec", JobFilterSpec, BatchFilterSpec, ProjectFilterSpec)

JOB = models.job_table.c
BATCH = models.batch_table.c
PROJECT = models.project_table.c
RESULT = models.job_result_table.c
COUNT = models.job_count_table.c

# The job filter fields that job_count rows hold, besides the ways of composing filters.
KEPT_FIELDS = frozenset(
    {"batch_ids", "project_ids", "statuses", "scope", "all_of", "any_of", "none_of"}
)


def _one_of(
    column: Column[Any], values: Sequence[object] | BindParameter[Any] | None
) -> list[ColumnElement[bool]]:
    """`column` is one of the values. An empty list matches nothing. In a statement template
    (shapes.py) a list is one parameter, an array on PostgreSQL; given values, a list is
    SQLAlchemy's own `IN`, whose compiled form its cache may share with other values."""
    if values is None:
        return []
    if isinstance(values, BindParameter):  # a template's list, or its one value (shapes.py)
        return [one_of(column, values) if values.expanding else column == values]
    return [column.in_(values) if values else false()]


def _within(column: Column[Any], bounds: Range[Any] | None) -> list[ColumnElement[bool]]:
    """All given bounds hold; a NULL value satisfies no bound."""
    if bounds is None:
        return []
    parts: list[ColumnElement[bool]] = []
    if bounds.gt is not None:
        parts.append(likely_half(column > bounds.gt))
    if bounds.gte is not None:
        parts.append(likely_half(column >= bounds.gte))
    if bounds.lt is not None:
        parts += _below(column, bounds.lt, inclusive=False)
    if bounds.lte is not None:
        parts += _below(column, bounds.lte, inclusive=True)
    return parts


def _below(column: Column[Any], bound: Any, *, inclusive: bool) -> list[ColumnElement[bool]]:
    """`column` < bound (<= when inclusive); for a job time that follows creation, also the
    created_at bound that this implies (see _created_by)."""
    parts: list[ColumnElement[bool]] = [likely_half(_under(column, bound, inclusive))]
    if column.table is models.job_table and column.name in models.AFTER_CREATION:
        parts.append(_created_by(column.name, bound, inclusive))
    return parts


def _under(column: Column[Any], bound: Any, inclusive: bool) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = column <= bound if inclusive else column < bound
    return condition


EXCEPTIONS = models.job_table.alias("created_after")


def _created_by(time: str, bound: Any, inclusive: bool) -> ColumnElement[bool]:
    """created_at <= the latest a job can have been created if its `time` is under `bound`.

    A job is created before it is updated, started or ended, so its created_at is under the
    bound too, unless it is one of the exceptions (created after that time), which an index
    holds apart: the limit is the bound, or the latest exception under the bound if later.
    The condition therefore keeps every row the `time` bound keeps and changes no answer;
    it lets a newest-first page start at the bound instead of reading, and skipping, every
    job created after it (half the table for a bound in the middle).
    """
    value = bound if isinstance(bound, ColumnElement) else literal(bound, JOB.created_at.type)
    exceptions = select(func.max(EXCEPTIONS.c.created_at)).where(
        models.created_after(EXCEPTIONS, time), _under(EXCEPTIONS.c[time], value, inclusive)
    )
    # max() over the bound and that latest exception (none: NULL, which max() skips), one
    # value computed once per statement on both databases.
    limits = union_all(select(value.label("latest")), exceptions).subquery("limits")
    limit = select(func.max(limits.c.latest)).scalar_subquery()
    # As likely as the bound itself: SQLite would otherwise take it for a selective range and
    # read it, then sort, in place of an index that gives a requested order (runs, end time).
    return likely_half(JOB.created_at <= limit)


def _visible(column: Column[str], scope: Scope | None) -> list[ColumnElement[bool]]:
    """Rows of the scope's projects only (no condition for an administrator's scope)."""
    return [] if scope is None else _one_of(column, scope.project_ids)


def _starts_with(column: Column[str], prefix: Prefix | None) -> list[ColumnElement[bool]]:
    """Code-point prefix match written as a range, so both databases use the index."""
    if prefix is None:
        return []
    if prefix.following is None:
        return [column >= prefix.text]
    return [column >= prefix.text, column < prefix.following]


def _compose(
    spec: Spec, parts: list[ColumnElement[bool]], recurse: Callable[[Spec], ColumnElement[bool]]
) -> ColumnElement[bool]:
    parts += [recurse(child) for child in spec.all_of]
    if spec.any_of is not None:
        parts.append(or_(false(), *(recurse(child) for child in spec.any_of)))
    if spec.none_of is not None:
        # A NULL column makes a condition unknown, and NOT unknown is unknown: settle it as
        # false first so `not` keeps exactly the rows the inner filter does not.
        inner = func.coalesce(recurse(spec.none_of), false(), type_=Boolean)
        parts.append(not_(inner))
    return and_(*parts) if parts else true()


def job_condition(spec: JobFilterSpec) -> ColumnElement[bool]:
    """SQL condition for a job filter; every field keeps its REST meaning."""
    parts = [
        *_one_of(JOB.id, spec.ids),
        *_starts_with(JOB.id, spec.id_prefix),
        *_one_of(JOB.parent_id, spec.parent_ids),
        *_one_of(JOB.batch_id, spec.batch_ids),
        *_one_of(JOB.project_id, spec.project_ids),
        *_one_of(JOB.user_id, spec.user_ids),
        *_one_of(JOB.status, spec.statuses),
        *_one_of(JOB.origin, spec.origins),
        *_within(JOB.runs, spec.runs),
        *_within(JOB.progress, spec.progress),
        *_within(JOB.created_at, spec.created_at),
        *_within(JOB.updated_at, spec.updated_at),
        *_within(JOB.start_timestamp, spec.start_timestamp),
        *_within(JOB.end_timestamp, spec.end_timestamp),
        *_visible(JOB.project_id, spec.scope),
    ]
    if spec.min_runs is not None:
        parts.append(likely_half(JOB.runs >= spec.min_runs))  # inclusive, as in REST
    if spec.max_runs is not None:
        parts.append(likely_half(JOB.runs <= spec.max_runs))  # inclusive, as in REST
    if spec.has_errors is not None:  # a non-empty errors list, or none; as indexed, exactly
        parts.append(has_errors(JOB.errors, spec.has_errors))
    if spec.has_result is not None:  # a stored result (job_result row), or none
        stored = exists().where(RESULT.job_id == JOB.id)
        parts.append(stored if spec.has_result else not_(stored))
    if spec.start_date is not None:  # jobs started at or after it
        parts.append(likely_half(JOB.start_timestamp >= spec.start_date))
    if spec.end_date is not None:  # jobs ended at or before it
        parts += _below(JOB.end_timestamp, spec.end_date, inclusive=True)
    return _compose(spec, parts, job_condition)


def job_count_condition(spec: JobFilterSpec) -> ColumnElement[bool] | None:
    """The same filter over job_count rows (jobs per project, batch and status), or None
    when it names anything else, whose count then reads the jobs themselves."""
    return _count_condition(spec) if _counted(spec) else None


def _counted(spec: JobFilterSpec) -> bool:
    others = (f.name for f in dataclasses.fields(spec) if f.name not in KEPT_FIELDS)
    if any(getattr(spec, name) is not None for name in others):
        return False
    children = (*spec.all_of, *(spec.any_of or ()), *filter(None, (spec.none_of,)))
    return all(_counted(child) for child in children)


def _count_condition(spec: JobFilterSpec) -> ColumnElement[bool]:
    parts = [
        *_one_of(COUNT.batch_id, spec.batch_ids),
        *_one_of(COUNT.project_id, spec.project_ids),
        *_one_of(COUNT.status, spec.statuses),
        *_visible(COUNT.project_id, spec.scope),
    ]
    return _compose(spec, parts, _count_condition)


def batch_condition(spec: BatchFilterSpec) -> ColumnElement[bool]:
    """SQL condition for a batch filter; `tag` keeps batches whose tags list holds it, and
    start_date/end_date bound created_at (inclusive)."""
    parts = [
        *_one_of(BATCH.id, spec.ids),
        *_starts_with(BATCH.id, spec.id_prefix),
        *_one_of(BATCH.parent_id, spec.parent_ids),
        *_one_of(BATCH.project_id, spec.project_ids),
        *_one_of(BATCH.user_id, spec.user_ids),
        *_one_of(BATCH.status, spec.statuses),
        *_one_of(BATCH.device_type, spec.device_types),
        *_one_of(BATCH.queue_priority, spec.queue_priorities),
        *_within(BATCH.priority, spec.priority),
        *_within(BATCH.created_at, spec.created_at),
        *_within(BATCH.updated_at, spec.updated_at),
        *_within(BATCH.start_datetime, spec.start_datetime),
        *_within(BATCH.end_datetime, spec.end_datetime),
        *_visible(BATCH.project_id, spec.scope),
    ]
    if spec.open is not None:
        parts.append(BATCH.open == spec.open)
    if spec.complete is not None:
        parts.append(BATCH.complete == spec.complete)
    if spec.tag is not None:
        parts.append(json_array_contains(BATCH.tags, spec.tag))
    if spec.start_date is not None:  # created at or after it, as the SDK documents
        parts.append(BATCH.created_at >= spec.start_date)
    if spec.end_date is not None:  # created at or before it
        parts.append(BATCH.created_at <= spec.end_date)
    return _compose(spec, parts, batch_condition)


def project_condition(spec: ProjectFilterSpec) -> ColumnElement[bool]:
    """SQL condition for a project filter; `name` is exact, `name_prefix` a prefix."""
    parts = [
        *_one_of(PROJECT.id, spec.ids),
        *_starts_with(PROJECT.id, spec.id_prefix),
        *_starts_with(PROJECT.name, spec.name_prefix),
        *_one_of(PROJECT.project_status, spec.statuses),
        *_within(PROJECT.created_at, spec.created_at),
        *_visible(PROJECT.id, spec.scope),
    ]
    if spec.name is not None:
        parts.append(PROJECT.name == spec.name)
    return _compose(spec, parts, project_condition)

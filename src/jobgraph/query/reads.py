"""The read API the GraphQL and REST adapters call; each read is its own short unit of work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal

from sqlalchemy import select

from jobgraph.db import models
from jobgraph.db.chunks import distinct_chunks
from jobgraph.db.engine import Database
from jobgraph.db.raw import RawReader, RawRow
from jobgraph.domain import OrderDirection
from jobgraph.query import paging, selects
from jobgraph.query.paging import MAX_LIMIT, Entity, KeptCounts, Page, Row
from jobgraph.query.spec import (
    BatchFilterSpec,
    FilterSpec,
    JobFilterSpec,
    Listing,
    OffsetRequest,
    OrderTerm,
    ProjectFilterSpec,
    Scope,
)
from jobgraph.query.where import (
    batch_condition,
    job_condition,
    job_count_condition,
    project_condition,
)

NEWEST_FIRST = OrderTerm("created_at", OrderDirection.DESC)

JOBS = Entity(
    models.Job,
    models.job_table,
    job_condition,
    NEWEST_FIRST,
    JobFilterSpec(),
    kept_total=models.job_total_table,
    kept_counts=KeptCounts(models.job_count_table, job_count_condition),
)
BATCHES = Entity(models.Batch, models.batch_table, batch_condition, NEWEST_FIRST, BatchFilterSpec())
PROJECTS = Entity(
    models.Project, models.project_table, project_condition, NEWEST_FIRST, ProjectFilterSpec()
)


ParentColumn = Literal["batch_id", "project_id"]


def _jobs_within_batch(spec: FilterSpec, batch_id: str) -> FilterSpec:
    assert isinstance(spec, JobFilterSpec)
    return spec.restricted_to(batch_ids=(batch_id,))


def _jobs_within_project(spec: FilterSpec, project_id: str) -> FilterSpec:
    assert isinstance(spec, JobFilterSpec)
    return spec.restricted_to(project_ids=(project_id,))


def _batches_within_project(spec: FilterSpec, project_id: str) -> FilterSpec:
    assert isinstance(spec, BatchFilterSpec)
    return spec.restricted_to(project_ids=(project_id,))


@dataclass(frozen=True)
class Relation(Generic[Row]):
    """A list under a parent row (a batch's jobs, a project's batches or jobs): the listed
    entity, the column naming the parent, and how a filter is kept within one parent."""

    name: str
    entity: Entity[Row]
    parent: ParentColumn
    within: Callable[[FilterSpec, str], FilterSpec]

    @property
    def column(self) -> Any:
        """The entity's column that holds the parent's id."""
        return self.entity.table.c[self.parent]


BATCH_JOBS = Relation("Batch.jobs", JOBS, "batch_id", _jobs_within_batch)
PROJECT_JOBS = Relation("Project.jobs", JOBS, "project_id", _jobs_within_project)
PROJECT_BATCHES = Relation("Project.batches", BATCHES, "project_id", _batches_within_project)
RELATIONS: tuple[Relation[Any], ...] = (BATCH_JOBS, PROJECT_JOBS, PROJECT_BATCHES)


def column_values(entity: Entity[Row]) -> Callable[[Any], dict[str, Any]]:
    """A row's values by column name, every column of the entity's table: what the adapters
    build their objects from (same names as the table's columns)."""
    names = tuple(entity.table.c.keys())
    return lambda row: {name: getattr(row, name) for name in names}


# Batching chunk for `id IN (...)` lookups, well under both databases' parameter limits.
IDS_PER_STATEMENT = 1000


@dataclass(frozen=True)
class OffsetPage(Generic[Row]):
    """A REST page: the rows, and how many rows match in all."""

    rows: list[Row]
    total: int


def check_cursors(entity: Entity[Row], listing: Listing) -> None:
    """Raise InvalidQueryError now if a cursor of the listing does not fit its order."""
    ordering = entity.ordering(listing.order)
    for argument in ("after", "before"):
        cursor = getattr(listing.window, argument)
        if cursor is not None:
            ordering.decode_cursor(cursor, argument)


async def list_keyset_page(db: Database, entity: Entity[Row], listing: Listing) -> Page[Row]:
    """GraphQL's read: a keyset window of `entity` rows matching the listing's filter, in its
    order."""
    async with db.read() as conn:
        return await paging.keyset_page(conn, entity, listing)


async def boundary_exists(
    db: Database, entity: Entity[Row], listing: Listing, *, previous: bool
) -> bool:
    """Whether matching rows exist before the listing's `after` (or after its `before`)."""
    async with db.read() as conn:
        return await paging.boundary_exists(conn, entity, listing, previous=previous)


async def count_rows(db: Database, entity: Entity[Row], spec: FilterSpec) -> int:
    """How many `entity` rows match the filter."""
    async with db.read() as conn:
        return await paging.count(conn, entity, spec)


async def pages_by_parent(
    db: Database, relation: Relation[Row], parent_ids: Sequence[str], listing: Listing
) -> dict[str, Page[Row]]:
    """The listing's window within each parent (a batch's jobs, a project's batches...)."""
    async with db.read() as conn:
        return await paging.keyset_pages_by_parent(
            conn, relation.entity, relation.column, parent_ids, listing
        )


async def counts_by_parent(
    db: Database, relation: Relation[Row], parent_ids: Sequence[str], spec: FilterSpec
) -> dict[str, int]:
    """How many matching rows each parent holds."""
    async with db.read() as conn:
        return await paging.counts_by_parent(
            conn, relation.entity, relation.parent, parent_ids, spec
        )


async def rows_by_ids(
    db: Database, entity: Entity[Row], ids: Sequence[str], scope: Scope
) -> list[Row]:
    """The rows with these ids, in no particular order; unknown ids, and rows outside the
    scope, are left out."""
    found: list[Row] = []
    async with db.read() as conn:
        for chunk in distinct_chunks(ids, IDS_PER_STATEMENT):
            conditions = entity.conditions(entity.with_ids(chunk, scope))
            found += await entity.fetch(conn, select(entity.table).where(*conditions))
    return found


async def list_offset_page(
    db: Database,
    entity: Entity[Row],
    spec: FilterSpec,
    order: Sequence[OrderTerm],
    request: OffsetRequest,
) -> OffsetPage[Row]:
    """Rows `offset` to `offset + limit` in the complete order, and the total that match.

    Both reads share one transaction. A page that ends the list already tells the total,
    so the count runs only when the page is full or lies past the end.
    """
    async with db.read() as conn, conn.begin():
        rows = await paging.offset_page(conn, entity, spec, order, request)
        ends_list = len(rows) < request.limit and (rows or request.offset == 0)
        total = request.offset + len(rows) if ends_list else await paging.count(conn, entity, spec)
    return OffsetPage(rows, total)


async def list_all(
    db: Database, entity: Entity[Row], spec: FilterSpec, order: Sequence[OrderTerm]
) -> list[Row]:
    """Every matching row in order: for short lists only (a user's projects)."""
    async with db.read() as conn:
        return await paging.offset_page(conn, entity, spec, order, OffsetRequest(MAX_LIMIT, 0))


async def list_job_rows(
    reader: RawReader,
    spec: JobFilterSpec,
    order: Sequence[OrderTerm],
    request: OffsetRequest,
    columns: tuple[str, ...],
) -> tuple[list[RawRow], int]:
    """An offset page of jobs (as list_offset_page reads it) over chosen columns, as the
    driver returns them (a row may carry one more value after them: never copied to drop
    it), with the total: the REST list's fast read. The same statements and
    the same rule for when to count as list_offset_page, in one snapshot; where kept counts
    answer the count, it comes with the page, in one statement."""
    ordering = JOBS.ordering(order)

    def needs_count(rows: list[RawRow]) -> bool:
        return not (len(rows) < request.limit and (rows or request.offset == 0))

    if paging.counts_cheaply(JOBS, spec, reader.dialect):
        page = selects.offset_page(JOBS, ordering, spec, request, columns, with_total=True)
        rows = await reader.fetch(page)
        if rows:
            return rows, int(rows[0][-1])
        if request.offset == 0:
            return [], 0
        return [], int((await reader.fetch(selects.count(JOBS, spec)))[0][0])
    page = selects.offset_page(JOBS, ordering, spec, request, columns)
    rows, counted = await reader.fetch_with_count(page, selects.count(JOBS, spec), needs_count)
    return rows, request.offset + len(rows) if counted is None else counted


async def find_one(db: Database, entity: Entity[Row], spec: FilterSpec) -> Row | None:
    """The first row matching the filter spec (an id lookup goes through the spec too, so
    whatever narrows a list, the caller's scope included, narrows it alike)."""
    async with db.read() as conn:
        found = await paging.offset_page(conn, entity, spec, (), OffsetRequest(1, 0))
    return found[0] if found else None


async def get_job(db: Database, job_id: str, scope: Scope) -> models.Job | None:
    """The job, or None when there is none with this id within the scope."""
    return await find_one(db, JOBS, JobFilterSpec(ids=(job_id,), scope=scope))


async def get_batch(db: Database, batch_id: str, scope: Scope) -> models.Batch | None:
    """The batch, or None when there is none with this id within the scope."""
    return await find_one(db, BATCHES, BatchFilterSpec(ids=(batch_id,), scope=scope))


async def jobs_by_ids(db: Database, ids: Sequence[str], scope: Scope) -> list[models.Job]:
    return await rows_by_ids(db, JOBS, ids, scope)


async def batches_by_ids(db: Database, ids: Sequence[str], scope: Scope) -> list[models.Batch]:
    return await rows_by_ids(db, BATCHES, ids, scope)


async def projects_by_ids(db: Database, ids: Sequence[str], scope: Scope) -> list[models.Project]:
    return await rows_by_ids(db, PROJECTS, ids, scope)


async def job_counts_by_status(
    db: Database, batch_ids: Sequence[str], scope: Scope
) -> dict[str, dict[str, int]]:
    """For each batch, how many of its jobs within the scope are in each status (statuses
    with none left out)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    async with db.read() as conn:
        for chunk in distinct_chunks(batch_ids, IDS_PER_STATEMENT):
            statement = selects.job_status_counts_statement(chunk, scope)
            for batch_id, status, total in (await conn.execute(statement)).all():
                counts[batch_id][status] = int(total)
    return {batch_id: counts.get(batch_id, {}) for batch_id in batch_ids}


async def job_results(db: Database, job_ids: Sequence[str], scope: Scope) -> dict[str, Any]:
    """The stored result payload of each of these jobs that has one, within the scope."""
    found: dict[str, Any] = {}
    async with db.read() as conn:
        for chunk in distinct_chunks(job_ids, IDS_PER_STATEMENT):
            statement = selects.results_statement(chunk, scope)
            found.update((job_id, result) for job_id, result in await conn.execute(statement))
    return found


async def job_has_result(db: Database, job_id: str) -> bool:
    """Whether the job has a stored result; the payload itself is not read."""
    table = models.job_result_table.c
    async with db.read() as conn:
        found = await conn.execute(select(table.job_id).where(table.job_id == job_id))
        return found.first() is not None


async def job_result(db: Database, job_id: str) -> tuple[bool, Any]:
    """(True, payload) when the job has a stored result, else (False, None). By id alone:
    the result store's read, after the caller's right to the job was checked."""
    found = await job_results(db, [job_id], Scope.everything())
    return (job_id in found, found.get(job_id))

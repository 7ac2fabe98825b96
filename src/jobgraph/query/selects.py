"""Reads of chosen columns, built once per shape: the compiled GraphQL path runs these.

Each function returns a `Read`: the shape of the request, its values, and how to build the
statement from a template (see shapes.py). The statements are the ones paging.py builds for
the reference path, over the columns a client selected instead of every column.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    String,
    bindparam,
    false,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.expression import Executable

from jobgraph.db import models
from jobgraph.query import documents, shapes
from jobgraph.query.order import Ordering
from jobgraph.query.paging import (
    MAX_LIMIT,
    Entity,
    KeptCounts,
    count_statement,
    counts_by_parent_statement,
    ordered,
    window_statement,
)
from jobgraph.query.spec import (
    FilterSpec,
    JobFilterSpec,
    Listing,
    OffsetRequest,
    Scope,
)
from jobgraph.query.where import job_condition, job_count_condition

MEMBER = "_member"
TOTAL = "_total"
JOBS_KEPT = KeptCounts(models.job_count_table, job_count_condition)


@dataclass(frozen=True)
class Read:
    """A statement to run: `build(dialect)` makes it from a template, once per shape."""

    shape: Hashable
    values: list[Any]
    build: Callable[[str], Executable]


def _read(kind: str, fixed: Hashable, variable: Any, build: Callable[[Any, str], Any]) -> Read:
    """A Read whose `variable` part is split into shape and values; `fixed` is structure."""
    shape, values = shapes.split(variable)
    return Read(
        (kind, fixed, shape), values, lambda dialect: build(shapes.template(variable), dialect)
    )


def _columns(entity: Entity[Any], names: Sequence[str]) -> list[Column[Any]]:
    return [entity.table.c[name] for name in names]


Keys = tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]


@dataclass(frozen=True)
class Nested:
    """A nested list that PostgreSQL writes as JSON text (documents.py): a read of its parents
    carries it as one more column, after theirs, one document per parent row."""

    entity: Entity[Any]
    ordering: Ordering
    parent: str  # the nested rows' column naming their parent
    listing: Listing
    keys: Keys
    document: documents.Document

    @property
    def fixed(self) -> Hashable:
        shape = _window_shape(self.listing)
        return (self.entity.table.name, self.ordering.signature, shape, self.parent, self.document)

    @property
    def variable(self) -> Any:
        return (self.listing.spec, self.keys)

    def column(self, variable: Any, parent_id: Any) -> ColumnElement[str]:
        """The documents of the parents whose id is `parent_id`, from the variable's template."""
        spec, keys = variable
        listing = _with_spec(self.listing, spec)
        parent = self.entity.table.c[self.parent]
        return documents.page_document(
            self.entity, self.ordering, listing, keys, parent, parent_id, self.document
        )


def _documents(nested: Sequence[Nested], variables: Any, parent_id: Any) -> list[Any]:
    return [
        part.column(variable, parent_id).label(f"_document{index}")
        for index, (part, variable) in enumerate(zip(nested, variables, strict=True))
    ]


def page(
    entity: Entity[Any],
    ordering: Ordering,
    listing: Listing,
    keys: Keys,
    columns: tuple[str, ...],
    nested: Sequence[Nested] = (),
) -> Read:
    """The listing's window (and one row more), of `columns` then the `nested` documents, in
    the ordering."""

    def build(variable: Any, _dialect: str) -> Select[Any]:
        spec, (after, before), nested_variables = variable
        rows = window_statement(
            entity,
            ordering,
            _with_spec(listing, spec),
            after,
            before,
            columns=_columns(entity, columns),
        )
        if not nested:
            return rows
        # Documents are written for the window's rows only, once it is cut.
        window = rows.subquery("parents")
        in_order = ordering.clauses(reverse=listing.window.backward, source=window.c)
        return select(*window.c, *_documents(nested, nested_variables, window.c.id)).order_by(
            *in_order
        )

    fixed = (
        entity.table.name,
        ordering.signature,
        _window_shape(listing),
        columns,
        tuple(part.fixed for part in nested),
    )
    variable = (listing.spec, keys, tuple(part.variable for part in nested))
    return _read("page", fixed, variable, build)


def pages_by_parent(
    entity: Entity[Any],
    ordering: Ordering,
    parent: str,
    parent_ids: Sequence[str],
    listing: Listing,
    keys: Keys,
    columns: tuple[str, ...],
    dialect: str,
    nested: Sequence[Nested] = (),
) -> Read:
    """The same window within each parent; rows carry their member index (the parent's place
    in `parent_ids`) first, then `columns` (which must include the parent column and the
    ordering's columns).

    On PostgreSQL, a LATERAL loop over one array of the parent ids; on SQLite, which has no
    LATERAL, one UNION ALL member per parent. Either way each parent's window is an
    index-ordered read, and rows come sorted by member, then in each window's own order, so
    callers never re-sort.
    """
    parent_column = entity.table.c[parent]
    lateral = dialect == "postgresql" and len(parent_ids) > 1

    def window(
        scoped: Listing, after: Any, before: Any, parent_id: Any, outer: Any = None
    ) -> Select[Any]:
        return window_statement(
            entity,
            ordering,
            scoped,
            after,
            before,
            extra=parent_column == parent_id,
            columns=_columns(entity, columns),
            outer=outer,
        )

    def build(variable: Any, _dialect: str) -> Executable:
        spec, ids, (after, before), nested_variables = variable
        scoped = _with_spec(listing, spec)
        backward = listing.window.backward
        if lateral:
            array = bindparam(ids.key, type_=ARRAY(String()))  # the ids as one array value
            parents = (
                func.unnest(array)
                .table_valued("parent_id", with_ordinality="place")
                .render_derived(name="parents")
            )
            # Correlated by hand: an order by a nullable column reads the window as a UNION
            # of two parts, which LATERAL alone does not correlate.
            pages = window(scoped, after, before, parents.c.parent_id, parents).lateral("pages")
            in_order = ordering.clauses(reverse=backward, source=pages.c)
            written = _documents(nested, nested_variables, pages.c.id)
            return (
                select((parents.c.place - 1).label(MEMBER), *pages.c, *written)
                .select_from(parents.join(pages, true()))
                .order_by(parents.c.place, *in_order)
            )
        members = [
            select(
                literal(index).label(MEMBER), window(scoped, after, before, parent_id).subquery()
            )
            for index, parent_id in enumerate(ids)
        ]
        rows = (members[0] if len(members) == 1 else union_all(*members)).subquery()
        in_order = ordering.clauses(reverse=backward, source=rows.c)
        written = _documents(nested, nested_variables, rows.c.id)
        return select(*rows.c, *written).order_by(rows.c[MEMBER], *in_order)

    ids = shapes.ArrayValue(parent_ids) if lateral else tuple(parent_ids)
    fixed = (
        entity.table.name,
        ordering.signature,
        _window_shape(listing),
        parent,
        columns,
        lateral,
        tuple(part.fixed for part in nested),
    )
    variable = (listing.spec, ids, keys, tuple(part.variable for part in nested))
    return _read("pages", fixed, variable, build)


@dataclass(frozen=True)
class _Slice:
    """An offset window's values: reach is limit + offset, capped at a 64-bit LIMIT."""

    limit: int
    offset: int
    reach: int


def offset_page(
    entity: Entity[Any],
    ordering: Ordering,
    spec: FilterSpec,
    request: OffsetRequest,
    columns: tuple[str, ...],
    *,
    with_total: bool = False,
) -> Read:
    """`request.limit` rows from `request.offset` in the ordering (REST pagination); with
    `with_total`, each row also carries the count of every matching row, last, computed once
    in the same statement (for counts that kept counts make cheap)."""
    reach = min(request.limit + request.offset, MAX_LIMIT)

    def build(variable: Any, dialect: str) -> Select[Any]:
        template, window = variable
        total = count_statement(entity, template, dialect).scalar_subquery().label(TOTAL)
        selected = [*_columns(entity, columns), *([total] if with_total else [])]
        base = select(*selected).where(*entity.conditions(template))
        return ordered(
            base,
            ordering,
            reverse=False,
            limit=window.limit,
            offset=window.offset,
            reach=window.reach,
        )

    fixed = (entity.table.name, ordering.signature, columns, with_total)
    return _read("offset", fixed, (spec, _Slice(request.limit, request.offset, reach)), build)


def count(entity: Entity[Any], spec: FilterSpec) -> Read:
    """How many rows match (paging.count_statement)."""

    def build(template: Any, dialect: str) -> Select[Any]:
        return count_statement(entity, template, dialect)

    return _read("count", entity.table.name, spec, build)


def counts_by_parent(
    entity: Entity[Any], parent: str, parent_ids: Sequence[str], spec: FilterSpec
) -> Read:
    """(parent id, count) for each parent with matching rows."""

    def build(variable: Any, dialect: str) -> Select[Any]:
        template, ids = variable
        return counts_by_parent_statement(entity, parent, ids, template, dialect)

    return _read("counts", (entity.table.name, parent), (spec, tuple(parent_ids)), build)


def rows_by_ids(
    entity: Entity[Any],
    ids: Sequence[str],
    columns: tuple[str, ...],
    scope: Scope,
    nested: Sequence[Nested] = (),
) -> Read:
    """The rows with these ids (unknown ids and rows outside the scope left out), of
    `columns` then the `nested` documents."""

    def build(variable: Any, _dialect: str) -> Select[Any]:
        template, within, nested_variables = variable
        conditions = entity.conditions(entity.with_ids(template, within))
        written = _documents(nested, nested_variables, entity.table.c.id)
        return select(*_columns(entity, columns), *written).where(*conditions)

    fixed = (entity.table.name, columns, tuple(part.fixed for part in nested))
    variable = (tuple(ids), scope, tuple(part.variable for part in nested))
    return _read("ids", fixed, variable, build)


def boundary(
    entity: Entity[Any],
    ordering: Ordering,
    spec: FilterSpec,
    key: tuple[Any, ...],
    *,
    previous: bool,
) -> Read:
    """Whether a matching row lies at or before `key` (previous) or at or after it."""

    def build(variable: Any, _dialect: str) -> Select[Any]:
        template, position = variable
        beyond = ordering.at_or_before(position) if previous else ordering.at_or_after(position)
        return select(entity.table.c.id).where(*entity.conditions(template), beyond).limit(1)

    return _read("boundary", (entity.table.name, ordering.signature, previous), (spec, key), build)


def _visible_jobs(scope: Scope) -> list[ColumnElement[bool]]:
    """Jobs within the scope (no condition for an administrator's)."""
    return [] if scope.project_ids is None else [job_condition(JobFilterSpec(scope=scope))]


def job_status_counts_statement(batch_ids: Any, scope: Any) -> Select[Any]:
    """(batch id, status, count) for each status that the batches' jobs within the scope are
    in, from the kept counts."""
    kept = models.job_count_table.c
    total = JOBS_KEPT.total()
    visible = job_count_condition(JobFilterSpec(scope=scope))
    assert visible is not None  # a scope alone is always counted
    return (
        select(kept.batch_id, kept.status, total)
        .where(_among(kept.batch_id, batch_ids), visible)
        .group_by(kept.batch_id, kept.status)
        .having(total > 0)
    )


def job_status_counts(batch_ids: Sequence[str], scope: Scope) -> Read:
    """(batch id, status, count) for each status that the batches' jobs within the scope
    are in."""

    def build(variable: Any, _dialect: str) -> Select[Any]:
        template, within = variable
        return job_status_counts_statement(template, within)

    return _read("status_counts", None, (tuple(batch_ids), scope), build)


def _among(column: Column[str], ids: Any) -> ColumnElement[bool]:
    return column.in_(ids) if ids else false()


def results_statement(job_ids: Any, scope: Scope) -> Select[Any]:
    """(job id, result) of these jobs that have a stored result, within the scope."""
    table = models.job_result_table
    visible = _visible_jobs(scope)
    statement = select(table.c.job_id, table.c.result)
    if visible:
        statement = statement.join(models.job_table, models.job_table.c.id == table.c.job_id)
    return statement.where(table.c.job_id.in_(job_ids), *visible)


def job_results(job_ids: Sequence[str], scope: Scope) -> Read:
    """(job id, result) for each of these jobs within the scope that has a stored result."""

    def build(variable: Any, _dialect: str) -> Select[Any]:
        return results_statement(*variable)

    return _read("results", None, (tuple(job_ids), scope), build)


def _with_spec(listing: Listing, spec: Any) -> Listing:
    return Listing(spec, listing.order, listing.window)


def _window_shape(listing: Listing) -> Hashable:
    window = listing.window
    return (window.size, window.backward)

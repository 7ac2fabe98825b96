"""Keyset pages (GraphQL), offset pages (REST) and counts, over any entity table."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, ColumnElement, Select, Table, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from jobgraph.domain import OrderDirection
from jobgraph.query.order import Ordering
from jobgraph.query.spec import FilterSpec, Listing, OffsetRequest, OrderTerm

Row = TypeVar("Row", bound=SQLModel)

# One UNION ALL statement pages at most this many parents (SQLite allows 500 members).
MAX_PARENTS_PER_STATEMENT = 400


@dataclass(frozen=True)
class Entity(Generic[Row]):
    """What the core needs to list one kind of row."""

    model: type[Row]
    table: Table
    condition: Callable[[Any], ColumnElement[bool]]
    default_order: OrderTerm

    def ordering(self, terms: Sequence[OrderTerm]) -> Ordering:
        return Ordering.of(self.table, terms, self.default_order)

    def to_model(self, row: Mapping[Any, Any]) -> Row:
        return self.model.model_construct(**dict(row))  # type: ignore[return-value]


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One window of rows in order, with a cursor for each.

    A boundary flag is None when it was not needed to fetch the page (the rows before an
    `after` cursor, the rows after a `before` cursor); `boundary_exists` answers it.
    """

    rows: list[Row]
    cursors: list[str]
    has_next_page: bool | None
    has_previous_page: bool | None

    @property
    def start_cursor(self) -> str | None:
        return self.cursors[0] if self.cursors else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def _window_select(
    entity: Entity[Row], listing: Listing, extra: ColumnElement[bool] | None = None
) -> tuple[Select[Any], Ordering]:
    ordering = entity.ordering(listing.order)
    window = listing.window
    statement = select(entity.table).where(entity.condition(listing.spec))
    if extra is not None:
        statement = statement.where(extra)
    if window.after is not None:
        statement = statement.where(ordering.after(ordering.decode_cursor(window.after, "after")))
    if window.before is not None:
        key = ordering.decode_cursor(window.before, "before")
        statement = statement.where(ordering.before(key))
    statement = statement.order_by(*ordering.clauses(reverse=window.backward))
    return statement.limit(window.size + 1), ordering


def _to_page(
    entity: Entity[Row], listing: Listing, ordering: Ordering, rows: Sequence[Mapping[Any, Any]]
) -> Page[Row]:
    window = listing.window
    more = len(rows) > window.size
    kept = list(rows[: window.size])
    if window.backward:
        kept.reverse()
    models = [entity.to_model(row) for row in kept]
    cursors = [ordering.encode_cursor(row) for row in kept]
    if window.backward:
        has_next = False if window.before is None else None
        return Page(models, cursors, has_next_page=has_next, has_previous_page=more)
    has_previous = False if window.after is None else None
    return Page(models, cursors, has_next_page=more, has_previous_page=has_previous)


async def keyset_page(conn: AsyncConnection, entity: Entity[Row], listing: Listing) -> Page[Row]:
    """The window of rows the listing asks for; costs the same on any page."""
    statement, ordering = _window_select(entity, listing)
    rows = (await conn.execute(statement)).mappings().all()
    return _to_page(entity, listing, ordering, rows)


async def keyset_pages_by_parent(
    conn: AsyncConnection,
    entity: Entity[Row],
    parent: Column[str],
    parent_ids: Sequence[str],
    listing: Listing,
) -> dict[str, Page[Row]]:
    """The same window within each parent, in one statement per MAX_PARENTS_PER_STATEMENT."""
    found: dict[str, list[Mapping[Any, Any]]] = defaultdict(list)
    ordering = entity.ordering(listing.order)
    unique = list(dict.fromkeys(parent_ids))
    for start in range(0, len(unique), MAX_PARENTS_PER_STATEMENT):
        members = [
            select(_window_select(entity, listing, parent == parent_id)[0].subquery())
            for parent_id in unique[start : start + MAX_PARENTS_PER_STATEMENT]
        ]
        statement = members[0] if len(members) == 1 else union_all(*members)
        for row in (await conn.execute(statement)).mappings():
            found[row[parent.name]].append(row)
    compare = functools.cmp_to_key(_comparator(ordering, reverse=listing.window.backward))
    return {
        parent_id: _to_page(entity, listing, ordering, sorted(found[parent_id], key=compare))
        for parent_id in unique
    }


async def boundary_exists(
    conn: AsyncConnection, entity: Entity[Row], listing: Listing, *, previous: bool
) -> bool:
    """Whether rows lie before the `after` cursor (previous) or after the `before` cursor."""
    ordering = entity.ordering(listing.order)
    window = listing.window
    cursor = window.after if previous else window.before
    if cursor is None:
        return False
    key = ordering.decode_cursor(cursor, "after" if previous else "before")
    beyond = ordering.at_or_before(key) if previous else ordering.at_or_after(key)
    statement = select(entity.table.c.id).where(entity.condition(listing.spec), beyond).limit(1)
    return (await conn.execute(statement)).first() is not None


async def offset_page(
    conn: AsyncConnection,
    entity: Entity[Row],
    spec: FilterSpec,
    order: Sequence[OrderTerm],
    request: OffsetRequest,
) -> list[Row]:
    """`limit` rows from `offset` in the complete order (REST pagination)."""
    ordering = entity.ordering(order)
    statement = (
        select(entity.table)
        .where(entity.condition(spec))
        .order_by(*ordering.clauses())
        .limit(request.limit)
        .offset(request.offset)
    )
    rows = (await conn.execute(statement)).mappings().all()
    return [entity.to_model(row) for row in rows]


async def count(conn: AsyncConnection, entity: Entity[Row], spec: FilterSpec) -> int:
    statement = select(func.count()).select_from(entity.table).where(entity.condition(spec))
    return int((await conn.execute(statement)).scalar_one())


async def counts_by_parent(
    conn: AsyncConnection,
    entity: Entity[Row],
    parent: Column[str],
    parent_ids: Sequence[str],
    spec: FilterSpec,
) -> dict[str, int]:
    """How many rows match within each parent (0 where none)."""
    statement = (
        select(parent, func.count())
        .where(entity.condition(spec), parent.in_(list(set(parent_ids))))
        .group_by(parent)
    )
    found = {key: int(total) for key, total in (await conn.execute(statement)).all()}
    return {parent_id: found.get(parent_id, 0) for parent_id in parent_ids}


def _comparator(
    ordering: Ordering, *, reverse: bool
) -> Callable[[Mapping[Any, Any], Mapping[Any, Any]], int]:
    """Python twin of Ordering.clauses, to restore order across UNION ALL members."""

    def compare(left: Mapping[Any, Any], right: Mapping[Any, Any]) -> int:
        for term in ordering.terms:
            a, b = left[term.field], right[term.field]
            if a == b:
                continue
            if a is None or b is None:
                result = 1 if a is None else -1  # NULLs last
            else:
                result = -1 if a < b else 1
                if term.direction == OrderDirection.DESC:
                    result = -result
            return -result if reverse else result
        return 0

    return compare

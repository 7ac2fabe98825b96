"""Keyset pages (GraphQL), offset pages (REST) and counts, over any entity table."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Select,
    Table,
    false,
    func,
    literal,
    literal_column,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy import cast as cast_
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import True_
from sqlalchemy.sql.expression import Executable
from sqlmodel import SQLModel

from jobgraph.domain import OrderDirection
from jobgraph.query import shapes
from jobgraph.query.order import Ordering
from jobgraph.query.spec import (
    FilterSpec,
    Listing,
    OffsetRequest,
    OrderTerm,
    PageRequest,
    Scope,
)

Row = TypeVar("Row", bound=SQLModel)
Item = TypeVar("Item")

MAX_LIMIT = 2**63 - 1  # LIMIT and OFFSET are 64-bit on both databases

# One UNION ALL statement pages at most this many parents (SQLite allows 500 members).
MAX_PARENTS_PER_STATEMENT = 400


class UnscopedReadError(RuntimeError):
    """A read built from a filter that carries no caller's scope: an adapter forgot it."""


@dataclass(frozen=True)
class KeptCounts:
    """A table of row counts per a few columns, kept by triggers: its `total`
    column, and a filter's condition over its rows, None when the filter names other columns."""

    table: Table
    condition: Callable[[Any], ColumnElement[bool] | None]

    def total(self) -> ColumnElement[int]:
        return cast_(func.coalesce(func.sum(self.table.c.total), 0), BigInteger)


@dataclass(frozen=True)
class Entity(Generic[Row]):
    """What the core needs to list one kind of row."""

    model: type[Row]
    table: Table
    condition: Callable[[Any], ColumnElement[bool]]
    default_order: OrderTerm
    blank: FilterSpec  # the filter that keeps every row
    kept_total: Table | None = None  # a one-row table holding the row count (PostgreSQL)
    kept_counts: KeptCounts | None = None  # row counts per a few columns

    def ordering(self, terms: Sequence[OrderTerm]) -> Ordering:
        return Ordering.of(self.table, terms, self.default_order)

    def with_ids(self, ids: Sequence[Any], scope: Scope) -> FilterSpec:
        """The filter keeping the rows with these ids that the scope lets the caller see."""
        return replace(self.blank, ids=tuple(ids), scope=scope)

    def conditions(self, spec: FilterSpec) -> list[ColumnElement[bool]]:
        """The filter as WHERE terms; none for "everything", so SQLite keeps its fast count
        (and an unfiltered count of every job on PostgreSQL reads the kept total): only an
        administrator's scope gives none. A filter without a scope is refused."""
        if spec.scope is None:
            raise UnscopedReadError(f"a read of {self.table.name} rows without a caller's scope")
        condition = self.condition(spec)
        return [] if isinstance(condition, True_) else [condition]

    async def fetch(self, conn: AsyncConnection, statement: Executable) -> list[Row]:
        """Run a statement over this entity's columns; rows come back as unvalidated models."""
        result = await conn.execute(statement)
        names = list(result.keys())
        construct = cast(Callable[..., Row], self.model.model_construct)
        return [construct(**dict(zip(names, values, strict=True))) for values in result]


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One window of rows in order, with a cursor for each.

    A boundary flag is None when it was not needed to fetch the page (the rows before an
    `after` cursor, the rows after a `before` cursor); `boundary_exists` answers it.
    """

    rows: list[Item]
    ordering: Ordering
    has_next_page: bool | None
    has_previous_page: bool | None
    known_total: int | None = None  # the whole list's size, when this page is all of it

    def cursor(self, index: int) -> str:
        """The opaque cursor of rows[index], encoded only when a client asks for it."""
        return self.ordering.encode_cursor(self.rows[index])

    @property
    def start_cursor(self) -> str | None:
        return self.cursor(0) if self.rows else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursor(-1) if self.rows else None


def _window_select(
    entity: Entity[Row], listing: Listing, extra: ColumnElement[bool] | None = None
) -> tuple[Select[Any], Ordering]:
    ordering = entity.ordering(listing.order)
    after, before = window_keys(ordering, listing.window)
    statement = window_statement(entity, ordering, listing, after, before, extra=extra)
    return statement, ordering


def window_keys(
    ordering: Ordering, window: PageRequest
) -> tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]:
    """The sort keys the window's `after` and `before` cursors point at (None when absent)."""
    after = None if window.after is None else ordering.decode_cursor(window.after, "after")
    before = None if window.before is None else ordering.decode_cursor(window.before, "before")
    return after, before


def window_statement(
    entity: Entity[Any],
    ordering: Ordering,
    listing: Listing,
    after: Sequence[Any] | None,
    before: Sequence[Any] | None,
    *,
    extra: ColumnElement[bool] | None = None,
    columns: Sequence[Column[Any]] | None = None,
    probe: bool = True,
    outer: Any = None,
) -> Select[Any]:
    """The window's rows and, with `probe`, one more (which tells whether more follow), of
    `columns`. `outer` names the enclosing read's FROM that `extra` refers to, if any."""
    base = select(*(columns or entity.table.c)).where(*entity.conditions(listing.spec))
    if extra is not None:
        base = base.where(extra)
    if outer is not None:
        base = base.correlate(outer)
    window = listing.window
    limit = window.size + 1 if probe else window.size
    return ordered(
        base,
        ordering,
        reverse=window.backward,
        limit=limit,
        after=after,
        before=before,
        fixed_size=True,
    )


def ordered(
    base: Select[Any],
    ordering: Ordering,
    *,
    reverse: bool,
    limit: int,
    offset: int = 0,
    after: Sequence[Any] | None = None,
    before: Sequence[Any] | None = None,
    reach: Any = None,
    fixed_size: bool = False,
) -> Select[Any]:
    """`base` in the ordering (reversed if asked), past the keyset bounds, one window of it.

    `reach` is limit + offset, capped where a database's 64-bit LIMIT ends; templates pass
    it as a parameter of its own. `fixed_size`: the limit is part of the statement's shape (a
    keyset page's), so it is written into the SQL (see _cut).

    An order by one nullable column is read as two index-friendly parts, the rows with a
    value and then the rows without, so an index on (column, id) serves both directions.
    """
    if reach is None:
        reach = min(limit + offset, MAX_LIMIT)
    lead = ordering.nullable_lead()
    if lead is None:
        statement = base
        if after is not None:
            statement = statement.where(ordering.after(after))
        if before is not None:
            statement = statement.where(ordering.before(before))
        in_order = statement.order_by(*ordering.clauses(reverse=reverse))
        return _cut(in_order, limit, offset, fixed_size)
    ascending = (ordering.terms[0].direction == OrderDirection.ASC) != reverse
    valued, unvalued = _split_on_nulls(ordering, lead, after, before)
    parts = [
        base.where(lead.is_not(None), *valued).order_by(
            *_direction([lead, ordering.table.c.id], ascending)
        ),
        base.where(lead.is_(None), *unvalued).order_by(
            *_direction([ordering.table.c.id], ascending)
        ),
    ]
    if reverse:
        parts.reverse()  # going backward, the rows without a value come first
    members = [
        select(literal(rank).label("part"), *_cut(part, reach, 0, fixed_size).subquery().c)
        for rank, part in enumerate(parts)
    ]
    union = union_all(*members).subquery()
    names = list(base.selected_columns.keys())
    in_order = select(*(union.c[name] for name in names)).order_by(
        union.c.part, *_direction([union.c[lead.name], union.c.id], ascending)
    )
    return _cut(in_order, limit, offset, fixed_size)


def _cut(statement: Select[Any], limit: Any, offset: Any, fixed_size: bool) -> Select[Any]:
    """LIMIT and OFFSET, an offset of 0 left out. A size fixed by the statement's shape (a
    keyset page's) is written into the SQL: PostgreSQL then costs a prepared statement's
    generic plan right and keeps it, instead of planning again at every run as it does for a
    LIMIT it cannot see. Any other limit (REST's) stays a parameter, so all its values share
    one statement."""
    if fixed_size:
        limit = literal_column(str(int(limit)))
    statement = statement.limit(limit)
    return statement if isinstance(offset, int) and offset == 0 else statement.offset(offset)


def _direction(columns: Sequence[Any], ascending: bool) -> list[Any]:
    return [column.asc() if ascending else column.desc() for column in columns]


def _split_on_nulls(
    ordering: Ordering,
    lead: Column[Any],
    after: Sequence[Any] | None,
    before: Sequence[Any] | None,
) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """Keyset bounds for the part with values of `lead` and the part without."""
    id_column = ordering.table.c.id
    ascending = ordering.terms[0].direction == OrderDirection.ASC
    valued: list[ColumnElement[bool]] = []
    unvalued: list[ColumnElement[bool]] = []
    for key, forward in ((after, True), (before, False)):
        if key is None:
            continue
        value, key_id = key
        upward = ascending == forward
        if value is None:  # the cursor sits among the rows without a value, which come last
            valued.append(false() if forward else true())
            unvalued.append(id_column > key_id if upward else id_column < key_id)
        else:
            pair, bound = tuple_(lead, id_column), (value, key_id)
            valued.append(pair > bound if upward else pair < bound)
            unvalued.append(true() if forward else false())
    return valued, unvalued


def to_page(listing: Listing, ordering: Ordering, rows: Sequence[Item]) -> Page[Item]:
    """The window from its rows as read (one extra row tells that more follow)."""
    window = listing.window
    more = len(rows) > window.size
    models = list(rows[: window.size])
    uncut = window.after is None and window.before is None
    total = len(models) if uncut and not more else None
    if window.backward:
        models.reverse()
        has_next = False if window.before is None else None
        return Page(models, ordering, has_next, has_previous_page=more, known_total=total)
    has_previous = False if window.after is None else None
    return Page(models, ordering, more, has_previous_page=has_previous, known_total=total)


async def keyset_page(conn: AsyncConnection, entity: Entity[Row], listing: Listing) -> Page[Row]:
    """The window of rows the listing asks for; costs the same on any page."""
    statement, ordering = _window_select(entity, listing)
    return to_page(listing, ordering, await entity.fetch(conn, statement))


async def keyset_pages_by_parent(
    conn: AsyncConnection,
    entity: Entity[Row],
    parent: Column[str],
    parent_ids: Sequence[str],
    listing: Listing,
) -> dict[str, Page[Row]]:
    """The same window within each parent, in one statement per MAX_PARENTS_PER_STATEMENT."""
    found: dict[str, list[Row]] = defaultdict(list)
    ordering = entity.ordering(listing.order)
    unique = list(dict.fromkeys(parent_ids))
    for start in range(0, len(unique), MAX_PARENTS_PER_STATEMENT):
        members = [
            select(_window_select(entity, listing, parent == parent_id)[0].subquery())
            for parent_id in unique[start : start + MAX_PARENTS_PER_STATEMENT]
        ]
        statement = members[0] if len(members) == 1 else union_all(*members)
        for row in await entity.fetch(conn, statement):
            found[getattr(row, parent.name)].append(row)
    compare = functools.cmp_to_key(_comparator(ordering, reverse=listing.window.backward))
    return {
        parent_id: to_page(listing, ordering, sorted(found[parent_id], key=compare))
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
    statement = select(entity.table.c.id).where(*entity.conditions(listing.spec), beyond).limit(1)
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
    base = select(entity.table).where(*entity.conditions(spec))
    statement = ordered(base, ordering, reverse=False, limit=request.limit, offset=request.offset)
    return await entity.fetch(conn, statement)


def _kept(
    entity: Entity[Any], spec: Any, dialect: str
) -> tuple[KeptCounts, ColumnElement[bool]] | None:
    """The kept counts that answer a count of the filter, with its condition over them."""
    if entity.kept_counts is None:
        return None
    condition = entity.kept_counts.condition(spec)
    return None if condition is None else (entity.kept_counts, condition)


# counts_cheaply's answers by (table, the filter's shape, dialect): the answer depends on which
# fields a filter sets, never on their values, and building the conditions costs far more than
# taking the shape.
_CHEAP_COUNTS: dict[tuple[Any, ...], bool] = {}
CHEAP_COUNTS_SIZE = 1024


def counts_cheaply(entity: Entity[Any], spec: Any, dialect: str) -> bool:
    """Whether the filter's count reads a kept total or kept counts, not one entry per row."""
    key = (entity.table.name, shapes.split(spec)[0], dialect)
    found = _CHEAP_COUNTS.get(key)
    if found is None:
        if len(_CHEAP_COUNTS) >= CHEAP_COUNTS_SIZE:
            _CHEAP_COUNTS.clear()
        found = _CHEAP_COUNTS[key] = _counts_cheaply(entity, spec, dialect)
    return found


def _counts_cheaply(entity: Entity[Any], spec: Any, dialect: str) -> bool:
    kept_total = entity.kept_total is not None and dialect == "postgresql"
    if kept_total and not entity.conditions(spec):
        return True
    return _kept(entity, spec, dialect) is not None


def count_statement(entity: Entity[Any], spec: Any, dialect: str) -> Select[Any]:
    """How many rows match: read from kept counts where they answer it (PostgreSQL), else
    counted. `spec` may be a statement template (shapes.py)."""
    conditions = entity.conditions(spec)
    if not conditions and entity.kept_total is not None and dialect == "postgresql":
        return select(entity.kept_total.c.total)
    if (kept := _kept(entity, spec, dialect)) is not None:
        counts, condition = kept
        return select(counts.total()).where(condition)
    return select(func.count()).select_from(entity.table).where(*conditions)


def counts_by_parent_statement(
    entity: Entity[Any], parent: str, parent_ids: Any, spec: Any, dialect: str
) -> Select[Any]:
    """(parent id, count) for each parent with matching rows (`parent` names a column)."""
    conditions = entity.conditions(spec)
    if (kept := _kept(entity, spec, dialect)) is not None:
        counts, condition = kept
        column, total = counts.table.c[parent], counts.total()
        return (
            select(column, total)
            .where(condition, column.in_(parent_ids))
            .group_by(column)
            .having(total > 0)
        )
    column = entity.table.c[parent]
    return select(column, func.count()).where(*conditions, column.in_(parent_ids)).group_by(column)


def count_within_statement(
    entity: Entity[Any], parent: str, parent_id: Any, spec: Any, dialect: str
) -> Select[Any]:
    """How many rows of one parent match, as counts_by_parent_statement counts them;
    `parent_id` may be a column of an enclosing read."""
    if (kept := _kept(entity, spec, dialect)) is not None:
        counts, condition = kept
        return select(counts.total()).where(condition, counts.table.c[parent] == parent_id)
    column = entity.table.c[parent]
    return select(func.count()).where(*entity.conditions(spec), column == parent_id)


async def count(conn: AsyncConnection, entity: Entity[Row], spec: FilterSpec) -> int:
    """How many rows match; kept counts answer it where they can."""
    statement = count_statement(entity, spec, conn.dialect.name)
    return int((await conn.execute(statement)).scalar_one())


async def counts_by_parent(
    conn: AsyncConnection,
    entity: Entity[Row],
    parent: str,
    parent_ids: Sequence[str],
    spec: FilterSpec,
) -> dict[str, int]:
    """How many rows match within each parent (0 where none)."""
    unique = list(set(parent_ids))
    statement = counts_by_parent_statement(entity, parent, unique, spec, conn.dialect.name)
    found = {key: int(total) for key, total in (await conn.execute(statement)).all()}
    return {parent_id: found.get(parent_id, 0) for parent_id in parent_ids}


def _comparator(ordering: Ordering, *, reverse: bool) -> Callable[[Any, Any], int]:
    """Python twin of Ordering.clauses, to restore order across UNION ALL members."""
    compare_keys = key_comparator(ordering, reverse=reverse)
    return lambda left, right: compare_keys(ordering.key_of(left), ordering.key_of(right))


def key_comparator(
    ordering: Ordering, *, reverse: bool
) -> Callable[[Sequence[Any], Sequence[Any]], int]:
    """Compares two sort keys (one value per term) as Ordering.clauses orders their rows."""
    descending = [term.direction == OrderDirection.DESC for term in ordering.terms]

    def compare(left: Sequence[Any], right: Sequence[Any]) -> int:
        for a, b, down in zip(left, right, descending, strict=True):
            if a == b:
                continue
            if a is None or b is None:
                result = 1 if a is None else -1  # NULLs last
            else:
                result = -1 if a < b else 1
                if down:
                    result = -result
            return -result if reverse else result
        return 0

    return compare

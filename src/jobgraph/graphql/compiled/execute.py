"""Running a plan: one read per list level, rows turned straight into the response's values.

Every read goes through the query core (query/selects.py), so filters, orders and cursors
mean what they mean on the reference path. A request that needs an error in its answer
raises FallbackError, and the reference executor answers it in full.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from graphql import FieldNode, GraphQLField

from jobgraph.db.raw import RawReader, RawRow, time_reader
from jobgraph.db.types import UTCDateTime
from jobgraph.domain import JobStatus
from jobgraph.graphql.compiled import values
from jobgraph.graphql.compiled.plan import (
    Connection,
    ConnectionField,
    ObjectPlan,
    OperationPlan,
    Result,
    RootObject,
    StatusCounts,
    ToOne,
    Typename,
    Value,
)
from jobgraph.graphql.compiled.rows import rows_builder
from jobgraph.graphql.compiled.values import FallbackError
from jobgraph.query import documents, paging, selects
from jobgraph.query.order import Ordering
from jobgraph.query.paging import Entity, Page
from jobgraph.query.spec import InvalidQueryError, Listing, Scope, lookup_id

IDS_PER_READ = 512  # a power of two: lists are padded to one, so few shapes are compiled
PARENTS_PER_READ = 256
STATUSES = [status.value for status in JobStatus]
Row = RawRow
Answer = TypeVar("Answer")


@dataclass
class Run:
    """One request: where to read, how to turn a field's arguments into Python values (a
    list's listing within the caller's scope), and that scope, for reads by id."""

    reader: RawReader
    arguments: Callable[[GraphQLField, FieldNode], dict[str, Any]]
    listing: Callable[[Connection], Listing]
    scope: Scope

    async def fetch(self, read: selects.Read) -> list[Row]:
        return await self.reader.fetch(read)


async def execute(plan: OperationPlan, run: Run) -> dict[str, Any]:
    """The `data` of the response."""
    answers = await _together([_root_field(part, run) for part in plan.fields])
    return {part.key: answer for part, answer in zip(plan.fields, answers, strict=True)}


async def _root_field(part: Typename | Connection | RootObject, run: Run) -> Any:
    try:
        if isinstance(part, Typename):
            return part.name
        if isinstance(part, Connection):
            return await _root_connection(part, run)
        return await _root_object(part, run)
    except InvalidQueryError as error:
        raise FallbackError(str(error)) from error


async def _root_object(part: RootObject, run: Run) -> Any:
    arguments = run.arguments(part.definition, part.node)
    if part.many:
        if len(arguments["ids"]) > 100:
            raise FallbackError("too many ids")
        asked = [lookup_id("ids", str(key)) for key in arguments["ids"]]
    else:
        asked = [lookup_id("id", str(arguments["id"]))]
    wanted = [key for key in asked if key is not None]
    found: dict[str, Any] = {}
    # A job id wins over a batch id wins over a project id, as on the reference path.
    for objects in await _together([_by_ids(plan, wanted, run) for plan in part.plans]):
        for key, value in objects.items():
            found.setdefault(key, value)
    answers = [None if key is None else found.get(key) for key in asked]
    return answers if part.many else answers[0]


async def _by_ids(plan: ObjectPlan, ids: Sequence[str], run: Run) -> dict[str, dict[str, Any]]:
    """The objects with these ids, by id."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return {}
    written, nested = _nested_documents([plan], run)
    reads = [
        selects.rows_by_ids(plan.entity, _padded(chunk, chunk[0]), plan.columns, run.scope, nested)
        for chunk in _chunks(unique, IDS_PER_READ)
    ]
    rows = [row for found in await _together([run.fetch(r) for r in reads]) for row in found]
    objects = await _objects(plan, rows, _positions(plan.columns, written), run)
    return {row[0]: obj for row, obj in zip(rows, objects, strict=True)}


async def _objects(
    plan: ObjectPlan, rows: Sequence[Row], positions: dict[str, int], run: Run
) -> list[dict[str, Any]]:
    """The selection on each row, in the selection's key order."""
    if not rows:
        return []
    shared: dict[str, asyncio.Task[Any]] = {}  # reads that several fields use, run once
    pending = [
        (index, _batched(part, rows, positions, run, shared))
        for index, part in enumerate(plan.fields)
        if not isinstance(part, Value | Typename)
    ]
    done = dict(
        zip(
            (index for index, _ in pending),
            await _together([job for _, job in pending]),
            strict=True,
        )
    )
    batches = [done.get(index) for index in range(len(plan.fields))]
    return rows_builder(plan, positions, run.reader.dialect)(rows, batches)


async def _batched(
    part: Any,
    rows: Sequence[Row],
    positions: dict[str, int],
    run: Run,
    shared: dict[str, asyncio.Task[Any]],
) -> list[Any]:
    """A field that needs reads of its own, answered for every row at once."""
    if isinstance(part, ToOne):
        keys = [row[positions[part.foreign_key]] for row in rows]
        found = await _by_ids(part.target, [key for key in keys if key is not None], run)
        return [None if key is None else found.get(key) for key in keys]
    if isinstance(part, Connection):
        written = positions.get(_document_column(part))
        if written is not None:  # PostgreSQL wrote each row's answer in the row's own read
            return [values.document(row[written]) for row in rows]
        return await _nested_connections(part, [row[positions["id"]] for row in rows], run)
    ids = [row[positions["id"]] for row in rows]
    if isinstance(part, StatusCounts):
        if "status" not in shared:
            shared["status"] = asyncio.ensure_future(_read_status_counts(ids, run))
        return _status_counts(part, ids, await shared["status"])
    assert isinstance(part, Result)
    results: dict[str, Any] = {}
    for chunk in _chunks(list(dict.fromkeys(ids)), IDS_PER_READ):
        read = selects.job_results(_padded(chunk, chunk[0]), run.scope)
        for job_id, payload in await run.fetch(read):
            results[job_id] = values.result_json(payload)
    return [results.get(job_id) for job_id in ids]


async def _read_status_counts(batch_ids: list[str], run: Run) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for chunk in _chunks(list(dict.fromkeys(batch_ids)), IDS_PER_READ):
        read = selects.job_status_counts(_padded(chunk, chunk[0]), run.scope)
        for batch_id, status, total in await run.fetch(read):
            counts[batch_id][status] = int(total)
    return counts


def _status_counts(
    part: StatusCounts, batch_ids: list[str], counts: dict[str, dict[str, int]]
) -> list[Any]:
    if not part.per_status:
        return [sum(counts[batch_id].values()) for batch_id in batch_ids]
    answers = []
    for batch_id in batch_ids:
        found = counts[batch_id]
        answers.append(
            [
                {
                    key: _status_part(name, status, found.get(status, 0), part.typename)
                    for key, name in part.parts
                }
                for status in STATUSES
            ]
        )
    return answers


def _status_part(name: str, status: str, count: int, typename: str) -> Any:
    return status if name == "status" else count if name == "count" else typename


@dataclass
class _Lists:
    """The pages of one list field, for one parent each (a single one at the root)."""

    connection: Connection
    listing: Listing
    ordering: Ordering
    columns: tuple[str, ...]
    pages: list[Page[Row] | None]  # None: no rows were selected, so none were read
    parent_ids: list[str | None]
    written: list[Connection]  # nested lists PostgreSQL wrote, a column each after `columns`


def _read_columns(connection: Connection, ordering: Ordering) -> tuple[str, ...]:
    names = dict.fromkeys(connection.columns)
    names.update(dict.fromkeys(term.field for term in ordering.terms))
    if connection.parent_column is not None:
        names[connection.parent_column] = None
    return tuple(names)


def _reads_rows(fields: Sequence[ConnectionField]) -> bool:
    return any(part.name not in ("totalCount", "__typename") for part in fields)


async def _root_connection(connection: Connection, run: Run) -> dict[str, Any]:
    listing = run.listing(connection)
    ordering = connection.entity.ordering(listing.order)
    keys = paging.window_keys(ordering, listing.window)
    columns = _read_columns(connection, ordering)
    page = None
    written: list[Connection] = []
    if _reads_rows(connection.fields):
        written, nested = _nested_documents(_node_plans(connection.fields), run)
        read = selects.page(connection.entity, ordering, listing, keys, columns, nested)
        page = paging.to_page(listing, ordering, await run.fetch(read))
    lists = _Lists(connection, listing, ordering, columns, [page], [None], written)
    return (await _connections(lists, run))[0]


async def _nested_connections(connection: Connection, parent_ids: list[str], run: Run) -> list[Any]:
    listing = run.listing(connection)
    ordering = connection.entity.ordering(listing.order)
    keys = paging.window_keys(ordering, listing.window)
    columns = _read_columns(connection, ordering)
    pages: list[Page[Row] | None] = [None] * len(parent_ids)
    written: list[Connection] = []
    if _reads_rows(connection.fields):
        written, nested = _nested_documents(_node_plans(connection.fields), run)
        found = await _pages_by_parent(
            connection, listing, ordering, keys, columns, parent_ids, run, nested
        )
        pages = [found[parent_id] for parent_id in parent_ids]
    # Each row read by parent starts with its member index (selects.MEMBER).
    read = (selects.MEMBER, *columns)
    lists = _Lists(connection, listing, ordering, read, pages, list(parent_ids), written)
    return await _connections(lists, run)


async def _pages_by_parent(
    connection: Connection,
    listing: Listing,
    ordering: Ordering,
    keys: tuple[Any, Any],
    columns: tuple[str, ...],
    parent_ids: list[str],
    run: Run,
    nested: Sequence[selects.Nested],
) -> dict[str, Page[Row]]:
    assert connection.parent_column is not None
    dialect = run.reader.dialect
    unique = list(dict.fromkeys(parent_ids))
    members: dict[str, list[Row]] = {parent_id: [] for parent_id in unique}
    for chunk in _chunks(unique, PARENTS_PER_READ):
        # PostgreSQL takes the ids as one array: any count makes the same statement.
        ids = chunk if dialect == "postgresql" else _padded(chunk, "")
        read = selects.pages_by_parent(
            connection.entity,
            ordering,
            connection.parent_column,
            ids,
            listing,
            keys,
            columns,
            dialect,
            nested,
        )
        # Rows come sorted by member (their first column): one run of rows per parent.
        for member, rows in groupby(await run.fetch(read), itemgetter(0)):
            members[chunk[member]].extend(rows)
    return {
        parent_id: paging.to_page(listing, ordering, rows) for parent_id, rows in members.items()
    }


async def _connections(lists: _Lists, run: Run) -> list[dict[str, Any]]:
    connection = lists.connection
    positions = _positions(lists.columns, lists.written)
    all_rows = [row for page in lists.pages if page is not None for row in page.rows]
    node_fields = _node_plans(connection.fields)
    objects = {id(plan): await _objects(plan, all_rows, positions, run) for plan in node_fields}
    totals = await _totals(lists, run) if _selects(connection.fields, "totalCount") else None
    cursor = (
        _cursor_writer(lists.ordering, positions, run.reader.dialect)
        if _selects_cursor(connection.fields)
        else _no_cursor
    )
    # Edges are built for every page's rows at once; each page takes its slice.
    edges = {
        id(part): _edges(part.parts, all_rows, objects, cursor)
        for part in connection.fields
        if part.name == "edges"
    }
    answers = []
    offset = 0
    for index, page in enumerate(lists.pages):
        count = len(page.rows) if page is not None else 0
        context = _PageContext(lists, index, page, offset, objects, edges, cursor, totals)
        answers.append(await _connection_value(connection.fields, context, run))
        offset += count
    return answers


@dataclass
class _PageContext:
    lists: _Lists
    index: int
    page: Page[Row] | None
    offset: int  # where this page's rows start among all pages' rows
    objects: dict[int, list[dict[str, Any]]]  # by id() of the node's plan, for all pages
    edges: dict[int, list[dict[str, Any]]]  # by id() of the edges field, for all pages
    cursor: Callable[[Row], str]
    totals: list[int] | None


async def _connection_value(
    fields: Sequence[ConnectionField], context: _PageContext, run: Run
) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    page = context.page
    rows = page.rows if page is not None else []
    for part in fields:
        if part.name == "__typename":
            answer[part.key] = part.typename
        elif part.name == "totalCount":
            assert context.totals is not None
            answer[part.key] = context.totals[context.index]
        elif part.name == "nodes":
            assert part.node is not None
            answer[part.key] = _slice(context, part.node, len(rows))
        elif part.name == "edges":
            answer[part.key] = context.edges[id(part)][context.offset : context.offset + len(rows)]
        elif part.name == "pageInfo":
            answer[part.key] = await _page_info(part.parts, context, run)
    return answer


def _slice(context: _PageContext, plan: ObjectPlan, count: int) -> list[dict[str, Any]]:
    return context.objects[id(plan)][context.offset : context.offset + count]


def _edges(
    parts: Sequence[ConnectionField],
    rows: list[Row],
    objects: dict[int, list[dict[str, Any]]],
    cursor: Callable[[Row], str],
) -> list[dict[str, Any]]:
    columns: list[list[Any]] = []
    for part in parts:
        if part.name == "node":
            assert part.node is not None
            columns.append(objects[id(part.node)])
        elif part.name == "cursor":
            columns.append([cursor(row) for row in rows])
        else:
            columns.append([part.typename] * len(rows))
    keys = [part.key for part in parts]
    if not keys:  # every field of the edge skipped
        return [{} for _ in rows]
    if len(keys) == 1:
        return [{keys[0]: value} for value in columns[0]]
    return [dict(zip(keys, found, strict=True)) for found in zip(*columns, strict=True)]


def _cursor_writer(
    ordering: Ordering, positions: dict[str, int], dialect: str
) -> Callable[[Row], str]:
    """The cursor of a row read with these column positions."""
    places = [positions[column.name] for column in ordering.columns()]
    encode = ordering.encode_key
    read_time = time_reader(dialect)  # the datetime a cursor encodes
    times = [isinstance(column.type, UTCDateTime) for column in ordering.columns()]
    if read_time is not values.same and any(times):
        converts = [read_time if is_time else values.same for is_time in times]
        pairs = list(zip(places, converts, strict=True))
        return lambda row: encode([convert(row[place]) for place, convert in pairs])
    if len(places) == 2:
        first, second = places
        return lambda row: encode((row[first], row[second]))
    return lambda row: encode([row[place] for place in places])


async def _page_info(
    parts: Sequence[ConnectionField], context: _PageContext, run: Run
) -> dict[str, Any]:
    page = context.page
    assert page is not None
    answer: dict[str, Any] = {}
    for part in parts:
        if part.name == "__typename":
            answer[part.key] = part.typename
        elif part.name == "startCursor":
            answer[part.key] = context.cursor(page.rows[0]) if page.rows else None
        elif part.name == "endCursor":
            answer[part.key] = context.cursor(page.rows[-1]) if page.rows else None
        elif part.name == "hasNextPage":
            known = page.has_next_page
            answer[part.key] = (
                known if known is not None else await _boundary(context, run, previous=False)
            )
        elif part.name == "hasPreviousPage":
            known = page.has_previous_page
            answer[part.key] = (
                known if known is not None else await _boundary(context, run, previous=True)
            )
    return answer


async def _boundary(context: _PageContext, run: Run, *, previous: bool) -> bool:
    lists = context.lists
    window = lists.listing.window
    cursor = window.after if previous else window.before
    if cursor is None:
        return False
    key = lists.ordering.decode_cursor(cursor, "after" if previous else "before")
    spec: Any = lists.listing.spec
    parent_id = lists.parent_ids[context.index]
    if parent_id is not None:
        column = lists.connection.parent_column
        spec = spec.restricted_to(**{f"{column}s": (parent_id,)})
    read = selects.boundary(lists.connection.entity, lists.ordering, spec, key, previous=previous)
    return bool(await run.fetch(read))


async def _totals(lists: _Lists, run: Run) -> list[int]:
    known = [page.known_total if page is not None else None for page in lists.pages]
    missing = [index for index, total in enumerate(known) if total is None]
    if not missing:
        return [total for total in known if total is not None]
    entity, spec = lists.connection.entity, lists.listing.spec
    if lists.connection.parent_column is None:
        (row,) = await run.fetch(selects.count(entity, spec))
        counted: dict[str | None, int] = {None: int(row[0])}
    else:
        parents = list(dict.fromkeys(lists.parent_ids[index] for index in missing))
        counted = {}
        for chunk in _chunks(parents, IDS_PER_READ):
            read = selects.counts_by_parent(
                entity, lists.connection.parent_column, _padded(chunk, chunk[0]), spec
            )
            counted.update((parent, int(total)) for parent, total in await run.fetch(read))
    return [
        total if total is not None else counted.get(lists.parent_ids[index], 0)
        for index, total in enumerate(known)
    ]


async def _together(awaitables: Sequence[Awaitable[Answer]]) -> list[Answer]:
    """Their answers, awaited concurrently; a single one is awaited as it is (no task)."""
    if len(awaitables) == 1:
        return [await awaitables[0]]
    return list(await asyncio.gather(*awaitables))


def _selects_cursor(fields: Sequence[ConnectionField]) -> bool:
    """Whether an edge's cursor, or pageInfo's startCursor or endCursor, is selected."""
    names = ("cursor", "startCursor", "endCursor")
    return any(part.name in names or _selects_cursor(part.parts) for part in fields)


def _no_cursor(_row: Row) -> str:
    raise AssertionError("no cursor was selected")


def _node_plans(fields: Sequence[ConnectionField]) -> list[ObjectPlan]:
    found = []
    for part in fields:
        if part.node is not None:
            found.append(part.node)
        found += _node_plans(part.parts)
    return found


def _selects(fields: Sequence[ConnectionField], name: str) -> bool:
    return any(part.name == name for part in fields)


def _positions(columns: Sequence[str], written: Sequence[Connection] = ()) -> dict[str, int]:
    """Where each column is in a row read with these columns, then these documents."""
    found = {name: index for index, name in enumerate(columns)}
    for index, part in enumerate(written, start=len(columns)):
        found[_document_column(part)] = index
    return found


def _document_column(part: Connection) -> str:
    return f"document:{id(part)}"


def _nested_documents(
    plans: Sequence[ObjectPlan], run: Run
) -> tuple[list[Connection], list[selects.Nested]]:
    """The nested lists of these plans that PostgreSQL writes in their parents' read."""
    if run.reader.dialect != "postgresql":
        return [], []
    parts = []
    nested = []
    for part in (part for plan in plans for part in plan.fields):
        if not isinstance(part, Connection) or part.document is None:
            continue
        assert part.parent_column is not None
        listing = run.listing(part)
        ordering = part.entity.ordering(listing.order)
        if not documents.fits(part.document, ordering, listing.window):
            continue  # this list is read as rows
        parts.append(part)
        keys = paging.window_keys(ordering, listing.window)
        nested.append(
            selects.Nested(part.entity, ordering, part.parent_column, listing, keys, part.document)
        )
    return parts, nested


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _padded(items: list[Any], filler: Any) -> list[Any]:
    """The list grown to a power of two with `filler`, so a read's shape repeats often."""
    size = 1
    while size < len(items):
        size *= 2
    return items + [filler] * (size - len(items))


__all__ = ["Entity", "FallbackError", "Run", "execute"]

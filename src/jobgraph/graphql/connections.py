"""Relay cursor connections: PageInfo, edges, and building a connection from a page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

import strawberry

from jobgraph.db.engine import Database
from jobgraph.graphql.loaders import Loaders
from jobgraph.query import reads
from jobgraph.query.paging import Entity, Page, Row
from jobgraph.query.spec import Listing

NodeT = TypeVar("NodeT")


class RowsBeyond(Protocol):
    """Whether rows follow the page (previous=False) or precede it (previous=True)."""

    def __call__(self, *, previous: bool) -> Awaitable[bool]: ...


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    _page: strawberry.Private[Page[Any]]
    # Whether rows follow (or precede) the page, asked only when the page does not know.
    _rows_after: strawberry.Private[Callable[[], Awaitable[bool]]]
    _rows_before: strawberry.Private[Callable[[], Awaitable[bool]]]

    @strawberry.field(description="Cursor of the first edge.")
    def start_cursor(self) -> str | None:
        return self._page.start_cursor

    @strawberry.field(description="Cursor of the last edge.")
    def end_cursor(self) -> str | None:
        return self._page.end_cursor

    @strawberry.field(description="Whether rows follow this page.")
    async def has_next_page(self) -> bool:
        known = self._page.has_next_page
        return known if known is not None else await self._rows_after()

    @strawberry.field(description="Whether rows precede this page.")
    async def has_previous_page(self) -> bool:
        known = self._page.has_previous_page
        return known if known is not None else await self._rows_before()


@strawberry.type(description="A node and the cursor to page from it.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    _page: strawberry.Private[Page[Any]]
    _index: strawberry.Private[int]

    @strawberry.field(description="Opaque position of this node in the list.")
    def cursor(self) -> str:
        return self._page.cursor(self._index)


@strawberry.type(description="A page of a list, after the GraphQL Cursor Connections spec.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The page's items with cursors.")
    page_info: PageInfo = strawberry.field(description="Paging state of this page.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's items, without cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description="How many items the whole filtered list holds (counted on demand)."
    )
    async def total_count(self) -> int:
        return await self._count()


def build_connection(
    page: Page[Row],
    wrap: Callable[[Row], NodeT],
    count: Callable[[], Awaitable[int]],
    beyond: RowsBeyond,
) -> Connection[NodeT]:
    edges = [Edge(node=wrap(row), _page=page, _index=index) for index, row in enumerate(page.rows)]
    info = PageInfo(
        _page=page,
        _rows_after=partial(beyond, previous=False),
        _rows_before=partial(beyond, previous=True),
    )
    return Connection(edges=edges, page_info=info, _count=count)


async def root_connection(
    db: Database, entity: Entity[Row], listing: Listing, wrap: Callable[[Row], NodeT]
) -> Connection[NodeT]:
    """A top-level list: one statement for the page, more only for what the client selects."""
    reads.check_cursors(entity, listing)
    page = await reads.list_keyset_page(db, entity, listing)

    async def count() -> int:
        known = page.known_total
        return known if known is not None else await reads.count_rows(db, entity, listing.spec)

    async def beyond(*, previous: bool) -> bool:
        return await reads.boundary_exists(db, entity, listing, previous=previous)

    return build_connection(page, wrap, count, beyond)


async def nested_connection(
    db: Database,
    relation: reads.Relation[Row],
    parent_id: str,
    listing: Listing,
    wrap: Callable[[Row], NodeT],
    loaders: Loaders,
) -> Connection[NodeT]:
    """A list under a parent; sibling lists are fetched together by the loaders."""
    entity = relation.entity
    reads.check_cursors(entity, listing)
    page: Page[Row] = await loaders.pages[relation.name].load((parent_id, listing))

    async def count() -> int:
        known = page.known_total
        if known is not None:
            return known
        return await loaders.counts[relation.name].load((parent_id, listing.spec))

    async def beyond(*, previous: bool) -> bool:
        within = replace(listing, spec=relation.within(listing.spec, parent_id))
        return await reads.boundary_exists(db, entity, within, previous=previous)

    return build_connection(page, wrap, count, beyond)

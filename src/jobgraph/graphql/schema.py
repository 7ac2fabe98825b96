"""The Query root, node refetching, and the Schema with its depth and alias limits."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info
from strawberry.utils.logging import StrawberryLogger

from jobgraph.graphql.connections import Connection
from jobgraph.graphql.context import Context
from jobgraph.graphql.errors import ErrorCodes, MaskUnexpectedErrors, is_unexpected
from jobgraph.graphql.inputs import DATETIME
from jobgraph.graphql.limits import (
    MaxAliasesLimiter,
    MaxDepthLimiter,
    MaxFilterValuesLimiter,
    MaxNodesLimiter,
)
from jobgraph.graphql.subscriptions import Subscription
from jobgraph.graphql.types import (
    PAGE_ARGUMENTS,
    Batch,
    Job,
    Node,
    Project,
    any_node,
    batch_from_row,
    batch_list,
    job_from_row,
    job_list,
    project_from_row,
    project_list,
)
from jobgraph.query import spec
from jobgraph.query.spec import InvalidQueryError
from jobgraph.settings import Settings

MAX_IDS_PER_NODES_FIELD = 100

AnId = Annotated[
    strawberry.ID,
    strawberry.argument(description="The UUID, in any case; an id no object has gives null."),
]


async def _lookup(info: Info[Context, None], key: str | None) -> Job | Batch | Project | None:
    """The job, batch or project with this id (as spec.lookup_id gives it), or None."""
    if key is None:
        return None
    loaders = info.context.loaders
    found = await asyncio.gather(
        loaders.job_by_id.load(key), loaders.batch_by_id.load(key), loaders.project_by_id.load(key)
    )
    row = next((row for row in found if row is not None), None)
    return None if row is None else any_node(row)


async def _lookup_item(info: Info[Context, None], node_id: str) -> Any:
    """One item of `nodes`: an id no database can take is returned as its error, which
    graphql-core puts at that item's path (the item null), so it fails no other item."""
    try:
        key = spec.lookup_id("ids", node_id)
    except InvalidQueryError as error:
        return error
    return await _lookup(info, key)


@strawberry.type(description="Entry points of the job graph.")
class Query:
    @strawberry.field(description="The job with this id, or null.")
    async def job(self, info: Info[Context, None], id: AnId) -> Job | None:
        key = spec.lookup_id("id", id)
        row = None if key is None else await info.context.loaders.job_by_id.load(key)
        return None if row is None else job_from_row(row)

    @strawberry.field(description="The batch with this id, or null.")
    async def batch(self, info: Info[Context, None], id: AnId) -> Batch | None:
        key = spec.lookup_id("id", id)
        row = None if key is None else await info.context.loaders.batch_by_id.load(key)
        return None if row is None else batch_from_row(row)

    @strawberry.field(description="The project with this id, or null.")
    async def project(self, info: Info[Context, None], id: AnId) -> Project | None:
        key = spec.lookup_id("id", id)
        row = None if key is None else await info.context.loaders.project_by_id.load(key)
        return None if row is None else project_from_row(row)

    @strawberry.field(description="Any job, batch or project by id, or null.")
    async def node(self, info: Info[Context, None], id: AnId) -> Node | None:
        return await _lookup(info, spec.lookup_id("id", id))

    @strawberry.field(
        description="Jobs, batches or projects by id, in the order asked (null if absent)."
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"Up to {MAX_IDS_PER_NODES_FIELD} UUIDs; each item is its object, or "
                "null when none has it."
            ),
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_IDS_PER_NODES_FIELD:
            raise InvalidQueryError(f"`ids` takes at most {MAX_IDS_PER_NODES_FIELD} ids")
        return list(await asyncio.gather(*(_lookup_item(info, node_id) for node_id in ids)))

    jobs: Connection[Job] = strawberry.field(
        resolver=job_list(None),
        description=f"Jobs, newest first unless orderBy says otherwise. {PAGE_ARGUMENTS}",
    )
    batches: Connection[Batch] = strawberry.field(
        resolver=batch_list(None),
        description=f"Batches, newest first unless orderBy says otherwise. {PAGE_ARGUMENTS}",
    )
    projects: Connection[Project] = strawberry.field(
        resolver=project_list(),
        description=f"Projects, newest first unless orderBy says otherwise. {PAGE_ARGUMENTS}",
    )


class JobgraphSchema(strawberry.Schema):
    """Logs only unexpected errors; bad input is the client's to read, not the operator's."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error):
                StrawberryLogger.error(error, execution_context)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema, with query depth, alias and size limits from the settings.

    Unexpected errors reach clients as "Unexpected error." so no internals leak out; every
    error carries `extensions.code` (graphql/errors.py).
    """
    settings = settings or Settings()
    return JobgraphSchema(
        query=Query,
        subscription=Subscription,
        types=[Job, Batch, Project],
        config=StrawberryConfig(scalar_map={datetime: DATETIME}),
        extensions=[
            ErrorCodes,  # first, so that it codes the errors after masking
            MaskUnexpectedErrors,
            lambda: MaxDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: MaxNodesLimiter(max_nodes=settings.max_query_nodes),
            lambda: MaxFilterValuesLimiter(max_values=settings.max_filter_values),
        ],
    )


def schema_sdl() -> str:
    """The schema in SDL, as committed in schema.graphql."""
    return build_schema().as_str() + "\n"

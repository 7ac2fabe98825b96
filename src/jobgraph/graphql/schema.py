"""The Query root, node refetching, and the Schema with its depth and alias limits."""

from __future__ import annotations

import asyncio

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.types import ExecutionContext, Info
from strawberry.utils.logging import StrawberryLogger

from jobgraph.graphql.connections import Connection, root_connection
from jobgraph.graphql.context import Context
from jobgraph.graphql.inputs import (
    BatchFilter,
    BatchOrder,
    JobFilter,
    JobOrder,
    ProjectFilter,
    ProjectOrder,
    to_order_terms,
)
from jobgraph.graphql.types import PAGE_ARGUMENTS, Batch, Job, Node, Project, any_node
from jobgraph.query import reads
from jobgraph.query.spec import (
    BatchFilterSpec,
    InvalidQueryError,
    JobFilterSpec,
    Listing,
    PageRequest,
    ProjectFilterSpec,
)
from jobgraph.settings import Settings

MAX_NODES_PER_REQUEST = 100


def _window(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest.from_relay(first=first, after=after, last=last, before=before)


async def _lookup(info: Info[Context, None], node_id: str) -> Job | Batch | Project | None:
    loaders = info.context.loaders
    key = node_id.lower()
    found = await asyncio.gather(
        loaders.job_by_id.load(key), loaders.batch_by_id.load(key), loaders.project_by_id.load(key)
    )
    row = next((row for row in found if row is not None), None)
    return None if row is None else any_node(row)


@strawberry.type(description="Entry points of the job graph.")
class Query:
    @strawberry.field(description="The job with this id, or null.")
    async def job(self, info: Info[Context, None], id: strawberry.ID) -> Job | None:
        row = await info.context.loaders.job_by_id.load(id.lower())
        return None if row is None else Job.from_row(row)

    @strawberry.field(description="The batch with this id, or null.")
    async def batch(self, info: Info[Context, None], id: strawberry.ID) -> Batch | None:
        row = await info.context.loaders.batch_by_id.load(id.lower())
        return None if row is None else Batch.from_row(row)

    @strawberry.field(description="The project with this id, or null.")
    async def project(self, info: Info[Context, None], id: strawberry.ID) -> Project | None:
        row = await info.context.loaders.project_by_id.load(id.lower())
        return None if row is None else Project.from_row(row)

    @strawberry.field(description="Any job, batch or project by id, or null.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        return await _lookup(info, id)

    @strawberry.field(
        description="Jobs, batches or projects by id, in the order asked (null if absent)."
    )
    async def nodes(self, info: Info[Context, None], ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES_PER_REQUEST:
            raise InvalidQueryError(f"`ids` takes at most {MAX_NODES_PER_REQUEST} ids")
        return list(await asyncio.gather(*(_lookup(info, node_id) for node_id in ids)))

    @strawberry.field(
        description=f"Jobs, newest first unless orderBy says otherwise. {PAGE_ARGUMENTS}"
    )
    async def jobs(
        self,
        info: Info[Context, None],
        filter: JobFilter | None = None,
        order_by: list[JobOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Job]:
        spec = filter.to_spec() if filter else JobFilterSpec()
        listing = Listing(spec, to_order_terms(order_by), _window(first, after, last, before))
        return await root_connection(info.context.db, reads.JOBS, listing, Job.from_row)

    @strawberry.field(
        description=f"Batches, newest first unless orderBy says otherwise. {PAGE_ARGUMENTS}"
    )
    async def batches(
        self,
        info: Info[Context, None],
        filter: BatchFilter | None = None,
        order_by: list[BatchOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Batch]:
        spec = filter.to_spec() if filter else BatchFilterSpec()
        listing = Listing(spec, to_order_terms(order_by), _window(first, after, last, before))
        return await root_connection(info.context.db, reads.BATCHES, listing, Batch.from_row)

    @strawberry.field(
        description=f"Projects, newest first unless orderBy says otherwise. {PAGE_ARGUMENTS}"
    )
    async def projects(
        self,
        info: Info[Context, None],
        filter: ProjectFilter | None = None,
        order_by: list[ProjectOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Project]:
        spec = filter.to_spec() if filter else ProjectFilterSpec()
        listing = Listing(spec, to_order_terms(order_by), _window(first, after, last, before))
        return await root_connection(info.context.db, reads.PROJECTS, listing, Project.from_row)


def is_unexpected(error: GraphQLError) -> bool:
    """A failure inside a resolver that the client did not cause: a bug or an outage."""
    cause = error.original_error
    return (
        error.path is not None
        and cause is not None
        and not isinstance(cause, InvalidQueryError | GraphQLError)
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

    Unexpected errors reach clients as "Unexpected error." so no internals leak out.
    """
    settings = settings or Settings()
    return JobgraphSchema(
        query=Query,
        types=[Job, Batch, Project],
        extensions=[
            lambda: MaskErrors(should_mask_error=is_unexpected),
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        ],
    )


def schema_sdl() -> str:
    """The schema in SDL, as committed in schema.graphql."""
    return build_schema().as_str() + "\n"

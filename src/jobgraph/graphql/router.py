"""Mounts /graphql (POST for queries, GET for GraphiQL) on the FastAPI app."""

from __future__ import annotations

import strawberry
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter

from jobgraph.graphql.context import Context, get_context
from jobgraph.graphql.ide import graphiql_html, install_ide
from jobgraph.graphql.schema import build_schema
from jobgraph.settings import Settings

GRAPHQL_PATH = "/graphql"


class JobgraphGraphQLRouter(GraphQLRouter[Context, None]):
    """Strawberry's router, with a GraphiQL page served from our own static files."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html(GRAPHQL_PATH))


def install_graphql(app: FastAPI, settings: Settings) -> strawberry.Schema:
    """Mount the GraphQL endpoint and GraphiQL's assets on the app; returns the schema."""
    schema = build_schema(settings)
    router = JobgraphGraphQLRouter(schema, context_getter=get_context)
    app.include_router(router, prefix=GRAPHQL_PATH)
    install_ide(app)
    return schema

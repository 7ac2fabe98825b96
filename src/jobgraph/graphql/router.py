"""Mounts /graphql: queries by POST or GET as GraphQL over HTTP (graphql/http.py), GraphiQL for
a browser's GET, and a WebSocket upgrade refused cleanly until there are subscriptions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import strawberry
from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.responses import HTMLResponse
from fastapi.routing import APIWebSocketRoute
from strawberry.exceptions import MissingQueryError
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from jobgraph.auth.authenticate import challenge
from jobgraph.auth.principal import AuthenticationError
from jobgraph.graphql import http
from jobgraph.graphql.context import Context, get_context
from jobgraph.graphql.errors import ErrorCode
from jobgraph.graphql.http import GraphQLRequest, RequestError
from jobgraph.graphql.ide import graphiql_html, install_ide
from jobgraph.graphql.schema import build_schema
from jobgraph.pages import html_page
from jobgraph.settings import Settings

GRAPHQL_PATH = "/graphql"
NO_SUBSCRIPTIONS = (
    "jobgraph has no GraphQL subscriptions, so /graphql takes no WebSocket: send queries as "
    "HTTP POST (or GET) requests."
)


class JobgraphGraphQLRouter(GraphQLRouter[Context, None]):
    """Strawberry's router, answering every HTTP request as a GraphQL-over-HTTP client expects:
    JSON GraphQL responses with the spec's status codes, even for a request that never reaches
    execution; GraphiQL (from our own static files) for a browser."""

    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        super().__init__(schema, context_getter=get_context)
        self.get_max_age = settings.graphql_get_max_age
        self.open_access = settings.auth_disabled
        self.routes[:] = [r for r in self.routes if not isinstance(r, APIWebSocketRoute)]
        self.add_api_websocket_route("", refuse_websocket)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return html_page(graphiql_html(GRAPHQL_PATH), {"Vary": "Accept"})

    async def run(  # type: ignore[override]
        self, request: Request, context: Context = UNSET, root_value: None = UNSET
    ) -> Response:
        """One HTTP request, GET or POST (the only routes), to its response."""
        get = request.method == "GET"
        if get and _wants_page(request):
            return await self.render_graphql_ide(request)  # a page: no token needed
        media = http.response_media(request.headers.get("accept"))
        try:
            if isinstance(context.access, AuthenticationError):
                raise unauthenticated(context.access)
            if get:
                graphql_request = http.read_get(request.query_params)
            else:
                body = await request.body()
                graphql_request = http.read_post(request.headers.get("content-type"), body)
            result = await self._execute(graphql_request, request.method, context)
        except RequestError as error:
            payload, status, headers = error.body(), error.status, error.headers
            if error.code == ErrorCode.OPERATION_RESOLUTION_FAILURE:
                status = http.status_of(payload, media)  # a GraphQL request error
        else:
            payload = http.response_body(result)
            status, headers = http.status_of(payload, media), {}
        content = self.encode_json(payload)
        encoded = content.encode() if isinstance(content, str) else content
        response = Response(encoded, status, headers, http.content_type(media, status))
        if not get:
            return response
        return self._cacheable(request, response, status == 200 and "errors" not in payload)

    async def _execute(self, request: GraphQLRequest, method: str, context: Context) -> Any:
        try:
            return await self.schema.execute(
                request.query,
                variable_values=request.variables,
                context_value=context,
                operation_name=request.operation_name,
                allowed_operation_types=OperationType.from_http(method),  # type: ignore[arg-type]
                operation_extensions=request.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise RequestError(
                422, error.as_http_error_reason(), ErrorCode.OPERATION_RESOLUTION_FAILURE
            ) from None
        except InvalidOperationTypeError as error:
            reason = error.as_http_error_reason(method)
            message = f"{reason[0].upper()}{reason[1:]}: send them as POST."
            raise RequestError(405, message, headers={"Allow": "POST"}) from None
        except MissingQueryError:
            raise RequestError(400, "No GraphQL query found in the request: send `query`") from None

    def _cacheable(self, request: Request, response: Response, succeeded: bool) -> Response:
        """A GET answer varies with Accept; a successful one carries an ETag and may be kept
        for `graphql_get_max_age` seconds; If-None-Match with that ETag gets a 304. An answer
        with errors is not kept: it may be an outage."""
        vary = "Accept" if self.open_access else "Accept, Authorization"
        response.headers["vary"] = vary
        if not succeeded:
            response.headers["cache-control"] = "no-store"
            return response
        tag = http.etag(bytes(response.body))
        # With tokens, an answer is the caller's own: kept by its client, never by a shared cache.
        age = (
            f"max-age={self.get_max_age}"
            if self.open_access
            else f"private, max-age={self.get_max_age}"
        )
        cache = {"etag": tag, "cache-control": age, "vary": vary}
        if http.matches(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=cache)
        response.headers.update(cache)
        return response


def unauthenticated(error: AuthenticationError) -> RequestError:
    """The 401 of a request without a valid token, on both GraphQL paths."""
    return RequestError(
        401, error.message, ErrorCode.UNAUTHENTICATED, {"WWW-Authenticate": challenge(error)}
    )


def _wants_page(request: Request) -> bool:
    """Whether a GET is a browser opening /graphql: it prefers HTML to JSON. With a query in
    the URL a tie (curl's or fetch's */*) goes to JSON; without one, to the page."""
    offered = (
        (http.JSON, http.GRAPHQL_RESPONSE, http.HTML)
        if "query" in request.query_params
        else (http.HTML, http.JSON, http.GRAPHQL_RESPONSE)
    )
    return http.preferred(request.headers.get("accept"), offered) == http.HTML


async def refuse_websocket(websocket: WebSocket) -> None:
    """Refuse the upgrade: a 400 with a GraphQL error where the server can send an HTTP answer
    to a WebSocket handshake (uvicorn can), else a close before accepting (an HTTP 403)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        error = RequestError(400, NO_SUBSCRIPTIONS)
        body = json.dumps(error.body(), separators=(",", ":")).encode()
        media = http.content_type(http.JSON, error.status)
        await websocket.send_denial_response(Response(body, error.status, media_type=media))
    else:
        await websocket.close(code=1008, reason=NO_SUBSCRIPTIONS[:120])


def route_error(
    method: str,
    status: int,
    headers: Mapping[str, str] | None = None,
    accept: str | None = None,
    detail: str | None = None,
    code: ErrorCode = ErrorCode.BAD_REQUEST,
) -> Response:
    """A GraphQL response for a request to /graphql that no route takes (a method other than
    GET and POST) or that is refused before any route (`detail` says why), its Allow header
    kept, in the media type Accept asks for."""
    if detail is not None:
        message = detail
    elif status == 405:
        message = f"{method} is not allowed on {GRAPHQL_PATH}: use POST, or GET for queries."
    else:
        message = f"{method} {GRAPHQL_PATH} failed with HTTP status {status}."
    error = RequestError(status, message, code, headers=headers)
    body = json.dumps(error.body(), separators=(",", ":")).encode()
    media = http.content_type(http.response_media(accept), status)
    return Response(body, status, error.headers, media)


def install_graphql(app: FastAPI, settings: Settings) -> strawberry.Schema:
    """Mount the GraphQL endpoint and GraphiQL's assets on the app; returns the schema."""
    schema = build_schema(settings)
    # Not in /openapi.json: the schema (schema.graphql, GraphiQL) documents /graphql.
    router = JobgraphGraphQLRouter(schema, settings)
    app.include_router(router, prefix=GRAPHQL_PATH, include_in_schema=False)
    install_ide(app)
    return schema

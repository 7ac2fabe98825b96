"""Mounts /graphql: queries by POST or GET as GraphQL over HTTP (graphql/http.py), GraphiQL for
a browser's GET, subscriptions over WebSocket (graphql-transport-ws and the legacy graphql-ws)
and over HTTP (multipart/mixed and server-sent events), all authenticated alike."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

import strawberry
from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.responses import HTMLResponse
from graphql import GraphQLError, get_operation_ast, parse
from graphql.language.ast import OperationType as OperationKind
from starlette.types import Scope as ASGIScope
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.fastapi import GraphQLRouter
from strawberry.http.streaming import MultipartSubscriptionTransport, SSETransport
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from jobgraph.auth.authenticate import authenticate_request, challenge
from jobgraph.auth.principal import AuthenticationError
from jobgraph.db import clock
from jobgraph.graphql import http
from jobgraph.graphql.context import Context, get_context
from jobgraph.graphql.errors import ErrorCode
from jobgraph.graphql.http import GraphQLRequest, RequestError
from jobgraph.graphql.ide import graphiql_html, install_ide
from jobgraph.graphql.schema import build_schema
from jobgraph.pages import html_page
from jobgraph.settings import Settings

GRAPHQL_PATH = "/graphql"
HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
PROTOCOLS = (
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
    GRAPHQL_SSE_PROTOCOL,
)
STREAMS = (MultipartSubscriptionTransport(), SSETransport())


def is_stream_request(scope: ASGIScope) -> bool:
    """Whether an HTTP request to /graphql asks for a subscription's stream (multipart/mixed
    with subscriptionSpec, or text/event-stream): it lasts as long as the subscription."""
    if scope["type"] != "http" or scope["path"].rstrip("/") != GRAPHQL_PATH:
        return False
    accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept"), "")
    return any(stream.accepts(accept) for stream in STREAMS)


class JobgraphGraphQLRouter(GraphQLRouter[Context, None]):
    """Strawberry's router, answering every HTTP request as a GraphQL-over-HTTP client expects:
    JSON GraphQL responses with the spec's status codes, even for a request that never reaches
    execution; GraphiQL (from our own static files) for a browser."""

    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        super().__init__(
            schema,
            context_getter=get_context,
            subscription_protocols=PROTOCOLS,
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.get_max_age = settings.graphql_get_max_age
        self.timeout_seconds = settings.request_timeout_seconds
        self.open_access = settings.auth_disabled

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A WebSocket's caller: its Authorization header, or `Authorization` in the
        connection_init payload (browsers cannot set headers on a WebSocket). Without a valid
        one the connection is refused (graphql-transport-ws closes it with 4403)."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        given = next(
            (v for k, v in params.items() if k.lower() == "authorization" and isinstance(v, str)),
            None,
        )
        if given is not None:
            try:
                assert context.request is not None  # Strawberry sets it on every context
                context.set_access(await authenticate_request(context.request.scope, given))
            except AuthenticationError as error:
                context.set_access(error)
        if isinstance(context.access, AuthenticationError):
            payload: dict[str, object] = {
                "message": context.access.message,
                "code": ErrorCode.UNAUTHENTICATED.value,
            }
            raise ConnectionRejectionError(payload)
        return cast(UnsetType, UNSET)  # acknowledged without a payload

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # GraphiQL's subscriptions: a WebSocket to this very host ('self' covers it in
        # CSP Level 3 browsers only, so it is named).
        host = request.headers.get("host", "")
        sockets = [f"ws://{host}", f"wss://{host}"] if HOST.fullmatch(host) else []
        return html_page(graphiql_html(GRAPHQL_PATH), {"Vary": "Accept"}, sockets)

    async def run(  # type: ignore[override]
        self, request: Request, context: Context = UNSET, root_value: None = UNSET
    ) -> Response:
        """One HTTP request, GET or POST (the only routes), to its response; a WebSocket
        and a subscription's HTTP stream go to Strawberry's own handling."""
        if isinstance(request, WebSocket):
            return await super().run(request, context, root_value)
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
            if not is_stream_request(request.scope):
                result = await self._execute(graphql_request, request.method, context)
            elif _is_subscription(graphql_request):
                return await super().run(request, context, root_value)
            else:  # the Deadline middleware let it pass as a possible stream: bound it here
                result = await self._execute_within_deadline(graphql_request, request, context)
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

    async def _execute_within_deadline(
        self, graphql_request: GraphQLRequest, request: Request, context: Context
    ) -> Any:
        seconds = self.timeout_seconds
        try:
            with clock.deadline_after(seconds):
                async with asyncio.timeout(seconds):
                    return await self._execute(graphql_request, request.method, context)
        except TimeoutError:
            message = (
                f"The request took longer than the {seconds:g} s this server allows; ask for less."
            )
            raise RequestError(504, message, ErrorCode.TIMEOUT) from None

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


def _is_subscription(request: GraphQLRequest) -> bool:
    """Whether the request runs a subscription (which streams); anything else is answered
    as JSON, whatever Accept prefers."""
    try:
        operation = get_operation_ast(parse(request.query), request.operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation == OperationKind.SUBSCRIPTION


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

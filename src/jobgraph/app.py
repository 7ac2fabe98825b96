"""create_app(settings): the ASGI application; its lifespan owns the engine."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from jobgraph import __version__
from jobgraph.assets import FAVICON_PATH, favicon
from jobgraph.auth.authenticate import Authenticator
from jobgraph.bounds import BodyLimit, Deadline, too_large_message
from jobgraph.db.engine import Database, DatabaseNotReadyError, make_database, make_engine
from jobgraph.db.raw import make_reader
from jobgraph.db.waker import ChangeWaker
from jobgraph.graphql.compiled.edge import CompiledGraphQLEdge
from jobgraph.graphql.compiled.service import CompiledGraphQL
from jobgraph.graphql.errors import ErrorCode
from jobgraph.graphql.router import GRAPHQL_PATH, install_graphql, is_stream_request, route_error
from jobgraph.rest import install_rest
from jobgraph.rest.docs import install_docs
from jobgraph.rest.edge import JOB_LIST_PATH, RestListEdge
from jobgraph.rest.jsend import RestError, failure, route_failure
from jobgraph.settings import Settings, load_settings
from jobgraph.shortcuts import has_origin

logger = logging.getLogger(__name__)


class JobgraphApp(FastAPI):
    """FastAPI, with one shortcut: a JSON query POSTed to /graphql by a client that is not a
    browser (no Origin header, so no CORS to answer) meets the compiled path before the
    middleware stack. Everything else, and whatever that path hands on, takes the full stack
    (once: other paths never enter the shortcut)."""

    edge: ASGIApp | None = None
    rest_edge: ASGIApp | None = None  # GET /api/v2/jobs, the same way (rest/edge.py)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not has_origin(scope):
            path = scope["path"]
            if path == GRAPHQL_PATH and self.edge is not None:
                scope["app"] = self
                await self.edge(scope, receive, send)
                return
            if path == JOB_LIST_PATH and scope["method"] == "GET" and self.rest_edge is not None:
                scope["app"] = self
                await self.rest_edge(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


async def answer_http_error(request: Request, error: Exception) -> Response:
    """A request that no route takes (unknown path, method not allowed, missing asset): a
    GraphQL response on /graphql, a JSend fail everywhere else, never `{"detail": ...}`."""
    assert isinstance(error, HTTPException)
    method, path = request.method, request.url.path
    headers = dict(error.headers or {})
    if error.status_code == 405:  # Starlette names the first route's methods only
        headers["Allow"] = _allowed_methods(request)
    if path.rstrip("/") == GRAPHQL_PATH:
        return route_error(method, error.status_code, headers, request.headers.get("accept"))
    return route_failure(method, path, error.status_code, str(error.detail), headers)


def refuse_body(scope: Scope, limit: int) -> Response:
    """The 413 for a body over the limit: a GraphQL response on /graphql, JSend elsewhere."""
    request = Request(scope)
    method, path, message = request.method, request.url.path, too_large_message(limit)
    if path.rstrip("/") == GRAPHQL_PATH:
        return route_error(method, 413, accept=request.headers.get("accept"), detail=message)
    return failure(RestError(413, message, {"body": f"at most {limit} bytes"}))


def answer_late(scope: Scope, seconds: float) -> Response:
    """The 504 for a request past its deadline: a GraphQL response with code TIMEOUT on
    /graphql, a JSend error elsewhere."""
    request = Request(scope)
    method, path = request.method, request.url.path
    message = f"The request took longer than the {seconds:g} s this server allows; ask for less."
    if path.rstrip("/") == GRAPHQL_PATH:
        accept = request.headers.get("accept")
        return route_error(method, 504, accept=accept, detail=message, code=ErrorCode.TIMEOUT)
    return failure(RestError(504, message))


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (asked of the routes themselves, as FastAPI
    nests included routers)."""
    allowed = []
    for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


class InsecureSettingsError(RuntimeError):
    """Settings that must not serve outside development mode."""


def check_settings(settings: Settings) -> None:
    """Raise InsecureSettingsError when the settings must not serve (Settings.insecure)."""
    problems = settings.insecure()
    if problems:
        raise InsecureSettingsError(
            "refusing to serve outside development mode: "
            + "; ".join(problems)
            + ". Set JOBGRAPH_RESULTS_SECRET to a random value of your own (for instance "
            "`openssl rand -hex 32`), or JOBGRAPH_DEVELOPMENT=true on your own machine only."
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The jobgraph app; refuses to start against a database that is not migrated, and
    outside development mode with the built-in secret or without authentication."""
    settings = settings or load_settings()
    check_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = settings.request_timeout_seconds
        engine = make_engine(
            settings.database_url, echo=settings.sql_echo, statement_timeout=timeout
        )
        db = make_database(engine)
        reader = make_reader(settings.database_url, settings.read_pool_size, timeout)
        # The change feed reads through an engine of its own: the waker's polls and the
        # subscribers' reads never take a request's connection.
        feed_db = make_database(make_engine(settings.database_url, echo=settings.sql_echo))
        waker = ChangeWaker(
            feed_db, settings.database_url, settings.change_poll_seconds, settings.max_subscriptions
        )
        try:
            await db.ensure_migrated()
            await waker.start()
            app.state.change_waker = waker
            app.state.db = db
            app.state.reader = reader
            app.state.authenticator = Authenticator(settings, db)
            if settings.auth_disabled:
                logger.warning(
                    "authentication is OFF (JOBGRAPH_AUTH_DISABLED): every caller reads every "
                    "project without a token; development mode only"
                )
            if settings.compiled_graphql:
                app.state.compiled_graphql = CompiledGraphQL(
                    schema, reader, settings, settings.document_cache_size
                )
            if settings.freeze_startup_heap:
                gc.collect()
                gc.freeze()
            yield
        finally:
            await waker.stop()
            await feed_db.dispose()
            await reader.close()
            await db.dispose()

    app = JobgraphApp(
        title="jobgraph",
        version=__version__,
        description="Quantum-computing jobs as a queryable graph, with a Pasqal Cloud "
        "compatible REST job list.",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, from vendored assets
        redoc_url=None,
        exception_handlers={HTTPException: answer_http_error},
    )
    app.state.settings = settings
    app.add_route(FAVICON_PATH, favicon, include_in_schema=False)

    @app.get(
        "/healthz", tags=["health"], summary="Whether the database answers, at the right schema"
    )
    async def healthz(request: Request) -> JSONResponse:
        db: Database = request.app.state.db
        try:
            await db.ensure_migrated()
        except DatabaseNotReadyError as error:
            logger.error("health check failed: %s", error)  # the details are the operator's
            return JSONResponse({"status": "unavailable", "reason": error.reason}, status_code=503)
        return JSONResponse({"status": "ok"})

    schema = install_graphql(app, settings)
    app.add_middleware(CompiledGraphQLEdge, path=GRAPHQL_PATH)
    # Inside CORS (a browser can read a 413 or 504), and in front of the shortcut past it.
    limit, seconds = settings.max_body_bytes, settings.request_timeout_seconds
    # The deadline counts from the first byte, so a body sent slowly is bounded too.
    app.add_middleware(BodyLimit, max_bytes=limit, refuse=refuse_body)
    # A subscription's HTTP stream lasts as long as the subscription: no deadline.
    app.add_middleware(Deadline, seconds=seconds, late=answer_late, exempt=is_stream_request)
    full_stack = super(JobgraphApp, app).__call__
    edge = CompiledGraphQLEdge(full_stack, GRAPHQL_PATH)
    app.edge = Deadline(
        BodyLimit(edge, limit, refuse_body), seconds, answer_late, exempt=is_stream_request
    )
    app.state.rest_list_edge = RestListEdge(full_stack)
    app.rest_edge = Deadline(
        BodyLimit(app.state.rest_list_edge, limit, refuse_body), seconds, answer_late
    )
    install_rest(app, settings)
    install_docs(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,  # never with "*" (settings.py)
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Content-Range"],
        )
    return app

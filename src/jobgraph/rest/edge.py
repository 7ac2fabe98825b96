"""The hot REST route, GET /api/v2/jobs, answered without FastAPI's per-request work (the
middleware stack, routing, solving dependencies) when it can be answered in full.

Anything else the route would have to explain (no valid token, a bad parameter, the database
not answering) goes on to the full stack unchanged, which answers it with its JSend failure:
the edge answers only what the route answers with a 200, and with the same bytes and headers.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from jobgraph.auth.authenticate import authenticate_request
from jobgraph.auth.principal import AuthenticationError
from jobgraph.db.raw import DATABASE_OUTAGES, RawReader
from jobgraph.query.spec import InvalidQueryError
from jobgraph.rest.jobs import job_list
from jobgraph.rest.params import InvalidParametersError
from jobgraph.shortcuts import skips_cors

JOB_LIST_PATH = "/api/v2/jobs"
EXPLAINED_BY_THE_ROUTE: tuple[type[Exception], ...] = (
    AuthenticationError,
    InvalidParametersError,
    InvalidQueryError,
    *DATABASE_OUTAGES,
)


class RestListEdge:
    """ASGI app for GET /api/v2/jobs: `app` is the full stack, for what this one hands on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answered = 0  # for tests: requests this edge answered itself

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reader: RawReader | None = getattr(scope["app"].state, "reader", None)
        if reader is None:  # no lifespan has opened the database: the route says what it says
            await self.app(scope, receive, send)
            return
        try:
            principal = await authenticate_request(scope)
            # As Starlette's request.query_params.multi_items() reads the query string.
            parameters = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            response = await job_list(reader, parameters, principal.scope)
        except EXPLAINED_BY_THE_ROUTE:
            await self.app(scope, receive, send)
            return
        if skips_cors(scope):
            response.headers["vary"] = "Origin"
        self.answered += 1
        await response(scope, receive, send)

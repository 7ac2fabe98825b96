"""The HTTP edge of the compiled path: a JSON POST to /graphql, answered without FastAPI's
per-request work when a plan can answer it; every other request goes on unchanged."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from jobgraph.auth.authenticate import authenticate_request
from jobgraph.auth.principal import AuthenticationError
from jobgraph.graphql import http
from jobgraph.graphql.compiled import values
from jobgraph.graphql.compiled.service import CompiledGraphQL
from jobgraph.shortcuts import VARY_ORIGIN, header, replay, skips_cors

MAX_BODY = 1 << 20  # larger bodies go to the reference path whole


class CompiledGraphQLEdge:
    """ASGI middleware in front of the app; `app.state.compiled_graphql` does the answering."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._candidate(scope):
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        answer = None
        service: CompiledGraphQL | None = getattr(scope["app"].state, "compiled_graphql", None)
        request = _request(body) if service is not None and not more else None
        if service is not None and request is not None:
            try:
                principal = await authenticate_request(scope)
            except AuthenticationError:
                pass  # the reference path answers the 401, from the outcome kept in the scope
            else:
                answer = await service.answer(*request, principal.scope)
        if answer is None:
            await self.app(scope, replay(body, receive, more=more), send)
            return
        payload = orjson.dumps(answer, option=values.RESPONSE_OPTIONS)
        media = http.content_type(http.response_media(header(scope, b"accept")), 200)
        headers = [
            (b"content-type", media.encode("latin-1")),
            (b"content-length", str(len(payload)).encode()),
        ]
        if skips_cors(scope):
            headers.append(VARY_ORIGIN)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _candidate(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            return False
        media = header(scope, b"content-type") or ""
        return media.split(";", 1)[0].strip().lower() == http.JSON  # as http.read_post reads it


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, and whether more follows (a body over MAX_BODY is left unread)."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more and size <= MAX_BODY:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = bool(message.get("more_body", False))
    return b"".join(chunks), more


def _request(body: bytes) -> tuple[str, dict[str, Any] | None, str | None] | None:
    """(query, variables, operationName) of a well-formed single request, else None; what
    http.read_post refuses is refused here too, so the reference path explains it."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    query, variables, name = (
        parsed.get("query"),
        parsed.get("variables"),
        parsed.get("operationName"),
    )
    if not isinstance(query, str) or not isinstance(variables, dict | None):
        return None
    if not isinstance(name, str | None) or not isinstance(parsed.get("extensions"), dict | None):
        return None
    return query, variables, name or None  # "" is no name, as on the reference path

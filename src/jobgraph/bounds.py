"""What one request may cost before any route or the compiled path sees it: a body over the
size limit is refused with a 413, never held in memory or parsed; a request still running at
its deadline is cancelled and answered with a 504."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jobgraph.db import clock
from jobgraph.shortcuts import replay

logger = logging.getLogger(__name__)

Refusal = Callable[[Scope, int], Response]
LateAnswer = Callable[[Scope, float], Response]


class BodyLimit:
    """ASGI middleware: the body of every HTTP request, declared (Content-Length) or chunked,
    is read up to `max_bytes`; past that, `refuse(scope, max_bytes)` answers and the rest of
    the body is left unread (the connection is closed after the answer)."""

    def __init__(self, app: ASGIApp, max_bytes: int, refuse: Refusal) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: there is no one to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.refuse(scope, self.max_bytes)
        response.headers["connection"] = "close"  # the unread rest of the body ends here
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def too_large_message(limit: int) -> str:
    return f"The request body is larger than the {limit:,} bytes this server accepts."


class Deadline:
    """ASGI middleware: each HTTP request gets `seconds` from its start (clock.deadline_after,
    which the database reads honour); past that its task is cancelled and `late(scope,
    seconds)` answers, unless the answer had already begun (then the connection is cut).
    A request already under a deadline (the compiled path handing over to the reference)
    keeps it."""

    def __init__(
        self,
        app: ASGIApp,
        seconds: float,
        late: LateAnswer,
        exempt: Callable[[Scope], bool] = lambda _scope: False,
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.late = late
        self.exempt = exempt  # requests that take no deadline (a subscription's stream)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or clock.deadline() is not None or self.exempt(scope):
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            with clock.deadline_after(self.seconds):
                async with asyncio.timeout(self.seconds):
                    await self.app(scope, receive, watched)
        except TimeoutError:
            logger.warning(
                "%s %s stopped at its %s s deadline", scope["method"], scope["path"], self.seconds
            )
            if not started:
                await self.late(scope, self.seconds)(scope, receive, send)

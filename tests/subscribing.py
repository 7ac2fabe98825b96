"""A small GraphQL-over-WebSocket client for the subscription tests (both protocols)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

JOB_CHANGES = """subscription($filter: JobFilter, $after: String) {
  jobChanges(filter: $filter, after: $after) { cursor operation job { id status projectId } }
}"""
BATCH_CHANGES = """subscription($after: String) {
  batchChanges(after: $after) { cursor operation batch { id status } }
}"""
WAIT_SECONDS = 60  # an upper bound for a hung server, never what a test measures


class Subscriber:
    """One WebSocket connection; `subscribe` starts an operation, `take` reads its events."""

    def __init__(self, socket: ClientConnection, protocol: str) -> None:
        self.socket = socket
        self.legacy = protocol == "graphql-ws"
        self._ids = 0

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        key = str(self._ids)
        kind = "start" if self.legacy else "subscribe"
        payload = {"query": query, "variables": variables or {}}
        await self.socket.send(json.dumps({"id": key, "type": kind, "payload": payload}))
        return key

    async def message(self) -> dict[str, Any]:
        while True:
            found: dict[str, Any] = json.loads(
                await asyncio.wait_for(self.socket.recv(), WAIT_SECONDS)
            )
            if found["type"] not in ("ka", "ping", "pong"):
                return found

    async def take(self, count: int, field: str = "jobChanges") -> list[dict[str, Any]]:
        """The next `count` changes; fails on any other message."""
        events: list[dict[str, Any]] = []
        while len(events) < count:
            found = await self.message()
            assert found["type"] in ("next", "data"), found
            assert "errors" not in found["payload"], found
            events.append(found["payload"]["data"][field])
        return events


@asynccontextmanager
async def subscriber(
    base_url: str, protocol: str = "graphql-transport-ws", payload: dict[str, Any] | None = None
) -> AsyncIterator[Subscriber]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[protocol], max_size=None) as socket:  # type: ignore[list-item]
        init: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            init["payload"] = payload
        await socket.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(socket.recv(), WAIT_SECONDS))
        assert ack["type"] == "connection_ack", ack
        yield Subscriber(socket, protocol)

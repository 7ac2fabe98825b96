"""One database served twice: with the compiled GraphQL path and without it (the reference)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from jobgraph.app import create_app
from jobgraph.settings import Settings
from tests.conftest import open_settings

JSON = {"content-type": "application/json"}


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


def path_settings(database_url: str, *, compiled: bool) -> Settings:
    return open_settings(database_url, compiled_graphql=compiled)


@asynccontextmanager
async def two_paths(database_url: str) -> AsyncIterator[tuple[FastAPI, AsyncClient, AsyncClient]]:
    """The compiled app, its client, and a client of the reference app."""
    async with (
        serving(path_settings(database_url, compiled=True)) as (app, compiled),
        serving(path_settings(database_url, compiled=False)) as (_, reference),
    ):
        yield app, compiled, reference


def body_of(query: str, variables: dict[str, Any] | None = None) -> bytes:
    """A POST body as a client writes it: JSON with non-ASCII (lone surrogates too) escaped."""
    return json.dumps({"query": query, "variables": variables or {}}).encode()

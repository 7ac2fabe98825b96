"""Test databases: a fresh SQLite file per test, and a throwaway PostgreSQL database per run."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "JOBGRAPH_TEST_DATABASE_URL"
TABLES = ("job_result", "job", "batch", "project")


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def throwaway_postgres_database(server_url: str) -> Iterator[str]:
    """Create an empty database beside the one in server_url; drop it afterwards."""
    name = f"jobgraph_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def empty_tables(url: str) -> None:
    await _admin(url, f"TRUNCATE {', '.join(TABLES)} CASCADE")

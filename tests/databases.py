"""Test databases: SQLite files copied from one migrated template, and a throwaway PostgreSQL
database per run, emptied before each test."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import Table, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from jobgraph.db.bulk import CHUNK_SIZE, upsert_statement
from jobgraph.db.engine import Database
from jobgraph.db.migrate import upgrade

POSTGRES_URL_VARIABLE = "JOBGRAPH_TEST_DATABASE_URL"
TABLES = (
    "api_token_project",
    "api_token",
    "project_member",
    "job_result",
    "job",
    "batch",
    "project",
    "change_log",  # last: the deletes above log changes
)
# Above this many jobs, TRUNCATE (a constant ~0.1 s: new files for 4 tables and their indexes)
# beats DELETE and leaves no dead rows behind; below it, DELETE takes a few milliseconds.
TRUNCATE_FROM_JOBS = 2_000


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def migrated_sqlite_template(path: Path) -> Path:
    """Migrate a SQLite file to head and fold its WAL into it, so a plain file copy is complete.

    The file stays in WAL mode (as every file jobgraph migrates is); its copies open the same way.
    """
    upgrade(sqlite_url(path))
    with closing(sqlite3.connect(path)) as connection:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError(f"could not checkpoint the template database {path}")
    # The last connection to close removes the WAL and shared-memory files.
    leftovers = [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    if leftovers:
        raise RuntimeError(f"the template database left {leftovers} behind; a copy would be stale")
    return path


def copy_sqlite_database(template: Path, target: Path) -> str:
    """A fresh, migrated database file at target, copied from the template; its URL.

    A file already there goes first, with its WAL and shared-memory files: the copy is a new
    file, which nothing a previous test left open can see or write to."""
    for old in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        old.unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return sqlite_url(target)


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


async def empty_tables(db: Database) -> None:
    """Remove every row a test may have left, and leave job_total at 0 as on a new database.

    The foreign keys are deferred, so the DELETEs may run in any order within the transaction.
    The job_total triggers follow DELETE and TRUNCATE alike; the reset only makes sure a test
    that left the total wrong cannot pass that on.
    """
    async with db.write() as connection:
        count = text(f"SELECT count(*) FROM (SELECT FROM job LIMIT {TRUNCATE_FROM_JOBS}) AS j")
        if (await connection.execute(count)).scalar_one() >= TRUNCATE_FROM_JOBS:
            await connection.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        else:
            for table in TABLES:
                await connection.execute(text(f"DELETE FROM {table}"))
        await connection.execute(text("UPDATE job_total SET total = 0"))
        await connection.execute(text("UPDATE change_log_horizon SET xid = 0, seq = 0"))


async def upsert_rows(
    connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Upsert rows (dicts with every column) by primary key through SQLAlchemy, in chunks: the
    plain path the bulk writer is compared with, inside the caller's transaction."""
    statement = upsert_statement(connection.dialect.name, table)
    for start in range(0, len(rows), CHUNK_SIZE):
        await connection.execute(statement, list(rows[start : start + CHUNK_SIZE]))

"""The async engine, the Database handle the rest of the code reads through, and schema checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from jobgraph.db import clock, migrate


def milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class DatabaseNotReadyError(RuntimeError):
    """The database is missing, unreachable or not migrated to the code's schema; `reason`
    says which in a few words, the message says it all (for the operator)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    name = str(parsed.database)
    if parsed.query.get("uri") == "true" and name.startswith("file:"):
        return Path(unquote(name.removeprefix("file:")))
    return Path(name)


def _existing_only(url: str, path: Path) -> str:
    """The URL opening `path` read-write without ever creating it (SQLite's mode=rw): a file
    moved away while serving is an outage, never a new empty database at the same path."""
    uri = f"file:{quote(str(path.resolve()))}"
    return (
        make_url(url)
        .set(database=uri, query={"mode": "rw", "uri": "true"})
        .render_as_string(hide_password=False)
    )


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA mmap_size=1073741824")  # reads share the OS page cache
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def make_engine(
    url: str, *, echo: bool = False, create: bool = False, statement_timeout: float | None = None
) -> AsyncEngine:
    """An async engine for sqlite+aiosqlite or postgresql+asyncpg URLs. A SQLite file is
    created (with its folder) only when `create` is true, as `jobgraph migrate` asks. With a
    `statement_timeout` (seconds), PostgreSQL stops any statement that runs longer."""
    backend = make_url(url).get_backend_name()
    path = sqlite_file(url)
    if path is not None and create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path is not None:
        url = _existing_only(url, path)
    options: dict[str, Any] = {"echo": echo}
    if backend == "postgresql":
        options |= {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}
        if statement_timeout is not None:
            settings = {"statement_timeout": str(milliseconds(statement_timeout))}
            options["connect_args"] = {"server_settings": settings}
    elif backend == "sqlite" and make_url(url).database not in (None, "", ":memory:"):
        # Connections are cheap to keep and costly to open (pragmas, a cold page cache).
        options |= {"pool_size": 10, "max_overflow": 20}
    engine = create_async_engine(url, **options)
    if backend == "sqlite":
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
    return engine


def _interrupt(driver: Any) -> None:
    """Interrupt what an aiosqlite connection runs, now: its interrupt() is a coroutine whose
    body (sqlite3's thread-safe interrupt) is all synchronous, so it is stepped here rather
    than scheduled, and cannot reach a statement of whoever takes the connection next."""
    step = driver.interrupt()
    with suppress(StopIteration):
        step.send(None)


class Database:
    """An engine plus short units of work: each read opens and closes its own connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; under a request's deadline (db/clock.py) a SQLite statement
        still running when it passes is interrupted (PostgreSQL's statement_timeout and the
        cancelled task stop theirs)."""
        async with self.engine.connect() as connection:
            left = clock.remaining()
            if left is None or self.dialect != "sqlite":
                yield connection
                return
            raw = await connection.get_raw_connection()
            timer = asyncio.get_running_loop().call_later(left, _interrupt, raw.driver_connection)
            try:
                yield connection
            finally:
                timer.cancel()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self.engine.begin() as connection:
            yield connection

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def refresh_statistics(self) -> None:
        """After bulk writes: fresh planner statistics, and on PostgreSQL a visibility map
        that lets counts read indexes alone (VACUUM cannot run inside a transaction)."""
        async with self.engine.connect() as connection:
            if self.dialect == "postgresql":
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM (ANALYZE) project, batch, job, job_result"))
            else:
                await connection.execute(text("ANALYZE"))
                await connection.commit()

    async def ensure_migrated(self) -> None:
        """Raise DatabaseNotReadyError unless the schema is at the code's latest revision."""
        url = self.engine.url
        path = sqlite_file(url.render_as_string(hide_password=False))
        if path is not None and not path.exists():
            raise DatabaseNotReadyError(
                f"the database file {path} does not exist. Run `jobgraph migrate` first.",
                "database file missing",
            )
        try:
            async with self.engine.connect() as connection:
                current = await connection.run_sync(migrate.current_revision)
        except (SQLAlchemyError, OSError) as error:
            raise DatabaseNotReadyError(
                f"cannot reach the database: {error}. Check JOBGRAPH_DATABASE_URL.",
                "database unreachable",
            ) from error
        head = migrate.head_revision()
        if current != head:
            state = "empty (never migrated)" if current is None else f"at revision {current}"
            raise DatabaseNotReadyError(
                f"the database schema is {state}, but this jobgraph needs revision {head}. "
                "Run `jobgraph migrate` first.",
                "database schema not at the expected revision",
            )

    async def dispose(self) -> None:
        await self.engine.dispose()


def make_database(engine: AsyncEngine) -> Database:
    return Database(engine)

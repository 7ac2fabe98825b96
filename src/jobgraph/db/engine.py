"""The async engine, the Database handle the rest of the code reads through, and schema checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from jobgraph.db import migrate


class DatabaseNotReadyError(RuntimeError):
    """The database is missing, unreachable or not migrated to the code's schema."""


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)


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


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for sqlite+aiosqlite or postgresql+asyncpg URLs."""
    _ensure_sqlite_folder(url)
    backend = make_url(url).get_backend_name()
    options: dict[str, Any] = {"echo": echo}
    if backend == "postgresql":
        options |= {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}
    elif backend == "sqlite" and make_url(url).database not in (None, "", ":memory:"):
        # Connections are cheap to keep and costly to open (pragmas, a cold page cache).
        options |= {"pool_size": 10, "max_overflow": 20}
    engine = create_async_engine(url, **options)
    if backend == "sqlite":
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
    return engine


class Database:
    """An engine plus short units of work: each read opens and closes its own connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as connection:
            yield connection

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
        try:
            async with self.engine.connect() as connection:
                current = await connection.run_sync(migrate.current_revision)
        except (SQLAlchemyError, OSError) as error:
            raise DatabaseNotReadyError(
                f"cannot reach the database: {error}. Check JOBGRAPH_DATABASE_URL."
            ) from error
        head = migrate.head_revision()
        if current != head:
            state = "empty (never migrated)" if current is None else f"at revision {current}"
            raise DatabaseNotReadyError(
                f"the database schema is {state}, but this jobgraph needs revision {head}. "
                "Run `jobgraph migrate` first."
            )

    async def dispose(self) -> None:
        await self.engine.dispose()


def make_database(engine: AsyncEngine) -> Database:
    return Database(engine)

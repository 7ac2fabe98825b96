"""Reads straight on the driver: SQL compiled once per shape, no ORM, no transaction per read.

The compiled GraphQL path reads through this. PostgreSQL uses an asyncpg pool, whose prepared
statement cache then skips parsing and planning too; SQLite uses read-only connections kept
open on a few threads, so a read never creates or writes the database file.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast
from urllib.parse import quote

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import Executable

from jobgraph.db import clock

VALUE_PREFIX = "v"  # bound parameters named v0, v1, ... take the read's values in order
COMPILED_STATEMENTS = 4096

RawRow = Sequence[Any]


class ReadFailedError(RuntimeError):
    """The database did not answer a read (unreachable, gone away, or refused it)."""


DATABASE_OUTAGES: tuple[type[Exception], ...] = (SQLAlchemyError, OSError, ReadFailedError)
"""What the database not answering looks like, from the engine or the raw reader: the
adapters answer these with their outage error (GraphQL's error, REST's 503) without knowing
the driver's or SQLAlchemy's exceptions."""


# A pooled PostgreSQL connection found dead (the server ended it: pg_terminate_backend, a
# restart, an idle timeout). Reads change nothing, so a retry on a fresh connection is safe;
# the dead one is closed first. A few tries, since connections are often ended together and
# the next one may go the same way. A database that is down fails every try at once.
READ_TRIES = 3
Answer = TypeVar("Answer")
LOST_CONNECTION = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # asyncpg's own state after the server closed mid-statement
    ConnectionError,
)
BROKEN_CONNECTION = (*LOST_CONNECTION, asyncpg.PostgresConnectionError)
DRIVER_ERRORS = (*LOST_CONNECTION, asyncpg.PostgresError, sqlite3.Error, OSError)


class Statement(Protocol):
    """A read: its shape keys the compiled SQL, its values fill the v<index> parameters."""

    @property
    def shape(self) -> Hashable: ...

    @property
    def values(self) -> list[Any]: ...

    def build(self, dialect: str) -> Executable: ...


# Where a positional parameter's value comes from: the read's value at an index, or an item of
# that value (a list expanded into one parameter per item, as SQLite needs).
Source = int | tuple[int, int] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per positional parameter: its source (None for a constant), the constant, and the type's
    # bind processor.
    slots: tuple[tuple[Source, Any, Callable[[Any], Any] | None], ...]

    def arguments(self, values: Sequence[Any]) -> list[Any]:
        found = []
        for source, constant, process in self.slots:
            if source is None:
                value = constant
            elif isinstance(source, tuple):
                value = values[source[0]][source[1]]
            else:
                value = values[source]
            found.append(value if process is None else process(value))
        return found


def _compile(statement: Executable, dialect: Dialect, values: Sequence[Any]) -> _Compiled:
    """The SQL of a statement whose parameters v<i> take the read's values; a list value of an
    expanding parameter becomes one parameter per item (its length is part of the shape)."""
    compiled: Any = cast(Any, statement).compile(dialect=dialect)
    names: list[str] = list(compiled.positiontup or ())
    holes: dict[str, Any] = {}
    expanding = {bind.key for bind in compiled.binds.values() if bind.expanding}
    for name in (*names, *expanding):
        index = _value_index(name)
        if index is not None:
            holes[name] = [None] * len(values[index]) if name in expanding else None
    state = compiled.construct_expanded_state(holes)
    constants = compiled.construct_params(holes)
    processors = {**compiled._bind_processors, **state.processors}  # as the engine applies them
    slots = tuple(
        (_source(name, expanding), constants.get(name), processors.get(name))
        for name in state.positiontup or ()
    )
    return _Compiled(state.statement, slots)


def _value_index(name: str) -> int | None:
    rest = name[len(VALUE_PREFIX) :]
    return int(rest) if name.startswith(VALUE_PREFIX) and rest.isdigit() else None


def _source(name: str, expanding: set[str]) -> Source:
    """v3 is value 3; v3_2 (SQLAlchemy's name for the 2nd item of expanding v3) is its item 1."""
    index = _value_index(name)
    if index is not None:
        return index
    base, _, item = name.rpartition("_")
    if base in expanding and item.isdigit() and (found := _value_index(base)) is not None:
        return (found, int(item) - 1)
    return None


class RawReader:
    """Runs Statements on the driver and returns rows as driver values."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect: Any = dialect
        self._compiled: OrderedDict[Hashable, _Compiled] = OrderedDict()
        self.listeners: list[Callable[[str], None]] = []  # told each SQL text sent, as tests count

    @property
    def dialect(self) -> str:
        return str(self._dialect.name)

    def _prepare(self, statement: Statement) -> tuple[str, list[Any]]:
        compiled = self._compiled.get(statement.shape)
        if compiled is None:
            compiled = _compile(statement.build(self.dialect), self._dialect, statement.values)
            self._compiled[statement.shape] = compiled
            if len(self._compiled) > COMPILED_STATEMENTS:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(statement.shape)
        return compiled.sql, compiled.arguments(statement.values)

    def _sent(self, sql: str) -> None:
        for listener in self.listeners:
            listener(sql)

    async def fetch(self, statement: Statement) -> list[RawRow]:
        """The statement's rows; ReadFailedError when the database does not answer."""
        return await self._tried(lambda: self._fetch(statement))

    async def fetch_with_count(
        self, page: Statement, count: Statement, needs_count: Callable[[list[RawRow]], bool]
    ) -> tuple[list[RawRow], int | None]:
        """A page and, when `needs_count(rows)`, the count, both read in one snapshot."""
        return await self._tried(lambda: self._fetch_with_count(page, count, needs_count))

    async def _tried(self, read: Callable[[], Awaitable[Answer]]) -> Answer:
        """The read's answer, tried again on a connection the server closed."""
        try:
            for _ in range(READ_TRIES - 1):
                try:
                    return await read()
                except LOST_CONNECTION:
                    continue
            return await read()
        except DRIVER_ERRORS as error:
            raise ReadFailedError(str(error)) from error

    async def _fetch(self, statement: Statement) -> list[RawRow]:
        raise NotImplementedError

    async def _fetch_with_count(
        self, page: Statement, count: Statement, needs_count: Callable[[list[RawRow]], bool]
    ) -> tuple[list[RawRow], int | None]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """Reads change no session state, so a released connection needs no RESET round trip."""


class PostgresReader(RawReader):
    def __init__(self, url: str, pool_size: int, statement_timeout: float | None = None) -> None:
        super().__init__(PGDialect_asyncpg())  # type: ignore[no-untyped-call]
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._pool_size = pool_size
        self._server_settings = (
            {}
            if statement_timeout is None
            else {"statement_timeout": str(max(1, round(statement_timeout * 1000)))}
        )
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _get_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=1,
                        max_size=self._pool_size,
                        reset=_keep_session,
                        statement_cache_size=1024,
                        server_settings=self._server_settings,
                    )
        return self._pool

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection. When one fails because the server ended it, the others were
        likely ended too (a restart, pg_terminate_backend): each is replaced before its next
        use, as asyncpg may keep a dead connection in a state no statement can run in."""
        pool = await self._get_pool()
        async with pool.acquire() as connection:
            try:
                yield connection
            except BROKEN_CONNECTION:
                connection.terminate()
                await pool.expire_connections()
                raise

    async def _fetch(self, statement: Statement) -> list[RawRow]:
        sql, arguments = self._prepare(statement)
        self._sent(sql)
        async with self._connection() as connection:
            rows: list[RawRow] = await connection.fetch(sql, *arguments)
        return rows

    async def _fetch_with_count(
        self, page: Statement, count: Statement, needs_count: Callable[[list[RawRow]], bool]
    ) -> tuple[list[RawRow], int | None]:
        page_sql, page_arguments = self._prepare(page)
        async with (
            self._connection() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            self._sent(page_sql)
            rows: list[RawRow] = await connection.fetch(page_sql, *page_arguments)
            if not needs_count(rows):
                return rows, None
            count_sql, count_arguments = self._prepare(count)
            self._sent(count_sql)
            return rows, int(await connection.fetchval(count_sql, *count_arguments))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


class SQLiteReader(RawReader):
    def __init__(self, path: str, threads: int) -> None:
        super().__init__(SQLiteDialect_pysqlite())
        self._uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="jobgraph-read")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            for pragma in ("busy_timeout=10000", "cache_size=-32768", "mmap_size=1073741824"):
                connection.execute(f"PRAGMA {pragma}")
            self._local.connection = connection
            self._connections.append(connection)
        return connection

    def _connection_until(self, at: float | None) -> sqlite3.Connection:
        """This thread's connection, set to stop a statement still running at `at` (the
        request's deadline: the awaiting task is cancelled then, but a thread is not)."""
        connection = self._connection()
        stop = None if at is None else clock.sqlite_stopper(at)
        connection.set_progress_handler(stop, clock.SQLITE_PROGRESS_STEPS)
        return connection

    def _run(self, sql: str, arguments: list[Any], at: float | None) -> list[RawRow]:
        self._sent(sql)
        return self._connection_until(at).execute(sql, arguments).fetchall()

    async def _fetch(self, statement: Statement) -> list[RawRow]:
        sql, arguments = self._prepare(statement)
        loop = asyncio.get_running_loop()
        at = clock.deadline()
        return await loop.run_in_executor(self._executor, self._run, sql, arguments, at)

    async def _fetch_with_count(
        self, page: Statement, count: Statement, needs_count: Callable[[list[RawRow]], bool]
    ) -> tuple[list[RawRow], int | None]:
        page_read, count_read = self._prepare(page), self._prepare(count)
        at = clock.deadline()

        def run() -> tuple[list[RawRow], int | None]:
            connection = self._connection_until(at)
            connection.execute("BEGIN")  # one snapshot for both reads
            try:
                self._sent(page_read[0])
                rows = connection.execute(*page_read).fetchall()
                if not needs_count(rows):
                    return rows, None
                self._sent(count_read[0])
                return rows, int(connection.execute(*count_read).fetchone()[0])
            finally:
                connection.execute("COMMIT")

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, run)

    async def close(self) -> None:
        self._executor.shutdown(wait=True)
        for connection in self._connections:
            connection.close()


def _sqlite_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def same(value: Any) -> Any:
    """A driver's value as it is (the conversion of values that need none)."""
    return value


def time_reader(dialect: str) -> Callable[[Any], Any]:
    """A time column's driver value as the aware UTC datetime the models hold."""
    return _sqlite_time if dialect == "sqlite" else same


def _sqlite_time_text(value: Any) -> Any:
    """SQLite's stored UTC text (2024-01-02 03:04:05.678900) as isoformat() writes it."""
    if value is None:
        return None
    if len(value) != 26:  # not the fixed-width form: read it the long way
        return _sqlite_time(value).isoformat()  # type: ignore[union-attr]
    text: str = value[:19] if value.endswith(".000000") else value
    return text.replace(" ", "T", 1) + "+00:00"


def time_wire(dialect: str) -> Callable[[Any], Any]:
    """A time column's driver value as something orjson writes exactly as the aware UTC
    datetime's isoformat(): PostgreSQL's datetimes as they are, SQLite's text rewritten."""
    return _sqlite_time_text if dialect == "sqlite" else same


def make_reader(url: str, pool_size: int, statement_timeout: float | None = None) -> RawReader:
    """The reader for a sqlite+aiosqlite or postgresql+asyncpg URL; PostgreSQL stops any of
    its statements that runs longer than `statement_timeout` seconds."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return PostgresReader(url, pool_size, statement_timeout)
    return SQLiteReader(str(parsed.database), threads=min(pool_size, 4))

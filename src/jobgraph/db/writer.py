"""Fast bulk upserts on the raw driver connection, inside one all-or-nothing transaction.

SQLite: pre-converted tuples through the driver's executemany, foreign-key checks off for
the import's own connection (the importer checks references itself), a larger page cache,
and, when the import is large next to the table, the job indexes dropped and rebuilt from
the table metadata inside the same transaction. PostgreSQL: COPY into a temporary table,
then INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Column, Connection, Index, MetaData, Table, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from jobgraph.db import models
from jobgraph.db.bulk import TABLES, upsert_statement
from jobgraph.db.convert import RowEncoder
from jobgraph.db.engine import Database

# Page cache of the import's connection only. With the job indexes in place (an import small
# next to the table), writing 1M jobs costs 26 us a row with 256 MiB, 24 with 512 MiB.
BULK_CACHE_KIB = 524_288


def _drop_index(connection: Connection, index: Index) -> None:
    index.drop(connection)


def _create_index(connection: Connection, index: Index) -> None:
    index.create(connection)


@asynccontextmanager
async def bulk_transaction(db: Database) -> AsyncIterator[AsyncConnection]:
    """One transaction on one connection, tuned for bulk writes; rolled back if it raises.

    On SQLite the connection's foreign-key checks are off for the transaction (the PRAGMA
    cannot change inside one) and back on before the connection returns to the pool.
    """
    async with db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            async with connection.begin():
                yield connection
            return
        result = await connection.exec_driver_sql("PRAGMA cache_size")
        cache_size = int(result.scalar_one())  # restored as the engine set it
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        await connection.commit()
        try:
            async with connection.begin():
                # pysqlite only opens a transaction before DML; DDL (index drops) must be in it.
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        finally:
            try:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.exec_driver_sql(f"PRAGMA cache_size={cache_size}")
                await connection.commit()
            except Exception:
                await connection.invalidate()  # never pool a connection without FK checks
                raise


class BulkWriter:
    """Upserts row dicts of the four tables by primary key within the caller's transaction.

    Call `finish()` once every row is written (it rebuilds dropped indexes).
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.drivername = connection.engine.url.drivername  # helper processes encode with it
        self.encoders = {table.name: RowEncoder(table, self.dialect) for table in TABLES}
        self._driver: Any = None
        self._sqlite_sql: dict[str, str] = {}
        self._temp: dict[str, Table] = {}
        self._dropped: list[Index] = []

    async def _driver_connection(self) -> Any:
        if self._driver is None:
            raw = await self.connection.get_raw_connection()
            self._driver = raw.driver_connection
        return self._driver

    async def drop_job_indexes(self, incoming_jobs: int | None = None) -> bool:
        """On SQLite, drop the job table's secondary indexes; `finish()` rebuilds them from the
        table metadata in the same transaction. Given `incoming_jobs`, only when they are at
        least half as many as the stored jobs: updating ten indexes row by row costs about 15 us
        a row, rebuilding them about 11.5 us per row of the whole table (1M jobs, SQLite 3.40).
        Returns whether they were dropped."""
        if self.dialect.name != "sqlite" or self._dropped:
            return False
        table = models.job_table
        if incoming_jobs is not None:
            result = await self.connection.execute(select(func.count()).select_from(table))
            if 2 * incoming_jobs < int(result.scalar_one()):
                return False
        self._dropped = sorted(table.indexes, key=lambda index: str(index.name))
        for index in self._dropped:
            await self.connection.run_sync(_drop_index, index)
        return True

    async def upsert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or replace `rows` (dicts with every column) by primary key."""
        if rows:
            await self.upsert_encoded(table, self.encoders[table.name].encode(rows))

    async def upsert_encoded(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert or replace rows already encoded by this dialect's RowEncoder for `table`."""
        if not rows:
            return
        if self.dialect.name == "sqlite":
            await self._upsert_sqlite(table, rows)
        else:
            await self._upsert_postgresql(table, rows)

    async def _upsert_sqlite(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        encoder = self.encoders[table.name]
        sql = self._sqlite_sql.get(table.name)
        if sql is None:
            compiled = upsert_statement("sqlite", table).compile(
                dialect=self.dialect, column_keys=encoder.names
            )
            if list(compiled.positiontup or ()) != encoder.names:
                raise RuntimeError(f"unexpected parameter order for {table.name}")
            self._sqlite_sql[table.name] = sql = compiled.string
        driver = await self._driver_connection()
        await driver.executemany(sql, rows)

    async def _upsert_postgresql(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        encoder = self.encoders[table.name]
        key = next(iter(table.primary_key.columns)).name
        at = encoder.position(key)
        latest = {row[at]: row for row in rows}  # one statement may touch a row only once
        temp = self._temp.get(table.name)
        if temp is None:
            temp = Table(
                f"bulk_{table.name}",
                MetaData(),
                *(Column(column.name, column.type) for column in table.columns),
                prefixes=["TEMPORARY"],
                postgresql_on_commit="DROP",
            )
            await self.connection.run_sync(temp.create)
            self._temp[table.name] = temp
        driver = await self._driver_connection()
        await driver.copy_records_to_table(
            temp.name, records=list(latest.values()), columns=encoder.names
        )
        statement = postgresql.insert(table).from_select(encoder.names, select(temp))
        upsert = statement.on_conflict_do_update(
            index_elements=[key],
            set_={name: statement.excluded[name] for name in encoder.names if name != key},
        )
        await self.connection.execute(upsert)
        # TRUNCATE, not DELETE: a temporary table is never vacuumed, so deleted rows would pile
        # up and every later INSERT ... SELECT would scan them again.
        await self.connection.exec_driver_sql(f'TRUNCATE "{temp.name}"')

    @property
    def rebuilds_indexes(self) -> bool:
        """Whether `finish()` has dropped indexes to rebuild."""
        return bool(self._dropped)

    async def finish(self) -> None:
        """Rebuild the indexes dropped for the import, from the table metadata."""
        for index in self._dropped:
            await self.connection.run_sync(_create_index, index)
        self._dropped = []

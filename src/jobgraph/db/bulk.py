"""Bulk writes for the importer and the seeder: chunked upserts through the Core tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from jobgraph.db import models
from jobgraph.db.chunks import distinct_chunks
from jobgraph.db.convert import RowEncoder, dialect_named
from jobgraph.db.engine import Database

CHUNK_SIZE = 2000
LOOKUP_CHUNK = 500

TABLES: tuple[Table, ...] = (
    models.project_table,
    models.batch_table,
    models.job_table,
    models.job_result_table,
)


@cache
def row_encoders(drivername: str) -> dict[str, RowEncoder]:
    """An encoder per table for rows that hold every column, made once per process."""
    dialect = dialect_named(drivername)
    return {table.name: RowEncoder(table, dialect) for table in TABLES}


def _insert(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database dialect {dialect!r}")


def upsert_statement(dialect: str, table: Table) -> Insert:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE every other column from the new row."""
    statement = _insert(dialect, table)
    keys = [column.name for column in table.primary_key.columns]
    updates = {
        column.name: statement.excluded[column.name]
        for column in table.columns
        if column.name not in keys
    }
    upsert: Insert = statement.on_conflict_do_update(index_elements=keys, set_=updates)
    return upsert


def insert_missing_statement(dialect: str, table: Table) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING: existing rows are left exactly as they are."""
    insert_missing: Insert = _insert(dialect, table).on_conflict_do_nothing()
    return insert_missing


async def insert_missing_rows(
    connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert the rows whose primary key is absent; never touch rows already stored."""
    if not rows:
        return
    statement = insert_missing_statement(connection.dialect.name, table)
    for start in range(0, len(rows), CHUNK_SIZE):
        await connection.execute(statement, list(rows[start : start + CHUNK_SIZE]))


async def existing_ids(connection: AsyncConnection, table: Table, ids: Iterable[str]) -> set[str]:
    """The subset of `ids` stored in `table` (as seen inside the current transaction)."""
    return set(await column_by_id(connection, table, ids, table.c.id))


async def column_by_id(
    connection: AsyncConnection, table: Table, ids: Iterable[str], column: Any
) -> dict[str, Any]:
    """id -> `column` for the stored rows among `ids`, looked up a few hundred at a time."""
    found: dict[str, Any] = {}
    for chunk in distinct_chunks(ids, LOOKUP_CHUNK):
        result = await connection.execute(select(table.c.id, column).where(table.c.id.in_(chunk)))
        found.update({row[0]: row[1] for row in result})
    return found


async def job_with_other_project(
    connection: AsyncConnection, batch_id: str, project_id: str
) -> tuple[str, str] | None:
    """A stored job of `batch_id` whose project is not `project_id`, as (job id, project id)."""
    job = models.job_table
    result = await connection.execute(
        select(job.c.id, job.c.project_id)
        .where(job.c.batch_id == batch_id, job.c.project_id != project_id)
        .order_by(job.c.id)
        .limit(1)
    )
    row = result.first()
    return None if row is None else (row[0], row[1])


async def count_jobs(db: Database) -> int:
    """How many jobs the database holds."""
    async with db.read() as connection:
        result = await connection.execute(select(func.count()).select_from(models.job_table))
        return int(result.scalar_one())

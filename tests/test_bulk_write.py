"""The bulk writer: same stored values as SQLAlchemy writes, indexes and FK checks restored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from jobgraph.db import models
from jobgraph.db.bulk import TABLES
from jobgraph.db.convert import fast_converter, type_converter
from jobgraph.db.engine import Database
from jobgraph.db.types import UTCDateTime
from jobgraph.db.writer import BulkWriter
from jobgraph.importing import ImportFailed, import_path
from jobgraph.seed import generate
from tests.databases import upsert_rows
from tests.import_data import batch, job, project, snapshot, write_lines

DIALECTS: dict[str, Dialect] = {
    name: create_async_engine(url).dialect
    for name, url in (
        ("sqlite", "sqlite+aiosqlite://"),
        ("postgresql", "postgresql+asyncpg://user@localhost/db"),
    )
}
TIMES: list[Any] = [
    None,
    datetime(2024, 3, 2, 0, 0, 2, 1, tzinfo=UTC),
    datetime(2024, 3, 2, 1, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=14))),
]
JSON_VALUES: list[Any] = [
    None,
    {"omega_max": 14.4, "nested": [1, 2.5, None, "ü"]},
    [],
    ["Ошибка", "x"],
    {},
    [1, "two", None],
    "Zürich — 量子",
    {"nested": {"deeper": [True, False, 1e-7, -0.0, 12345678901234567890]}},
]


@pytest.mark.parametrize("dialect_name", list(DIALECTS))
def test_bulk_fast_converters_agree_with_the_column_types(dialect_name: str) -> None:
    dialect = DIALECTS[dialect_name]
    checked = 0
    for table in TABLES:
        for column in table.columns:
            fast, reference = fast_converter(column, dialect), type_converter(column, dialect)
            if reference is None:
                assert fast is None, column
                continue
            assert fast is not None
            if isinstance(column.type, UTCDateTime):
                samples = TIMES
            elif isinstance(column.type.dialect_impl(dialect), JSON):
                samples = JSON_VALUES
            else:
                samples = [None, True, False]
            for value in samples:
                assert fast(value) == reference(value), (column, value)
                checked += 1
    assert checked > 20


def test_bulk_fast_converter_refuses_naive_times_like_the_column_type() -> None:
    column = models.job_table.c.created_at
    for converter in (fast_converter, type_converter):
        convert = converter(column, DIALECTS["sqlite"])
        assert convert is not None
        with pytest.raises(ValueError, match="has no timezone"):
            convert(datetime(2024, 1, 1))  # noqa: DTZ001


async def _raw_rows(connection: AsyncConnection, table: Table) -> list[tuple[Any, ...]]:
    key = next(iter(table.primary_key.columns)).name
    result = await connection.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY {key}")
    return [tuple(row) for row in result]


async def _written(db: Database, *, bulk: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Seeded rows written one way, read back as the driver returns them, then rolled back."""
    async with db.engine.connect() as connection:
        transaction = await connection.begin()
        writer = BulkWriter(connection)
        for chunk in generate(600, seed=11):
            tables = (models.project_table, models.batch_table, models.job_table)
            pairs = zip(tables, (chunk.projects, chunk.batches, chunk.jobs), strict=True)
            pairs_with_results = [*pairs, (models.job_result_table, chunk.results)]
            for table, rows in pairs_with_results:
                if bulk:
                    await writer.upsert(table, rows)
                else:
                    await upsert_rows(connection, table, rows)
        stored = {table.name: await _raw_rows(connection, table) for table in TABLES}
        await transaction.rollback()
    return stored


async def test_bulk_rows_read_back_identical_to_sqlalchemy_writes(db: Database) -> None:
    through_sqlalchemy = await _written(db, bulk=False)
    through_bulk = await _written(db, bulk=True)

    assert [len(rows) for rows in through_bulk.values()][1:3] == [12, 600]
    assert through_bulk == through_sqlalchemy
    assert all(through_bulk.values())


async def _index_definitions(db: Database) -> dict[str, str]:
    """Each secondary index of the job table and its SQL (expression indexes included)."""
    query = (
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = 'job' AND sql IS NOT NULL"
        if db.dialect == "sqlite"
        else "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = 'job' AND indexname <> 'job_pkey'"
    )
    async with db.read() as connection:
        rows: list[Any] = list(await connection.exec_driver_sql(query))
    return {str(name): str(sql) for name, sql in rows}


async def _foreign_keys_on(db: Database) -> bool:
    if db.dialect != "sqlite":
        return True
    async with db.read() as connection:
        return bool((await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one())


def _big_file(path: Path, jobs: int, *extra: dict[str, Any] | str) -> Path:
    records = [
        job(id=f"0c000000-0000-4000-8000-{number:012x}", parent_id=None, creation_order=number)
        for number in range(jobs)
    ]
    return write_lines(path, project(), batch(parent_id=None), *records, *extra)


@pytest.mark.parametrize("rebuild_indexes", [True, None])
async def test_bulk_import_with_index_rebuild_fails_leaving_indexes_and_rows_unchanged(
    db: Database, tmp_path: Path, rebuild_indexes: bool | None
) -> None:
    await import_path(db, _big_file(tmp_path / "first.ndjson", 3))
    before, indexes = await snapshot(db), await _index_definitions(db)
    expected = {str(index.name) for index in models.job_table.indexes}
    bad = _big_file(tmp_path / "bad.ndjson", 3_000, job(status="DONNE"))

    with pytest.raises(ImportFailed) as failure:
        await import_path(db, bad, chunk_size=500, rebuild_indexes=rebuild_indexes)

    assert failure.value.line == 3_003
    assert set(indexes) == expected
    assert await _index_definitions(db) == indexes
    assert await snapshot(db) == before
    assert await _foreign_keys_on(db)


async def test_bulk_import_with_index_rebuild_keeps_rows_and_indexes(
    db: Database, tmp_path: Path
) -> None:
    summary = await import_path(db, _big_file(tmp_path / "a.ndjson", 1_200), rebuild_indexes=True)

    stored = await snapshot(db)
    assert (summary.jobs, len(stored["job"])) == (1_200, 1_200)
    assert [row["creation_order"] for row in stored["job"]] == list(range(1_200))
    assert len(await _index_definitions(db)) == len(models.job_table.indexes) >= 6
    assert await _foreign_keys_on(db)
    async with db.read() as connection:
        plan = await connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM job WHERE status = 'ERROR' ORDER BY created_at"
            if db.dialect == "sqlite"
            else "SELECT 1"
        )
        assert db.dialect != "sqlite" or "ix_job_status_created_at_id" in str(plan.all())

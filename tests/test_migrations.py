"""Alembic migrations: from empty to head gives exactly the models' tables, and back again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from jobgraph.db import models
from jobgraph.db.engine import make_engine
from jobgraph.db.migrate import alembic_config, head_revision, upgrade
from tests.databases import postgres_server_url, throwaway_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    server = postgres_server_url()
    if server is None:
        request.getfixturevalue("migrated_postgres_url")  # skips (or fails under CI) alike
        return
    with throwaway_postgres_database(server) as url:
        yield url


def _inspect(url: str, look: Any) -> Any:
    async def run() -> Any:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


# Alembic cannot reflect indexes on expressions (it warns and skips them), so these are
# left out of the comparison and checked by name instead. None since revision 0006 (the
# errors filter reads partial indexes; tests/test_filter_plans.py compares their WHERE).
EXPRESSION_INDEXES: set[str] = set()
ACCESS_TABLES = {"project_member", "api_token", "api_token_project"}
CHANGE_TABLES = {"change_log", "change_log_horizon"}
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
    ),
    pytest.mark.filterwarnings(
        "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning"
    ),
]


def _compared(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
    if type_ == "table" and name in models.TRIGGER_KEPT_TABLES:  # kept by triggers, unmodelled
        return False
    if type_ == "index" and obj.table.name in models.TRIGGER_KEPT_TABLES:
        return False
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def _differences(connection: Connection) -> list[Any]:
    options = {"compare_type": True, "include_object": _compared}
    context = MigrationContext.configure(connection, opts=options)
    return list(compare_metadata(context, models.metadata))


def _expression_indexes(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'job'"
    return {row[0] for row in connection.exec_driver_sql(query)} & EXPRESSION_INDEXES


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def test_migrations_from_empty_give_exactly_the_models(empty_database_url: str) -> None:
    upgrade(empty_database_url)

    assert _inspect(empty_database_url, _differences) == []
    expected = {"alembic_version", "project", "batch", "job", "job_result", *ACCESS_TABLES}
    expected |= {models.job_count_table.name, *CHANGE_TABLES}
    if empty_database_url.startswith("postgresql"):
        expected.add(models.job_total_table.name)
    assert _inspect(empty_database_url, _tables) == expected
    assert _inspect(empty_database_url, _revision) == head_revision()
    assert _inspect(empty_database_url, _expression_indexes) == EXPRESSION_INDEXES


def test_migrations_downgrade_to_base_and_upgrade_again(empty_database_url: str) -> None:
    upgrade(empty_database_url)

    command.downgrade(alembic_config(empty_database_url), "base")
    assert _inspect(empty_database_url, _tables) == {"alembic_version"}
    assert _inspect(empty_database_url, _revision) is None

    upgrade(empty_database_url)
    assert _inspect(empty_database_url, _differences) == []
    assert _inspect(empty_database_url, _revision) == head_revision()

"""Alembic environment: runs migrations over the async engine jobgraph uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from jobgraph.db.engine import make_engine
from jobgraph.db.models import metadata
from jobgraph.settings import load_settings

config = context.config


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().database_url


# Kept by hand-written migrations only (triggers), not by the models.
UNMODELLED_TABLES = {"job_total", "change_log", "change_log_horizon"}


def _modelled(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    return not (type_ == "table" and name in UNMODELLED_TABLES)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=_modelled,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = make_engine(_database_url(), create=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())

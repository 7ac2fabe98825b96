"""Alembic environment: runs migrations over the async engine jobgraph uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from jobgraph.db import models
from jobgraph.db.engine import make_engine
from jobgraph.settings import load_settings

config = context.config


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().database_url


def _modelled(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    if type_ == "index":  # an index of a trigger-kept table
        return getattr(getattr(obj, "table", None), "name", None) not in models.TRIGGER_KEPT_TABLES
    return not (type_ == "table" and name in models.TRIGGER_KEPT_TABLES)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=models.metadata,
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
    context.configure(url=_database_url(), target_metadata=models.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())

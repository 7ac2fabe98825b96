"""Fixtures: every database test runs on a SQLite file and, when configured, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from jobgraph.app import create_app
from jobgraph.db.engine import Database, make_database, make_engine
from jobgraph.db.migrate import upgrade
from jobgraph.settings import Settings
from tests.databases import (
    POSTGRES_URL_VARIABLE,
    copy_sqlite_database,
    empty_tables,
    migrated_sqlite_template,
    postgres_server_url,
    throwaway_postgres_database,
)
from tests.factories import Factory

pytest_plugins = ["tests.sdk_live"]


@pytest.fixture(scope="session")
def migrated_postgres_url() -> Iterator[str]:
    server = postgres_server_url()
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"CI=true but {POSTGRES_URL_VARIABLE} is not set: PostgreSQL must run in CI"
            )
        pytest.skip(f"PostgreSQL half skipped: set {POSTGRES_URL_VARIABLE} to run it")
    with throwaway_postgres_database(server) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per run; each test gets a copy (tests/test_migrations.py runs the real
    migrations from empty)."""
    return migrated_sqlite_template(tmp_path_factory.mktemp("template") / "jobgraph.db")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind: a SQLite file of the test's own, or the
    run's PostgreSQL database (emptied by the `db` fixture)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_file")
        return copy_sqlite_database(template, tmp_path / "jobgraph.db")
    url: str = request.getfixturevalue("migrated_postgres_url")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = make_database(make_engine(database_url))
    if database.dialect == "postgresql":
        await empty_tables(database)
    try:
        yield database
    finally:
        await database.dispose()


def open_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for tests of what jobgraph answers, not of who may ask: development mode with
    authentication off (tests/test_auth*.py and tests/test_access*.py turn it on)."""
    values: dict[str, Any] = {
        "results_secret": "test-secret",
        "development": True,
        "auth_disabled": True,
        "allowed_hosts": ["testserver", "127.0.0.1"],
        "freeze_startup_heap": False,  # hundreds of apps per run: no full collection each
    }
    return Settings(database_url=database_url, **(values | overrides))


@pytest.fixture
def settings(database_url: str, db: Database) -> Settings:
    return open_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def factory(db: Database) -> Factory:
    return Factory(db)

"""Fixtures: every database test runs on a SQLite file and, when configured, on PostgreSQL.

What is costly is made once per run (per worker under pytest-xdist: each has its own template
file and PostgreSQL database): the migrations, and the app for each distinct settings; each
test still gets an empty database and its own app lifespan (engine, reader, caches)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
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


def _migrated_postgres_database() -> Iterator[str]:
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
def migrated_postgres_url() -> Iterator[str]:
    """The run's PostgreSQL database (one per pytest-xdist worker), emptied before each test."""
    yield from _migrated_postgres_database()


@pytest.fixture(scope="session")
def shared_postgres_url() -> Iterator[str]:
    """A second PostgreSQL database, for the data a whole module reads (module_database_url)."""
    yield from _migrated_postgres_database()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per run; each test gets a copy (tests/test_migrations.py runs the real
    migrations from empty)."""
    return migrated_sqlite_template(tmp_path_factory.mktemp("template") / "jobgraph.db")


@pytest.fixture(scope="session")
def sqlite_test_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each test's SQLite copy goes: one path for the run, so that the settings, and
    with them the app, stay the same from test to test."""
    return tmp_path_factory.mktemp("database") / "jobgraph.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of each kind: a fresh copy of the SQLite template, or the
    run's PostgreSQL database (emptied by the `db` fixture)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_file")
        target: Path = request.getfixturevalue("sqlite_test_file")
        return copy_sqlite_database(template, target)
    url: str = request.getfixturevalue("migrated_postgres_url")
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated database of each kind for the tests of one module that only read, so that
    their data is loaded once, not once per test: a SQLite copy of the module's own, or the
    run's second PostgreSQL database (which the module empties first, see empty_tables)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_file")
        return copy_sqlite_database(template, tmp_path_factory.mktemp("module") / "jobgraph.db")
    url: str = request.getfixturevalue("shared_postgres_url")
    return url


@pytest.fixture(scope="module")
async def module_db(module_database_url: str) -> AsyncIterator[Database]:
    """The database of module_database_url, emptied, for the module to load its data into."""
    database = make_database(make_engine(module_database_url))
    if database.dialect == "postgresql":
        await empty_tables(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
async def module_client(
    module_database_url: str, module_db: Database
) -> AsyncIterator[AsyncClient]:
    """A client of one app over module_db for all the tests of a module that only read; such
    a module loads its data into module_db in a module-scoped fixture and points `client` here.
    """
    application = reusable_app(open_settings(module_database_url))
    async with application.router.lifespan_context(application), client_of(application) as http:
        yield http


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


_APPS: dict[str, FastAPI] = {}


def reusable_app(settings: Settings) -> FastAPI:
    """The app for these settings, built once per run. Building one (routes, OpenAPI models,
    the GraphQL schema) costs more than most tests; everything a request touches comes from
    the lifespan, which every test runs afresh."""
    key = settings.model_dump_json()
    if key not in _APPS:
        _APPS[key] = create_app(settings)
    return _APPS[key]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = reusable_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """An httpx client that sends its requests straight to the app."""
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with client_of(app) as http:
        yield http


@pytest.fixture
def factory(db: Database) -> Factory:
    return Factory(db)

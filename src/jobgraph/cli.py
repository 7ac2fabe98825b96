"""The `jobgraph` command: migrate, seed, import, serve and export-schema."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from jobgraph.db.engine import Database, DatabaseNotReadyError, make_database, make_engine
from jobgraph.importing import ImportFailed, count_jobs, import_path
from jobgraph.settings import Settings, load_settings

app = typer.Typer(
    help="jobgraph: quantum-computing jobs as a queryable graph.", add_completion=False
)
out = Console(soft_wrap=True)
err = Console(stderr=True)
T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return load_settings()
    except ValueError as error:
        fail(f"invalid JOBGRAPH_* setting: {error}", 2)


def _unreachable(settings: Settings, error: BaseException) -> NoReturn:
    fail(
        f"cannot use the database at JOBGRAPH_DATABASE_URL ({_redacted(settings)}): "
        f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    )


def _redacted(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def _run_with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` against a migrated database; clean one-line errors instead of tracebacks."""

    async def main() -> T:
        db = make_database(make_engine(settings.database_url, echo=settings.sql_echo))
        try:
            await db.ensure_migrated()
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except DatabaseNotReadyError as error:
        fail(str(error))
    except (SQLAlchemyError, OSError) as error:
        _unreachable(settings, error)


@contextmanager
def _progress(description: str, *, in_bytes: bool) -> Iterator[Callable[[int, int], None]]:
    counter = (DownloadColumn(), TransferSpeedColumn()) if in_bytes else (MofNCompleteColumn(),)
    columns = (TextColumn(description), BarColumn(), *counter, TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the latest revision."""
    from jobgraph.db.migrate import head_revision, upgrade

    settings = _settings()
    try:
        upgrade(settings.database_url)
    except (SQLAlchemyError, OSError) as error:
        _unreachable(settings, error)
    out.print(f"database at revision {head_revision()} (head)", highlight=False)


@app.command()
def seed(
    jobs: Annotated[int, typer.Option(min=1, help="How many jobs to generate.")] = 5_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same rows.")] = 42,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Seed only when the database holds no jobs.")
    ] = False,
) -> None:
    """Load deterministic demo data (projects, batches, jobs, results)."""
    from jobgraph.seed import seed_database

    settings = _settings()

    async def work(db: Database) -> str:
        if if_empty:
            existing = await count_jobs(db)
            if existing:
                return f"database already holds {existing} jobs; not seeding"
        with _progress("seeding", in_bytes=False) as progress:
            summary = await seed_database(db, jobs=jobs, seed=seed, progress=progress)
        await db.refresh_statistics()
        return (
            f"seeded {summary.projects} projects, {summary.batches} batches, {summary.jobs} jobs, "
            f"{summary.results} results (seed {seed}) in {summary.seconds:.1f}s "
            f"({summary.jobs_per_second:,.0f} jobs/s)"
        )

    out.print(_run_with_database(settings, work), highlight=False)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="An NDJSON file or a JSend job-list document.")],
) -> None:
    """Import projects, batches and jobs; all or nothing, upserting by id."""
    settings = _settings()

    async def work(db: Database) -> str:
        with _progress(f"importing {path.name}", in_bytes=True) as progress:
            summary = await import_path(db, path, progress=progress)
        await db.refresh_statistics()
        placeholders = ""
        if summary.placeholder_projects or summary.placeholder_batches:
            placeholders = (
                f" (created {summary.placeholder_projects} placeholder projects and "
                f"{summary.placeholder_batches} placeholder batches)"
            )
        return (
            f"imported {summary.projects} projects, {summary.batches} batches, "
            f"{summary.jobs} jobs, {summary.results} results in {summary.seconds:.1f}s "
            f"({summary.jobs_per_second:,.0f} jobs/s){placeholders}"
        )

    try:
        message = _run_with_database(settings, work)
    except ImportFailed as error:
        fail(f"{error}; nothing was imported")
    out.print(message, highlight=False)


def healthcheck_seconds(settings: Settings) -> int:
    """How long uvicorn's supervisor waits for a worker's answer before it kills it."""
    return math.ceil(settings.request_timeout_seconds) + 10


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: JOBGRAPH_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: JOBGRAPH_PORT.")] = None,
    workers: Annotated[int | None, typer.Option(help="Default: JOBGRAPH_WORKERS.")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes.")] = False,
) -> None:
    """Serve GraphQL and REST; refuses to start on a database that is not migrated."""
    import uvicorn

    settings = _settings()

    async def check(_db: Database) -> None:
        return None

    _run_with_database(settings, check)
    host, port = host or settings.host, port or settings.port
    base = f"http://{host}:{port}"
    out.print(
        f"jobgraph on {base}: GraphiQL at {base}/graphql, REST at {base}/api/v2/jobs, "
        f"API docs at {base}/docs",
        highlight=False,
    )
    uvicorn.run(
        "jobgraph.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else (workers or settings.workers),
        reload=reload,
        log_level=settings.log_level,
        access_log=settings.access_log,
        # uvicorn's supervisor kills a worker that does not answer its ping within this time.
        # Workers answer from a thread, so a busy event loop still answers; what could hold
        # the interpreter is one request's work, which its deadline bounds: wait past that.
        timeout_worker_healthcheck=healthcheck_seconds(settings),
        timeout_keep_alive=settings.keep_alive_seconds,
        loop="uvloop",
        http="httptools",
    )


@app.command("export-schema")
def export_schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL), or write it to --output."""
    try:
        from jobgraph.graphql.schema import schema_sdl  # type: ignore[import-not-found,unused-ignore]
    except ImportError as error:
        fail(f"the GraphQL schema is not available yet ({error})")
    sdl: str = schema_sdl()
    if output is None:
        typer.echo(sdl, nl=not sdl.endswith("\n"))
        return
    try:
        output.write_text(sdl if sdl.endswith("\n") else f"{sdl}\n", encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    err.print(f"wrote the GraphQL schema to {output}", highlight=False)


if __name__ == "__main__":
    app()

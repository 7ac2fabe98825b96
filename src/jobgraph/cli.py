"""The `jobgraph` command: migrate, seed, import, serve, token, changes and export-schema."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from jobgraph.db.bulk import count_jobs
from jobgraph.db.engine import Database, DatabaseNotReadyError, make_database, make_engine
from jobgraph.graphql.schema import schema_sdl
from jobgraph.importing import ImportFailed, import_path
from jobgraph.settings import Settings, load_settings

app = typer.Typer(
    help="jobgraph: quantum-computing jobs as a queryable graph.", add_completion=False
)
token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")
changes_app = typer.Typer(help="The change log subscriptions read.", no_args_is_help=True)
app.add_typer(changes_app, name="changes")
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


class _Reporter:
    """A long step's progress bar (on a terminal) and the name of the phase it is in, so the
    screen never sits silent; elsewhere each phase is a line of its own."""

    def __init__(self, bar: Progress, task: TaskID, description: str) -> None:
        self.bar, self.task, self.description = bar, task, description

    def progress(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def phase(self, name: str) -> None:
        described = f"{self.description}: {name}"
        if self.bar.disable:
            err.print(described, highlight=False)
        self.bar.update(self.task, description=described)


@contextmanager
def _progress(description: str, *, in_bytes: bool) -> Iterator[_Reporter]:
    counter = (DownloadColumn(), TransferSpeedColumn()) if in_bytes else (MofNCompleteColumn(),)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        *counter,
        TimeRemainingColumn(elapsed_when_finished=True),
    )
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        yield _Reporter(bar, bar.add_task(description, total=None), description)


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
        with _progress("seeding", in_bytes=False) as report:
            summary = await seed_database(
                db, jobs=jobs, seed=seed, progress=report.progress, phase=report.phase
            )
            report.phase("analysing")
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
        with _progress(f"importing {path.name}", in_bytes=True) as report:
            summary = await import_path(db, path, progress=report.progress, phase=report.phase)
            report.phase("analysing")
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

    from jobgraph.app import InsecureSettingsError, check_settings

    settings = _settings()
    try:
        check_settings(settings)
    except InsecureSettingsError as error:
        fail(str(error))

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
    if settings.development:
        out.print("development mode (JOBGRAPH_DEVELOPMENT): not for a network", highlight=False)
    if settings.auth_disabled:
        out.print(
            "[bold yellow]authentication is OFF[/] (JOBGRAPH_AUTH_DISABLED): every caller "
            "reads every project without a token",
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


@changes_app.command("prune")
def changes_prune() -> None:
    """Remove changes older than JOBGRAPH_CHANGE_LOG_RETENTION_SECONDS and beyond the newest
    JOBGRAPH_CHANGE_LOG_MAX_ROWS; subscribers resuming from before them must re-read."""
    from datetime import timedelta

    from jobgraph.db.changes import count_rows, prune

    settings = _settings()
    age = settings.change_log_retention_seconds

    async def work(db: Database) -> str:
        older_than = None if age is None else datetime.now(UTC) - timedelta(seconds=age)
        removed = await prune(db, older_than=older_than, keep_rows=settings.change_log_max_rows)
        return f"removed {removed} changes; {await count_rows(db)} kept"

    out.print(_run_with_database(settings, work), highlight=False)


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="The user the token acts for.")],
    project: Annotated[
        list[str] | None,
        typer.Option(help="A project the token reads (repeat for more); the user joins it."),
    ] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Read every project.")] = False,
    expires: Annotated[
        str | None, typer.Option(help="Lifetime such as 30d, 12h, 2w; default: no expiry.")
    ] = None,
) -> None:
    """Create a token and print it once, alone on the last line (TOKEN=$(... | tail -n1))."""
    from jobgraph.auth.manage import TokenRequestError, create_token
    from jobgraph.auth.tokens import parse_duration

    settings = _settings()
    try:
        lifetime = None if expires is None else parse_duration(expires)
    except ValueError as error:
        fail(f"--expires: {error}", 2)

    async def work(db: Database) -> Any:
        return await create_token(db, user, project or [], admin=admin, lifetime=lifetime)

    try:
        created = _run_with_database(settings, work)
    except TokenRequestError as error:
        fail(str(error), 2)
    for missing in created.missing_projects:
        err.print(f"note: no project {missing} is stored yet; the token reads it once imported")
    reach = "every project" if admin else f"{len(project or [])} project(s)"
    out.print(f"token {created.id} for user {user}, reading {reach}:", highlight=False)
    typer.echo(created.token)


@token_app.command("list")
def token_list() -> None:
    """Every token: id, user, projects, created, last used, expiry; never the secret."""
    from jobgraph.db.access import list_tokens

    tokens = _run_with_database(_settings(), list_tokens)
    typer.echo("id\tprefix\tuser\tprojects\tcreated\tlast used\texpires\tstate")  # tab-separated

    def when(moment: datetime | None) -> str:
        return "-" if moment is None else moment.isoformat(timespec="seconds")

    now = datetime.now(UTC)
    for token in tokens:
        projects = "*" if token.admin else ",".join(token.projects) or "-"
        state = "revoked" if token.revoked_at else "live" if token.usable(now) else "expired"
        fields = [token.id, f"{token.prefix}…", token.user_id, projects]
        fields += [when(token.created_at), when(token.last_used_at), when(token.expires_at)]
        typer.echo("\t".join([*fields, state]))


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The id `token list` shows.")],
) -> None:
    """Revoke a token: it, and every results link made with it, stop working at once."""
    from jobgraph.auth.manage import revoke

    async def work(db: Database) -> bool:
        return await revoke(db, token_id)

    if not _run_with_database(_settings(), work):
        fail(f"no live token has the id {token_id}")
    out.print(f"revoked token {token_id}", highlight=False)


@token_app.command("demo")
def token_demo() -> None:
    """Fresh demo tokens for `make run` (the previous ones are revoked): an admin token and a
    member token for the first two projects, printed with how to use them."""
    from jobgraph.auth.manage import demo_tokens
    from jobgraph.db.access import first_projects

    settings = _settings()

    async def work(db: Database) -> tuple[str, str, list[tuple[str, str]]]:
        projects = await first_projects(db, 2)
        admin, member = await demo_tokens(db, [project_id for project_id, _ in projects])
        return admin, member, projects

    admin, member, projects = _run_with_database(settings, work)
    base = f"http://{settings.host}:{settings.port}"
    names = ", ".join(name for _, name in projects) or "no project yet"
    out.print(
        f"""demo tokens (new ones on every `make run`; revoke with `jobgraph token revoke ID`):
  admin, reads every project:   {admin}
  member of {names}:   {member}
use one as a bearer token:
  curl -H "Authorization: Bearer {member}" {base}/api/v2/jobs
  SDK:      a TokenProvider whose get_token() returns it (README, "Security")
  GraphiQL: {base}/graphql, Headers tab: {{"Authorization": "Bearer {member}"}}""",
        highlight=False,
        soft_wrap=True,
    )


@app.command("export-schema")
def export_schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL), or write it to --output."""
    sdl = schema_sdl()
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

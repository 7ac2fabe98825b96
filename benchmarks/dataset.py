"""The benchmark data set: the shared 1M-job NDJSON file, imported into SQLite and PostgreSQL.

Idempotent: the file is generated once (by the shared harness's generator, so jobgraph and
PostGraphile serve the same rows), and a database is imported only while it does not hold the
file's job count. PostgreSQL is the shared harness's private server (`peer/pg.sh`, port 55432),
the one PostGraphile reads too.

Run: `.venv/bin/python -m benchmarks.dataset [--databases sqlite postgresql] [--jobs N]`.
Env: JOBS, DATA_DIR (default <tmp>/peer-bench, as the harness), PEER_BENCH (the shared bench
folder; default ../shared/bench beside the repository), PGPORT (55432).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from jobgraph.db import models
from jobgraph.db.engine import make_engine

REPOSITORY = Path(__file__).resolve().parent.parent
DATABASES = ("sqlite", "postgresql")
DEFAULT_JOBS = 1_000_000
BYTES_PER_JOB = 606  # the generator's 1M-job file is 605 MB; only sizes the progress bar


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def env_list(name: str, default: Sequence[str]) -> list[str]:
    return (os.environ.get(name) or " ".join(default)).split()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Announce a phase when it starts and say how long it took when it ends."""
    log(f"== {name}")
    started = time.perf_counter()
    yield
    log(f"   {name}: done in {time.perf_counter() - started:.1f} s")


@dataclass(frozen=True)
class Paths:
    """Where the shared harness lives and where the data goes; all outside the repository."""

    jobs: int
    shared: Path
    data_dir: Path
    pg_port: int

    @classmethod
    def from_env(cls, jobs: int | None = None) -> Paths:
        shared = os.environ.get("PEER_BENCH") or str(REPOSITORY.parent / "shared" / "bench")
        data_dir = os.environ.get("DATA_DIR") or str(Path(tempfile.gettempdir()) / "peer-bench")
        return cls(
            jobs=jobs or env_int("JOBS", DEFAULT_JOBS),
            shared=Path(shared).resolve(),
            data_dir=Path(data_dir),
            pg_port=env_int("PGPORT", 55432),
        )

    @property
    def ndjson(self) -> Path:
        return self.data_dir / f"jobs-{self.jobs}.ndjson"  # the name the harness's run.sh uses

    @property
    def generator(self) -> Path:
        return self.shared / "data" / "generate.py"

    @property
    def pg_script(self) -> Path:
        return self.shared / "peer" / "pg.sh"

    @property
    def queries(self) -> Path:
        return self.shared / "queries" / "jobgraph"

    @property
    def pg_database(self) -> str:
        suffix = "" if self.jobs == DEFAULT_JOBS else f"_{self.jobs}"
        return f"jobgraph_bench{suffix}"

    def server_url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.pg_port}/{database}"

    def url(self, database: str) -> str:
        """The JOBGRAPH_DATABASE_URL of the benchmark database of one kind."""
        if database == "sqlite":
            return f"sqlite+aiosqlite:///{self.data_dir / f'jobgraph-{self.jobs}.db'}"
        if database == "postgresql":
            return self.server_url(self.pg_database)
        raise SystemExit(f"unknown database {database!r}; use {' or '.join(DATABASES)}")

    def run_folder(self) -> Path:
        """Where a run writes its results: $OUT, or a new folder named by the UTC time."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        return Path(os.environ.get("OUT") or self.data_dir / f"jobgraph-run-{stamp}")

    def check_shared(self) -> None:
        if not self.generator.is_file() or not self.pg_script.is_file():
            raise SystemExit(
                f"the shared bench folder is not at {self.shared} (it sits beside the "
                "repository as ../shared/bench); set PEER_BENCH to its path"
            )


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_ndjson(paths: Paths) -> None:
    """Write the shared generator's file once; it writes NAME.part and renames it when done."""
    if paths.ndjson.is_file() and paths.ndjson.stat().st_size > 0:
        log(f"   {paths.ndjson}: present ({paths.ndjson.stat().st_size / 1e6:,.0f} MB), reused")
        return
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    part = Path(f"{paths.ndjson}.part")
    command = [sys.executable, str(paths.generator), "-o", str(paths.ndjson)]
    generator = subprocess.Popen([*command, "--jobs", str(paths.jobs), "--quiet"])
    columns = (TextColumn(f"   writing {paths.ndjson.name}"), BarColumn(), DownloadColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("generate", total=paths.jobs * BYTES_PER_JOB)
        while generator.poll() is None:
            size = part.stat().st_size if part.exists() else 0
            bar.update(task, completed=size)
            time.sleep(0.5)
    if generator.returncode != 0:
        raise SystemExit(f"the generator failed (exit {generator.returncode})")
    log(f"   {paths.ndjson}: {paths.ndjson.stat().st_size / 1e6:,.0f} MB")


def ensure_postgres_server(paths: Paths) -> None:
    """Start the harness's private PostgreSQL if it is down (pg.sh is idempotent)."""
    subprocess.run([str(paths.pg_script), "start"], check=True)


async def _create_database(paths: Paths) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(paths.server_url()))
    try:
        name = paths.pg_database
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            log(f"   creating database {name}")
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def count_jobs(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(select(func.count()).select_from(models.job_table))
            return int(result.scalar_one())
    finally:
        await engine.dispose()


def jobgraph(url: str, *arguments: str) -> None:
    """Run the `jobgraph` command against one database; its own progress bar shows."""
    env = os.environ | {"JOBGRAPH_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "jobgraph.cli", *arguments], env=env, check=True)


def ensure_imported(paths: Paths, database: str) -> None:
    """Migrate, then import the file unless the database already holds its jobs."""
    url = paths.url(database)
    if database == "postgresql":
        asyncio.run(_create_database(paths))
    jobgraph(url, "migrate")
    held = asyncio.run(count_jobs(url))
    if held == paths.jobs:
        log(f"   {database}: already holds {held:,} jobs, reused")
        return
    if held:
        log(f"   {database}: holds {held:,} jobs, not {paths.jobs:,}; importing over them")
    jobgraph(url, "import", str(paths.ndjson))
    held = asyncio.run(count_jobs(url))
    if held != paths.jobs:
        raise SystemExit(
            f"{database} holds {held:,} jobs after the import, not {paths.jobs:,}: it holds other "
            f"data; drop it ({url}) and run again"
        )


def prepare(paths: Paths, databases: Sequence[str]) -> None:
    """Every step, each announced; cheap when everything already exists."""
    paths.check_shared()
    with phase(f"data: {paths.jobs:,}-job NDJSON file"):
        ensure_ndjson(paths)
    if "postgresql" in databases:
        with phase(f"data: private PostgreSQL on 127.0.0.1:{paths.pg_port}"):
            ensure_postgres_server(paths)
    for database in databases:
        with phase(f"data: import into {database} ({paths.url(database)})"):
            ensure_imported(paths, database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help=f"default $JOBS or {DEFAULT_JOBS}")
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=DATABASES,
        default=env_list("DATABASES", DATABASES),
        help="default $DATABASES or both",
    )
    parser.add_argument("--run-folder", action="store_true", help="print $OUT or a new folder")
    args = parser.parse_args()
    paths = Paths.from_env(args.jobs)
    if args.run_folder:
        print(paths.run_folder())
        return
    prepare(paths, args.databases)


if __name__ == "__main__":
    main()

"""Benchmark: `jobgraph seed --jobs N` and the import of an N-job NDJSON file.

On SQLite: seed, write the NDJSON file, import it into an empty database, import it again
(every row an update). On PostgreSQL, when a server URL is given (--postgres-url or
JOBGRAPH_BENCH_POSTGRES_URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test): the
same seed and import, each in a throwaway database created and dropped for the run.

Run on demand: `.venv/bin/python -m benchmarks.import_seed [--jobs 1000000 | --quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from jobgraph.db.engine import Database, make_database, make_engine
from jobgraph.db.migrate import upgrade
from jobgraph.importing import import_path
from jobgraph.seed import generate, seed_database

POSTGRES_URL_VARIABLE = "JOBGRAPH_BENCH_POSTGRES_URL"
QUICK_JOBS = 100_000

Step = Callable[[Callable[[int, int], None]], Awaitable[None]]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _postgres(url: str, statement: str) -> Any:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


def machine(postgres_url: str | None) -> str:
    postgres = "not measured"
    if postgres_url:
        postgres = str(asyncio.run(_postgres(postgres_url, "SHOW server_version")))
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {postgres}"
    )


@contextmanager
def throwaway_postgres(server_url: str) -> Iterator[str]:
    """A migrated empty database beside the one in server_url, dropped afterwards."""
    name = f"jobgraph_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_postgres(server_url, f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        asyncio.run(_postgres(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def write_ndjson(path: Path, jobs: int, seed: int, progress: Callable[[int, int], None]) -> None:
    """The seeder's rows as an import file: projects, batches, jobs with their results."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for chunk in generate(jobs, seed):
            results = {row["job_id"]: row["result"] for row in chunk.results}
            for kind, rows in (("project", chunk.projects), ("batch", chunk.batches)):
                for row in rows:
                    out.write(json.dumps({"kind": kind, **row}, default=_json_default) + "\n")
            for row in chunk.jobs:
                record = {"kind": "job", **row}
                if row["id"] in results:
                    record["result"] = results[row["id"]]
                out.write(json.dumps(record, default=_json_default) + "\n")
            written += len(chunk.jobs)
            progress(written, jobs)


async def _with_database(url: str, work: Callable[[Database], Awaitable[None]]) -> None:
    db = make_database(make_engine(url))
    try:
        await work(db)
    finally:
        await db.dispose()


def seed_step(url: str, jobs: int, seed: int, processes: int | None) -> Step:
    async def step(progress: Callable[[int, int], None]) -> None:
        async def work(db: Database) -> None:
            await seed_database(db, jobs=jobs, seed=seed, progress=progress, processes=processes)

        await _with_database(url, work)

    return step


def import_step(url: str, path: Path, processes: int | None) -> Step:
    async def step(progress: Callable[[int, int], None]) -> None:
        async def work(db: Database) -> None:
            await import_path(db, path, progress=progress, processes=processes)

        await _with_database(url, work)

    return step


class Bench:
    """Runs the steps with a progress bar and prints one result line per step."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.lines: list[str] = []

    def run(self, label: str, action: Callable[[Callable[[int, int], None]], Any]) -> float:
        columns = (
            TextColumn(f"{label:<38}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task(label, total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            started = time.perf_counter()
            outcome = action(progress)
            if asyncio.iscoroutine(outcome):
                asyncio.run(outcome)
            seconds = time.perf_counter() - started
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        line = (
            f"{label:<38} {seconds:7.1f} s  {self.jobs / seconds:>9,.0f} jobs/s  (load {load:.1f})"
        )
        print(line, flush=True)
        self.lines.append(line)
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000, help="jobs to seed and import")
    parser.add_argument("--quick", action="store_true", help=f"--jobs {QUICK_JOBS:,}")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: temporary)")
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="helper processes for parsing and generating (default: as the CLI; 0: none)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_URL_VARIABLE),
        help=f"PostgreSQL server URL (default: ${POSTGRES_URL_VARIABLE}; unset skips it)",
    )
    args = parser.parse_args()
    jobs = QUICK_JOBS if args.quick else args.jobs
    print(f"machine: {machine(args.postgres_url)}", flush=True)
    helpers: int | None = args.processes
    print(f"jobs: {jobs:,}; helper processes: {'default' if helpers is None else helpers}")
    bench = Bench(jobs)
    with tempfile.TemporaryDirectory() as temp:
        folder = args.dir or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        ndjson = folder / "jobs.ndjson"

        url = fresh_sqlite(folder / "seed.db")
        bench.run("sqlite: seed", seed_step(url, jobs, args.seed, helpers))
        bench.run("write NDJSON", lambda progress: write_ndjson(ndjson, jobs, args.seed, progress))
        print(f"  {ndjson.name}: {ndjson.stat().st_size / 1e6:,.0f} MB", flush=True)
        url = fresh_sqlite(folder / "import.db")
        bench.run("sqlite: import into empty database", import_step(url, ndjson, helpers))
        bench.run("sqlite: re-import (all updates)", import_step(url, ndjson, helpers))

        if not args.postgres_url:
            print(f"postgresql: skipped (set {POSTGRES_URL_VARIABLE} or --postgres-url)")
            return
        with throwaway_postgres(args.postgres_url) as url:
            bench.run("postgresql: seed", seed_step(url, jobs, args.seed, helpers))
        with throwaway_postgres(args.postgres_url) as url:
            bench.run("postgresql: import into empty database", import_step(url, ndjson, helpers))
            bench.run("postgresql: re-import (all updates)", import_step(url, ndjson, helpers))


if __name__ == "__main__":
    main()

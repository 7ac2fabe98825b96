"""Benchmark: `jobgraph seed --jobs N` and the import of an N-job NDJSON file, on SQLite.

Run on demand: `.venv/bin/python -m benchmarks.import_seed [--jobs 1000000]`.
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
from datetime import datetime
from pathlib import Path
from typing import Any

from jobgraph.db.engine import make_database, make_engine
from jobgraph.db.migrate import upgrade
from jobgraph.importing import import_path
from jobgraph.seed import generate, seed_database


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def write_ndjson(path: Path, jobs: int, seed: int) -> None:
    """The seeder's rows as an import file: projects, batches, jobs with their results."""
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


def fresh_database(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url


async def bench_seed(url: str, jobs: int, seed: int) -> float:
    db = make_database(make_engine(url))
    try:
        summary = await seed_database(db, jobs=jobs, seed=seed)
    finally:
        await db.dispose()
    return summary.seconds


async def bench_import(url: str, path: Path) -> float:
    db = make_database(make_engine(url))
    try:
        summary = await import_path(db, path)
    finally:
        await db.dispose()
    return summary.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", type=Path, default=None, help="Work folder (default: a temp one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = args.dir or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"machine: {machine()}")

        seconds = asyncio.run(bench_seed(fresh_database(folder / "seed.db"), args.jobs, args.seed))
        print(f"seed   --jobs {args.jobs}: {seconds:.1f}s, {args.jobs / seconds:,.0f} jobs/s")

        ndjson = folder / "jobs.ndjson"
        started = time.perf_counter()
        write_ndjson(ndjson, args.jobs, args.seed)
        size = ndjson.stat().st_size / 1e6
        print(f"wrote {ndjson.name}: {size:.0f} MB in {time.perf_counter() - started:.1f}s")

        url = fresh_database(folder / "import.db")
        seconds = asyncio.run(bench_import(url, ndjson))
        print(f"import {args.jobs} jobs: {seconds:.1f}s, {args.jobs / seconds:,.0f} jobs/s")
        seconds = asyncio.run(bench_import(url, ndjson))
        print(f"re-import (all updates): {seconds:.1f}s, {args.jobs / seconds:,.0f} jobs/s")


if __name__ == "__main__":
    main()

"""The load test: 50 concurrent clients, mixed REST and GraphQL, with imports running alongside.

For each database (SQLite, PostgreSQL): a fresh database is migrated and seeded (JOBS jobs),
`jobgraph serve --workers 2` starts on a free loopback port, and while `jobgraph import` loads a
file of new batches (each with BATCH_JOBS jobs) and then loads it again (every row an update),
CONC clients send REQUESTS requests in all: GraphQL pages (compiled path), nested lists, a
request at the filter-values limit, GET /graphql (the reference path), REST lists and REST jobs.

It counts, and fails when any is not zero:
- 5xx answers;
- dropped connections (the server closed or reset one, or did not answer within the client's
  timeout);
- inconsistent reads: a page whose totalCount (or REST `pagination.total`) disagrees with its
  rows, an imported batch seen with some of its jobs but not all (each import is one
  transaction), or a job seen without its batch.

It also reports p50/p99 latency; a p99 at or over P99_MAX seconds (default: the request
deadline, 30 s) fails too. Everything is bounded in
count and time and stays on 127.0.0.1. Run: `make bench-stress` (knobs: JOBS, CONC, REQUESTS,
BATCHES, BATCH_JOBS, P99_MAX, DATABASES, PG_SERVER).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from benchmarks.import_seed import machine
from benchmarks.probe import free_port, wait_healthy

JOBGRAPH = [sys.executable, "-m", "jobgraph.cli"]
JSON = "application/json"
PAGE = (
    "query ($f: JobFilter) { jobs(first: 100, filter: $f) { totalCount "
    "edges { node { id batchId batch { id } } } } }"
)
NESTED = (
    "query ($n: Int) { batches(first: $n) { totalCount edges { node { id jobsCount "
    "jobs(first: 5) { edges { node { id status batch { id } } } } } } } }"
)
# 8 x 500 ids: near the request's limit of 5,000 filter values
WIDE_FIELDS = " ".join(f"a{n}: jobs(filter: {{id: $ids}}) {{ totalCount }}" for n in range(8))
WIDE = f"query ($ids: [ID!]) {{ {WIDE_FIELDS} }}"


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    inconsistent: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@dataclass(frozen=True)
class Imported:
    """The batches the import file creates, each with `jobs` jobs."""

    batch_ids: list[str]
    jobs: int


def write_import(path: Path, batches: int, jobs: int, seed: int) -> Imported:
    rng = random.Random(seed)
    project_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    base = datetime(2025, 6, 1, tzinfo=UTC)
    batch_ids = []
    with path.open("w", encoding="utf-8") as out:
        stamp = base.isoformat()
        out.write(
            json.dumps({"kind": "project", "id": project_id, "name": "stress", "created_at": stamp})
            + "\n"
        )
        for b in range(batches):
            batch_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            batch_ids.append(batch_id)
            created = (base + timedelta(minutes=b)).isoformat()
            batch = {
                "kind": "batch",
                "id": batch_id,
                "project_id": project_id,
                "user_id": "stress",
                "status": "DONE",
                "device_type": "FRESNEL",
                "priority": 1,
                "open": False,
                "complete": True,
                "tags": ["stress"],
                "configuration": {},
                "created_at": created,
                "updated_at": created,
            }
            out.write(json.dumps(batch) + "\n")
            for n in range(jobs):
                job = {
                    "kind": "job",
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "batch_id": batch_id,
                    "project_id": project_id,
                    "user_id": "stress",
                    "status": rng.choice(["DONE", "ERROR", "RUNNING"]),
                    "origin": "CLIENT",
                    "runs": rng.randint(1, 1000),
                    "created_at": created,
                    "updated_at": created,
                    "variables": {},
                    "errors": [],
                    "progress": 100,
                    "creation_order": n,
                }
                out.write(json.dumps(job) + "\n")
    return Imported(batch_ids, jobs)


class Checks:
    """Requests that verify what they read, each counting into the tally."""

    def __init__(
        self, client: httpx.AsyncClient, tally: Tally, imported: Imported, ids: list[str]
    ) -> None:
        self.client = client
        self.tally = tally
        self.imported = imported
        self.ids = ids

    async def timed(self, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await send()
        except httpx.TimeoutException as error:
            self.tally.dropped[type(error).__name__] += 1
            return None
        except httpx.TransportError as error:
            self.tally.dropped[type(error).__name__] += 1
            return None
        self.tally.latencies.append(time.perf_counter() - started)
        self.tally.statuses[response.status_code] += 1
        return response if response.status_code == 200 else None

    def wrong(self, what: str) -> None:
        self.tally.inconsistent.append(what)

    def check_batch(self, batch_id: str, count: int, what: str) -> None:
        if batch_id in self.imported.batch_ids and count not in (0, self.imported.jobs):
            self.wrong(f"{what}: imported batch {batch_id} seen with {count} of its jobs")

    async def graphql_page(self) -> None:
        batch_id = random.choice(self.imported.batch_ids)
        variables = {"f": {"batchId": [batch_id]}}
        response = await self.timed(
            lambda: self.client.post("/graphql", json={"query": PAGE, "variables": variables})
        )
        if response is None:
            return
        body = response.json()
        if "errors" in body:
            self.wrong(f"GraphQL page answered with errors: {body['errors']}")
            return
        jobs = body["data"]["jobs"]
        edges = jobs["edges"]
        if jobs["totalCount"] != len(edges):
            self.wrong(f"GraphQL page: totalCount {jobs['totalCount']} with {len(edges)} edges")
        if any(edge["node"]["batch"] is None for edge in edges):
            self.wrong("GraphQL page: a job seen without its batch")
        self.check_batch(batch_id, len(edges), "GraphQL page")

    async def graphql_nested(self, via_get: bool = False) -> None:
        variables = {"n": random.choice([5, 10, 20])}

        def send() -> Awaitable[httpx.Response]:
            if not via_get:
                body = {"query": NESTED, "variables": variables}
                return self.client.post("/graphql", json=body)
            params = {"query": NESTED, "variables": json.dumps(variables)}
            return self.client.get("/graphql", params=params, headers={"Accept": JSON})

        response = await self.timed(send)
        if response is None:
            return
        body = response.json()
        if "errors" in body:
            self.wrong(f"GraphQL nested answered with errors: {body['errors']}")
            return
        for edge in body["data"]["batches"]["edges"]:
            node = edge["node"]
            self.check_batch(node["id"], node["jobsCount"], "Batch.jobsCount")
            if any(job["node"]["batch"]["id"] != node["id"] for job in node["jobs"]["edges"]):
                self.wrong("GraphQL nested: a job under another batch")

    async def graphql_wide(self) -> None:
        ids = random.sample(self.ids, min(len(self.ids), 500))
        response = await self.timed(
            lambda: self.client.post("/graphql", json={"query": WIDE, "variables": {"ids": ids}})
        )
        if response is not None and "errors" in response.json():
            self.wrong(f"GraphQL wide filter answered with errors: {response.json()['errors']}")

    async def rest_list(self) -> None:
        batch_id = random.choice(self.imported.batch_ids)
        params: dict[str, str | int] = {"batch_id": batch_id, "limit": 100}
        response = await self.timed(lambda: self.client.get("/api/v2/jobs", params=params))
        if response is None:
            return
        body = response.json()
        if body["pagination"]["total"] != len(body["data"]):
            self.wrong(
                f"REST list: total {body['pagination']['total']} with {len(body['data'])} jobs"
            )
        self.check_batch(batch_id, len(body["data"]), "REST list")

    async def rest_job(self) -> None:
        job_id = random.choice(self.ids)
        response = await self.timed(lambda: self.client.get(f"/api/v2/jobs/{job_id}"))
        if response is not None and response.json()["data"]["id"] != job_id:
            self.wrong("REST job: another job answered")

    async def one(self) -> None:
        pick = random.random()
        if pick < 0.25:
            await self.graphql_page()
        elif pick < 0.45:
            await self.rest_list()
        elif pick < 0.65:
            await self.rest_job()
        elif pick < 0.80:
            await self.graphql_nested()
        elif pick < 0.92:
            await self.graphql_nested(via_get=True)
        else:
            await self.graphql_wide()


async def seeded_ids(base_url: str, count: int) -> list[str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        ids: list[str] = []
        offset = 0
        while len(ids) < count:
            page = await client.get("/api/v2/jobs", params={"limit": 100, "offset": offset})
            page.raise_for_status()
            found = [job["id"] for job in page.json()["data"]]
            if not found:
                break
            ids += found
            offset += 100
        return ids


@contextmanager
def database(kind: str, folder: Path, pg_server: str) -> Iterator[str]:
    """A fresh, empty database of that kind; a PostgreSQL one is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'stress.db'}"
        return
    name = f"jobgraph_stress_{os.getpid()}"
    server = make_url(pg_server)
    admin = server.set(drivername="postgresql", database="postgres").render_as_string(False)

    async def execute(statement: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def keep_importing(path: Path, env: dict[str, str], stop: asyncio.Event) -> list[float]:
    """Import the file, then again and again (updates), until the load ends; the durations."""
    seconds = []
    while not stop.is_set():
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *JOBGRAPH, "import", str(path), env=env, stdout=asyncio.subprocess.DEVNULL
        )
        if await process.wait() != 0:
            raise SystemExit(f"jobgraph import failed (exit {process.returncode})")
        seconds.append(time.perf_counter() - started)
    return seconds


async def load(
    base_url: str, options: argparse.Namespace, imported: Imported, importing: Importing
) -> tuple[Tally, float, list[float]]:
    """The clients' requests, with the imports running until they are done."""
    ids = await seeded_ids(base_url, 3000)
    tally = Tally()
    stop = asyncio.Event()
    imports = asyncio.create_task(keep_importing(importing.path, importing.env, stop))
    limits = httpx.Limits(max_connections=options.conc, max_keepalive_connections=options.conc)
    started = time.perf_counter()
    client = httpx.AsyncClient(base_url=base_url, timeout=options.timeout, limits=limits)
    async with client:
        checks = Checks(client, tally, imported, ids)
        budget = iter(range(options.requests))

        async def client_loop() -> None:
            for _ in budget:
                if time.perf_counter() - started > options.max_seconds:
                    return
                await checks.one()

        await asyncio.gather(*(client_loop() for _ in range(options.conc)))
    elapsed = time.perf_counter() - started
    stop.set()
    return tally, elapsed, await imports


@dataclass(frozen=True)
class Importing:
    path: Path
    env: dict[str, str]


def stress(kind: str, options: argparse.Namespace, folder: Path) -> tuple[Tally, dict[str, Any]]:
    with database(kind, folder, options.pg_server) as url:
        # Info: uvicorn's supervisor says so there when a worker dies.
        env = os.environ | {"JOBGRAPH_DATABASE_URL": url, "JOBGRAPH_LOG_LEVEL": "info"}
        subprocess.run([*JOBGRAPH, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        seed = [*JOBGRAPH, "seed", "--jobs", str(options.jobs)]
        subprocess.run(seed, env=env, check=True, stdout=subprocess.DEVNULL)
        path = folder / f"import-{kind}.ndjson"
        imported = write_import(path, options.batches, options.batch_jobs, 7)
        port = free_port()
        log_path = folder / f"server-{kind}.log"
        serve = [*JOBGRAPH, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
        with log_path.open("wb") as log:
            server = subprocess.Popen(serve, env=env, stdout=log, stderr=log)
            base_url = f"http://127.0.0.1:{port}"
            try:
                asyncio.run(wait_healthy(base_url, server))
                tally, elapsed, imports = asyncio.run(
                    load(base_url, options, imported, Importing(path, env))
                )
            finally:
                server.terminate()
                server.wait(timeout=30)
        lines = log_path.read_text(errors="replace").splitlines()
        died = [line for line in lines if "died" in line or "Traceback" in line]
        return tally, {"seconds": elapsed, "imports": imports, "server_log": died}


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(kind: str, tally: Tally, extra: dict[str, Any]) -> str:
    sent = sum(tally.statuses.values()) + sum(tally.dropped.values())
    imports = extra["imports"]
    return "\n".join(
        [
            f"### {kind}",
            "",
            f"- requests: {sent} in {extra['seconds']:.1f} s ({sent / extra['seconds']:.0f}/s), "
            f"statuses {dict(sorted(tally.statuses.items()))}",
            f"- imports alongside: {len(imports)} ({', '.join(f'{s:.1f} s' for s in imports)})",
            f"- 5xx: {tally.server_errors}",
            f"- dropped connections: {sum(tally.dropped.values())} {dict(tally.dropped) or ''}",
            f"- inconsistent reads: {len(tally.inconsistent)}",
            f"- latency: p50 {milliseconds(tally.percentile(0.5))}, "
            f"p99 {milliseconds(tally.percentile(0.99))}, "
            f"max {milliseconds(max(tally.latencies, default=0))}",
            f"- worker deaths or tracebacks in the server log: {len(extra['server_log'])}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    env = os.environ.get
    parser.add_argument("--databases", default=env("DATABASES", "sqlite,postgresql"))
    parser.add_argument("--jobs", type=int, default=int(env("JOBS", "5000")))
    parser.add_argument("--conc", type=int, default=int(env("CONC", "50")))
    parser.add_argument("--requests", type=int, default=int(env("REQUESTS", "1500")))
    parser.add_argument("--batches", type=int, default=int(env("BATCHES", "40")))
    parser.add_argument("--batch-jobs", type=int, default=int(env("BATCH_JOBS", "50")))
    parser.add_argument("--max-seconds", type=float, default=float(env("MAX_SECONDS", "60")))
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout per request")
    parser.add_argument("--p99-max", type=float, default=float(env("P99_MAX", "30")))
    parser.add_argument(
        "--pg-server",
        default=env("PG_SERVER", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
    )
    options = parser.parse_args()
    failures = []
    postgres = options.pg_server if "postgresql" in options.databases else None
    sections = [f"Load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine(postgres)}", ""]
    with tempfile.TemporaryDirectory(prefix="jobgraph-stress-") as folder:
        for kind in options.databases.split(","):
            tally, extra = stress(kind, options, Path(folder))
            sections += [report(kind, tally, extra), ""]
            print(sections[-2], flush=True)
            for what in tally.inconsistent[:5]:
                print(f"  inconsistent: {what}")
            if (
                tally.server_errors
                or sum(tally.dropped.values())
                or tally.inconsistent
                or extra["server_log"]
            ):
                failures.append(kind)
            if tally.percentile(0.99) > options.p99_max:
                failures.append(f"{kind} p99 over {options.p99_max} s")
    if failures:
        raise SystemExit(f"load test failed: {', '.join(failures)}")
    print("load test passed")


if __name__ == "__main__":
    main()

"""Benchmark: every REST filter and every JobFilter field alone against the unfiltered first page.

Issue 13 asks that each filter, alone, answer within 5x of the unfiltered first page on both
databases. For each database this runs the app in process (no HTTP server, one request at a
time), times each request's median over --repeat runs after a warm-up, and prints the plan of
every SQL statement of a request that misses (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on
PostgreSQL; --analyze runs EXPLAIN (ANALYZE, BUFFERS) there). Filter values come from the data:
a DONE job in the middle of the newest-first order gives the id, batch, user and times.

Run: `.venv/bin/python -m benchmarks.filters [--databases sqlite postgresql] [--factor 5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from benchmarks.dataset import DATABASES, Paths, env_list, log, phase, prepare
from benchmarks.probe import largest_project
from jobgraph.app import create_app
from jobgraph.db.engine import make_engine
from jobgraph.settings import load_settings

JOBS_QUERY = (
    "query Filtered($filter: JobFilter) { jobs(first: 100, filter: $filter) { edges { cursor "
    "node { id status runs createdAt } } pageInfo { hasNextPage endCursor } } }"
)
UNFILTERED = "unfiltered first page"


@dataclass
class Recorder:
    """Collects the SQL statements the app sends while `on` is set."""

    on: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(self, *arguments: Any) -> None:
        _connection, _cursor, statement, parameters, _context, _many = arguments
        if self.on:
            self.statements.append((statement, parameters))


@dataclass(frozen=True)
class Case:
    adapter: str  # "REST" or "GraphQL"
    name: str
    params: tuple[tuple[str, str], ...] = ()  # REST query string
    filter: dict[str, Any] | None = None  # GraphQL JobFilter


def rest_cases(job: dict[str, Any], project: str) -> list[Case]:
    values = [
        ("id", job["id"]),
        ("id__starts_with", job["id"][:4]),
        ("batch_id", job["batch_id"]),
        ("project_id", project),
        ("user_id", job["user_id"]),
        ("status", "ERROR"),
        ("origin", "AZURE"),
        ("min_runs", "1000"),
        ("max_runs", "50"),
        ("errors", "true"),
        ("errors", "false"),
        ("start_date", job["start_timestamp"]),
        ("end_date", job["end_timestamp"]),
    ]
    cases = [Case("REST", UNFILTERED, (("limit", "100"),))]
    for name, value in values:
        shown = value if len(value) <= 12 else f"{value[:10]}…"
        cases.append(Case("REST", f"{name}={shown}", ((name, value), ("limit", "100"))))
    return cases


def graphql_cases(job: dict[str, Any], parent: str, project: str) -> list[Case]:
    filters: list[tuple[str, dict[str, Any]]] = [
        ("id", {"id": [job["id"]]}),
        ("idStartsWith", {"idStartsWith": job["id"][:4]}),
        ("parentId", {"parentId": [parent]}),
        ("batchId", {"batchId": [job["batch_id"]]}),
        ("projectId", {"projectId": [project]}),
        ("userId", {"userId": [job["user_id"]]}),
        ("status", {"status": ["ERROR"]}),
        ("origin", {"origin": ["AZURE"]}),
        ("minRuns", {"minRuns": 1000}),
        ("maxRuns", {"maxRuns": 50}),
        ("errors: true", {"errors": True}),
        ("errors: false", {"errors": False}),
        ("startDate", {"startDate": job["start_timestamp"]}),
        ("endDate", {"endDate": job["end_timestamp"]}),
        ("createdAt.lt", {"createdAt": {"lt": job["created_at"]}}),
        ("updatedAt.lt", {"updatedAt": {"lt": job["updated_at"]}}),
        ("startTimestamp.gte", {"startTimestamp": {"gte": job["start_timestamp"]}}),
        ("endTimestamp.lte", {"endTimestamp": {"lte": job["end_timestamp"]}}),
        ("runs.gte", {"runs": {"gte": 1000}}),
        ("progress.lt", {"progress": {"lt": 100}}),
        ("and", {"and": [{"status": ["ERROR"]}]}),
        ("or", {"or": [{"status": ["ERROR"]}, {"minRuns": 1000}]}),
        ("not", {"not": {"status": ["DONE"]}}),
    ]
    cases = [Case("GraphQL", UNFILTERED, filter=None)]
    cases += [Case("GraphQL", name, filter=value) for name, value in filters]
    return cases


@dataclass(frozen=True)
class Timing:
    case: Case
    median_ms: float
    rows: int
    statements: tuple[tuple[str, Any], ...]


class Checker:
    """Sends each case through the in-process app and times it."""

    def __init__(self, client: AsyncClient, recorder: Recorder, repeat: int) -> None:
        self.client = client
        self.recorder = recorder
        self.repeat = repeat

    async def once(self, case: Case) -> int:
        """One request; the number of jobs it returned."""
        if case.adapter == "REST":
            response = await self.client.get("/api/v2/jobs", params=list(case.params))
            if response.status_code != 200:
                raise SystemExit(f"{case.name}: {response.status_code} {response.text[:300]}")
            return len(response.json()["data"])
        body = {"query": JOBS_QUERY, "variables": {"filter": case.filter}}
        response = await self.client.post("/graphql", json=body)
        answer = response.json()
        if response.status_code != 200 or answer.get("errors"):
            raise SystemExit(f"{case.name}: {response.status_code} {response.text[:300]}")
        return len(answer["data"]["jobs"]["edges"])

    async def time(self, case: Case) -> Timing:
        self.recorder.statements.clear()
        self.recorder.on = True
        try:
            rows = await self.once(case)  # warm-up; its SQL is what EXPLAIN shows
        finally:
            self.recorder.on = False
        statements = tuple(self.recorder.statements)
        spent = []
        for _ in range(self.repeat):
            started = time.perf_counter()
            await self.once(case)
            spent.append((time.perf_counter() - started) * 1000)
        return Timing(case, statistics.median(spent), rows, statements)


async def explain(url: str, statement: str, parameters: Any, analyze: bool) -> list[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                result = await connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
                depth: dict[int, int] = {0: 0}
                lines = []
                for row in result.all():
                    values: list[Any] = list(row)
                    node, parent, detail = int(values[0]), int(values[1]), str(values[3])
                    depth[node] = depth.get(parent, 0) + 1
                    lines.append(f"{'  ' * depth[node]}{detail}")
                return lines
            prefix = "EXPLAIN (ANALYZE, BUFFERS)" if analyze else "EXPLAIN"
            result = await connection.exec_driver_sql(f"{prefix} {statement}", parameters)
            return [f"  {row[0]}" for row in result.all()]
    finally:
        await engine.dispose()


async def sample_values(client: AsyncClient, jobs: int) -> tuple[dict[str, Any], str]:
    """A DONE job in the middle of the newest-first order, and a job that has a parent."""
    middle = (await client.get("/api/v2/jobs", params={"offset": jobs // 2})).json()["data"]
    job = next((row for row in middle if row["end_timestamp"] is not None), None)
    for offset in range(0, 5000, 100):
        page = (await client.get("/api/v2/jobs", params={"offset": offset})).json()["data"]
        parent = next((row["parent_id"] for row in page if row["parent_id"]), None)
        if parent:
            break
    if job is None or parent is None:
        raise SystemExit("the data has no finished job in the middle or no job with a parent")
    return job, parent


async def check_database(
    paths: Paths, database: str, options: argparse.Namespace, report: list[str]
) -> int:
    """Time every case on one database; append its table and plans; the number of misses."""
    url = paths.url(database)
    project = await largest_project(url)
    recorder = Recorder()
    event.listen(Engine, "before_cursor_execute", recorder)
    app = create_app(
        load_settings(database_url=url, log_level="warning", development=True, auth_disabled=True)
    )
    try:
        async with (
            app.router.lifespan_context(app),
            AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client,
        ):
            job, parent = await sample_values(client, paths.jobs)
            checker = Checker(client, recorder, options.repeat)
            timings = []
            for case in rest_cases(job, project) + graphql_cases(job, parent, project):
                timing = await checker.time(case)
                log(f"   {case.adapter} {case.name}: {timing.median_ms:.1f} ms")
                timings.append(timing)
    finally:
        event.remove(Engine, "before_cursor_execute", recorder)
    base = {t.case.adapter: t.median_ms for t in timings if t.case.name == UNFILTERED}
    report += [
        f"\n## {database}: each filter alone vs the unfiltered first page "
        f"(median of {options.repeat}, in process, one at a time)\n",
        "| adapter | filter | ms | x unfiltered | jobs returned | within |",
        "|---|---|---:|---:|---:|---|",
    ]
    misses = []
    for timing in timings:
        ratio = timing.median_ms / base[timing.case.adapter]
        verdict = "yes" if ratio <= options.factor else f"**MISS** (> {options.factor:g}x)"
        report.append(
            f"| {timing.case.adapter} | {timing.case.name} | {timing.median_ms:.1f} | "
            f"{ratio:.1f} | {timing.rows} | {verdict} |"
        )
        if ratio > options.factor:
            misses.append(timing)
    for timing in misses:
        report.append(f"\n### {database} miss: {timing.case.adapter} {timing.case.name}\n")
        for statement, parameters in timing.statements:
            plan = await explain(url, statement, parameters, options.analyze)
            report += ["```sql", statement, f"-- parameters: {parameters!r}", *plan, "```"]
    return len(misses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", nargs="+", default=env_list("DATABASES", DATABASES))
    parser.add_argument("--factor", type=float, default=5.0, help="allowed slowdown (5)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per request (5)")
    parser.add_argument("--analyze", action="store_true", help="EXPLAIN ANALYZE on PostgreSQL")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="default $OUT/filters.md or DATA_DIR/jobgraph-filters-<time>.md",
    )
    parser.add_argument("--skip-data", action="store_true", help="skip benchmarks.dataset")
    options = parser.parse_args()
    paths = Paths.from_env()
    if not options.skip_data:
        prepare(paths, options.databases)
    report = [f"# Filters alone, {paths.jobs:,} jobs, {time.strftime('%Y-%m-%d %H:%M')}"]
    misses = 0
    for database in options.databases:
        with phase(f"{database}: every filter alone (REST and GraphQL)"):
            misses += asyncio.run(check_database(paths, database, options, report))
    report.append(f"\n{misses} request(s) slower than {options.factor:g}x the unfiltered page.")
    text = "\n".join(report) + "\n"
    print(text, flush=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = options.out or paths.data_dir / f"jobgraph-filters-{stamp}.md"
    if os.environ.get("OUT") and options.out is None:
        out = Path(os.environ["OUT"]) / "filters.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    log(f"report in {out}")


if __name__ == "__main__":
    main()

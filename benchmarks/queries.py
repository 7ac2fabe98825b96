"""Benchmark: GraphQL and REST reads against a live `jobgraph serve` on loopback.

Seeds a database of N jobs when it holds none (SQLite file by default, or --database-url),
starts the server with --workers processes, then sends each scenario's request --requests
times with --concurrency requests in flight, and prints throughput and latency percentiles.

Run on demand: `.venv/bin/python -m benchmarks.queries [--jobs 1000000] [--database-url URL]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from benchmarks.import_seed import machine
from benchmarks.probe import OPEN_ACCESS, wait_healthy


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str  # "graphql" or "rest"
    body: str | dict[str, Any]


SCENARIOS = [
    Scenario(
        "GraphQL: newest 100 jobs",
        "graphql",
        "{ jobs(first: 100) { edges { cursor node { id status runs createdAt } } "
        "pageInfo { hasNextPage endCursor } } }",
    ),
    Scenario(
        "GraphQL: 100 jobs with batch and project",
        "graphql",
        "{ jobs(first: 100) { edges { node { id status batch { id status deviceType } "
        "project { id name } } } } }",
    ),
    Scenario(
        "GraphQL: 50 ERROR jobs + totalCount",
        "graphql",
        "{ jobs(first: 50, filter: {status: [ERROR]}) "
        "{ totalCount edges { node { id errors } } } }",
    ),
    Scenario(
        "GraphQL: composed filter, ordered by runs",
        "graphql",
        "{ jobs(first: 50, filter: {minRuns: 500, or: [{status: [DONE]}, {errors: true}]}, "
        "orderBy: [{field: RUNS, direction: DESC}]) { edges { node { id runs } } } }",
    ),
    Scenario(
        "GraphQL: 20 jobs by start_timestamp",
        "graphql",
        "{ jobs(first: 20, orderBy: [{field: START_TIMESTAMP, direction: ASC}]) "
        "{ edges { node { id startTimestamp } } } }",
    ),
    Scenario(
        "GraphQL: 10 projects x 10 batches x 10 jobs",
        "graphql",
        "{ projects(first: 10) { edges { node { name batches(first: 10) { edges { node { id "
        "jobsCount jobs(first: 10) { edges { node { id status } } } } } } } } } }",
    ),
    Scenario("REST: /api/v2/jobs limit=100", "rest", {"limit": 100}),
    Scenario(
        "REST: status=ERROR&status=RUNNING, min_runs=100",
        "rest",
        {"limit": 100, "status": ["ERROR", "RUNNING"], "min_runs": 100},
    ),
    Scenario("REST: offset=10000, limit=100", "rest", {"limit": 100, "offset": 10000}),
    Scenario(
        "REST: order_by=end_timestamp ASC",
        "rest",
        {"order_by": "end_timestamp", "order_by_direction": "ASC"},
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_cli(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "jobgraph.cli", *arguments], env=env, check=True)


async def measure(
    client: httpx.AsyncClient,
    scenario: Scenario,
    requests: int,
    concurrency: int,
    progress: Progress,
) -> tuple[float, list[float]]:
    task = progress.add_task(scenario.name, total=requests)
    gate = asyncio.Semaphore(concurrency)

    async def one() -> float:
        async with gate:
            started = time.perf_counter()
            if scenario.method == "graphql":
                response = await client.post("/graphql", json={"query": scenario.body})
                failed = response.status_code != 200 or "errors" in response.json()
            else:
                response = await client.get("/api/v2/jobs", params=scenario.body)
                failed = response.status_code != 200
            if failed:
                raise SystemExit(f"{scenario.name}: {response.status_code} {response.text[:300]}")
            progress.advance(task)
            return time.perf_counter() - started

    started = time.perf_counter()
    latencies = sorted(await asyncio.gather(*(one() for _ in range(requests))))
    return time.perf_counter() - started, latencies


async def run_scenarios(base_url: str, requests: int, concurrency: int) -> list[str]:
    lines = []
    limits = httpx.Limits(max_connections=concurrency)
    columns = (TextColumn("{task.description:50}"), BarColumn(), MofNCompleteColumn())
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        with Progress(*columns, transient=True) as progress:
            for scenario in SCENARIOS:
                await measure(client, scenario, min(requests, 10), 1, progress)  # warm up
                elapsed, latencies = await measure(
                    client, scenario, requests, concurrency, progress
                )
                p50 = latencies[len(latencies) // 2] * 1000
                p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
                lines.append(
                    f"| {scenario.name} | {requests / elapsed:,.0f} | {p50:.1f} | {p95:.1f} |"
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000, help="seed this many if empty")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in var/")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--requests", type=int, default=200, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    url = args.database_url or f"sqlite+aiosqlite:///{Path('var') / f'bench-{args.jobs}.db'}"
    port = free_port()
    env = os.environ | OPEN_ACCESS | {"JOBGRAPH_DATABASE_URL": url, "JOBGRAPH_PORT": str(port)}
    postgres = url if url.startswith("postgresql") else None
    print(f"machine: {machine(postgres)}", flush=True)
    run_cli(env, "migrate")
    run_cli(env, "seed", "--if-empty", "--jobs", str(args.jobs))
    server = subprocess.Popen(
        [sys.executable, "-m", "jobgraph.cli", "serve", "--workers", str(args.workers)],
        env=env | {"JOBGRAPH_LOG_LEVEL": "warning"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_healthy(base_url, server, seconds=30))
        lines = asyncio.run(run_scenarios(base_url, args.requests, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=30)
    database = "PostgreSQL" if postgres else "SQLite"
    print(
        f"\n{args.jobs:,} jobs on {database}, {args.workers} server workers, "
        f"{args.concurrency} requests in flight, {args.requests} requests per scenario\n"
    )
    print("| scenario | requests/s | p50 ms | p95 ms |\n| --- | ---: | ---: | ---: |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""Change fan-out: SUBSCRIBERS WebSocket subscriptions on one worker, and a stream of changes.

For each database (SQLite, PostgreSQL): a fresh database is migrated and seeded (JOBS jobs),
`uvicorn jobgraph.app:create_app` starts with one worker on a free loopback port, SUBSCRIBERS
clients (graphql-transport-ws, in this process) subscribe to `jobChanges` (no filter), then
CHANGES updates are committed one per transaction, RATE a second, each setting one job's
`runs` to a number of its own. Each delivery's latency is the time from the writer's commit
returning to the client reading the change (the clients and the writer share this clock).

Reported: deliveries (must be SUBSCRIBERS x CHANGES), latency p50/p99/max, and the server's
CPU time (user + system, from /proc) per delivered change. The clients run on the same
machine, so on a small machine they compete with the server for CPU: the latencies include
that. Run: `make bench-fanout` (knobs: SUBSCRIBERS, CHANGES, RATE, JOBS, DATABASES, PG_SERVER).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select, update
from websockets.asyncio.client import connect

from benchmarks.import_seed import machine
from benchmarks.stress import JOBGRAPH, database
from jobgraph.db import models
from jobgraph.db.engine import make_database, make_engine
from jobgraph.query import changes

QUERY = (
    "subscription ($after: String) "
    "{ jobChanges(after: $after) { cursor operation job { id runs } } }"
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def subscribe(
    url: str,
    after: str,
    received: list[tuple[int, float]],
    ready: asyncio.Event,
    count: list[int],
    total: int,
    done: asyncio.Event,
) -> None:
    async with connect(url, subprotocols=["graphql-transport-ws"], max_size=None) as socket_:  # type: ignore[list-item]
        await socket_.send(json.dumps({"type": "connection_init"}))
        await socket_.recv()
        await socket_.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": QUERY, "variables": {"after": after}},
                }
            )
        )
        count[0] += 1
        if count[0] == total:
            ready.set()
        async for raw in socket_:
            message = json.loads(raw)
            if message["type"] != "next":
                continue
            runs = message["payload"]["data"]["jobChanges"]["job"]["runs"]
            received.append((runs, time.time()))
            if done.is_set():
                return


def start_server(url: str, options: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    """Migrate and seed a database, then serve it with one worker; the process and its URL."""
    environment = os.environ | {
        "JOBGRAPH_DATABASE_URL": url,
        "JOBGRAPH_DEVELOPMENT": "true",
        "JOBGRAPH_AUTH_DISABLED": "true",
        "JOBGRAPH_MAX_SUBSCRIPTIONS": str(options.subscribers + 10),
    }
    subprocess.run([*JOBGRAPH, "migrate"], env=environment, check=True, stdout=subprocess.DEVNULL)
    seed = [*JOBGRAPH, "seed", "--jobs", str(options.jobs)]
    subprocess.run(seed, env=environment, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "jobgraph.app:create_app"]
    server = subprocess.Popen(
        [*uvicorn, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the server did not start")


async def measure(url: str, base: str, pid: int, options: argparse.Namespace) -> dict[str, object]:
    db = make_database(make_engine(url))
    try:
        received: list[tuple[int, float]] = []
        ready, done = asyncio.Event(), asyncio.Event()
        count = [0]
        ws = base.replace("http://", "ws://") + "/graphql"
        # Every subscription starts at this cursor, however long subscribing 1,000 takes.
        after = changes.encode_cursor(await changes.current_position(db))
        clients = [
            asyncio.create_task(
                subscribe(ws, after, received, ready, count, options.subscribers, done)
            )
            for _ in range(options.subscribers)
        ]
        await asyncio.wait_for(ready.wait(), 300)
        await asyncio.sleep(2)  # every subscription reads "from now" before the first change
        async with db.read() as conn:
            ids = list(
                (await conn.execute(select(models.job_table.c.id).limit(options.changes))).scalars()
            )
        committed: dict[int, float] = {}
        cpu_before = cpu_seconds(pid)
        table = models.job_table
        for number, job_id in enumerate(ids):
            runs = 1_000_000 + number
            async with db.write() as conn:
                await conn.execute(update(table).where(table.c.id == job_id).values(runs=runs))
            committed[runs] = time.time()
            await asyncio.sleep(1 / options.rate)
        expected = options.subscribers * len(ids)
        for _ in range(1200):
            if len(received) >= expected:
                break
            await asyncio.sleep(0.1)
        cpu = cpu_seconds(pid) - cpu_before
        done.set()
        for client in clients:
            client.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
        latencies = sorted(at - committed[runs] for runs, at in received if runs in committed)
        quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        return {
            "deliveries": f"{len(latencies)} of {expected}",
            "p50_ms": round(quantiles[49] * 1000, 1),
            "p99_ms": round(quantiles[98] * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
            "server_cpu_s": round(cpu, 2),
            "cpu_us_per_delivery": round(cpu / max(1, len(latencies)) * 1e6, 1),
        }
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=int(env("SUBSCRIBERS", "1000")))
    parser.add_argument("--changes", type=int, default=int(env("CHANGES", "100")))
    parser.add_argument("--rate", type=float, default=float(env("RATE", "10")))
    parser.add_argument("--jobs", type=int, default=int(env("JOBS", "1000")))
    parser.add_argument("--databases", default=env("DATABASES", "sqlite,postgresql"))
    parser.add_argument(
        "--pg-server",
        default=env("PG_SERVER", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
    )
    options = parser.parse_args()
    print(machine(options.pg_server if "postgresql" in options.databases else None))
    print(
        f"{options.subscribers} subscribers, {options.changes} changes at {options.rate:g}/s, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for kind in options.databases.split(","):
            with database(kind, Path(folder), options.pg_server) as url:
                server, base = start_server(url, options)
                try:
                    found = asyncio.run(measure(url, base, server.pid, options))
                finally:
                    server.terminate()
                    server.wait(timeout=30)
                print(kind, json.dumps(found), flush=True)


if __name__ == "__main__":
    main()

"""Two server processes over one PostgreSQL database: each delivers every change, whoever
made it (an outside asyncpg connection, this test's own writes), through its own LISTEN."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from jobgraph.db.engine import Database
from jobgraph.query import changes
from tests.factories import Factory
from tests.subscribing import JOB_CHANGES, subscriber


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_process(database_url: str) -> Iterator[str]:
    """`uvicorn jobgraph.app:create_app` in a process of its own; yields its base URL."""
    port = _free_port()
    environment = os.environ | {
        "JOBGRAPH_DATABASE_URL": database_url,
        "JOBGRAPH_DEVELOPMENT": "true",
        "JOBGRAPH_AUTH_DISABLED": "true",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "jobgraph.app:create_app"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=environment,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server process ended while starting"
            assert time.monotonic() < deadline, "the server process did not start"
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_two_server_processes_both_deliver_every_change(
    database_url: str, db: Database, factory: Factory
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several processes over one database: PostgreSQL")
    job_batch = await factory.batch()
    start = changes.encode_cursor(await changes.current_position(db))
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    with server_process(database_url) as one, server_process(database_url) as two:
        async with subscriber(one) as first, subscriber(two, "graphql-ws") as second:
            await first.subscribe(JOB_CHANGES, {"after": start})
            await second.subscribe(JOB_CHANGES, {"after": start})
            job = await factory.job(job_batch)  # a write of this process
            outside = await asyncpg.connect(dsn)  # as psql would
            try:
                await outside.execute("UPDATE job SET status = 'CANCELED' WHERE id = $1", job.id)
            finally:
                await outside.close()
            seen = await asyncio.gather(first.take(2), second.take(2))
    for events in seen:
        assert [(e["operation"], e["job"]["id"]) for e in events] == [
            ("INSERT", job.id),
            ("UPDATE", job.id),
        ]
        assert events[-1]["job"]["status"] == "CANCELED"
    assert [e["cursor"] for e in seen[0]] == [e["cursor"] for e in seen[1]]

"""Helpers to start and ask a benchmark server: ports, CPU pinning, health, single requests."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from jobgraph.db import models
from jobgraph.db.engine import make_engine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pinned(cpu: int, pin: bool) -> list[str]:
    """The command prefix that runs a program on one CPU (nothing when pinning is off)."""
    if not pin:
        return []
    if shutil.which("taskset") is None:
        raise SystemExit("taskset is missing (util-linux); it pins the server and wrk to a CPU")
    return ["taskset", "-c", str(cpu)]


# The benchmarks time reads, not authentication: their servers run in development mode with
# authentication off (the load is on 127.0.0.1 only).
OPEN_ACCESS = {"JOBGRAPH_DEVELOPMENT": "true", "JOBGRAPH_AUTH_DISABLED": "true"}


def server_env(database_url: str) -> dict[str, str]:
    """The server's environment: the database, open access, and no access log (one line per
    request)."""
    return (
        os.environ
        | OPEN_ACCESS
        | {
            "JOBGRAPH_DATABASE_URL": database_url,
            "JOBGRAPH_LOG_LEVEL": "warning",
        }
    )


async def wait_healthy(base_url: str, server: subprocess.Popen[bytes], seconds: int = 60) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(seconds * 10):
            if server.poll() is not None:
                raise SystemExit(f"the server exited (code {server.returncode}) before it answered")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"the server did not answer /healthz within {seconds} s")


async def largest_project(url: str) -> str:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            project = models.job_table.c.project_id
            statement = (
                select(project).group_by(project).order_by(func.count().desc(), project).limit(1)
            )
            return str((await connection.execute(statement)).scalar_one())
    finally:
        await engine.dispose()


def find_project(url: str) -> str:
    """The project with the most jobs, chosen as the shared harness's prepare.py chooses it."""
    return asyncio.run(largest_project(url))


@dataclass(frozen=True)
class Probe:
    """Single requests to a running server, failing loudly on any error."""

    base_url: str
    project: str

    def rest(self, query: str) -> dict[str, Any]:
        response = httpx.get(f"{self.base_url}/api/v2/jobs?{query}", timeout=120)
        if response.status_code != 200:
            raise SystemExit(f"GET /api/v2/jobs?{query}: {response.status_code} {response.text}")
        answer: dict[str, Any] = response.json()
        return answer

    def graphql(self, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.base_url}/graphql", json=body, timeout=120)
        answer = response.json() if response.status_code == 200 else {}
        if response.status_code != 200 or answer.get("errors"):
            raise SystemExit(
                f"GraphQL {body['query'][:60]}: {response.status_code} {response.text}"
            )
        data: dict[str, Any] = answer["data"]
        return data

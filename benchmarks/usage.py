"""CPU accounting from /proc for the load benchmark: server, PostgreSQL, wrk and everyone else."""

from __future__ import annotations

import asyncio
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.dataset import Paths, asyncpg_dsn, log

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # the process exited
    return text.rsplit(")", 1)[1].split()  # fields from the state on (field 3)


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def process_ticks(pid: int, children: dict[int, list[int]]) -> int:
    """CPU ticks of a process, its reaped children and its live descendants."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0
    own = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return own + sum(process_ticks(child, children) for child in children.get(pid, []))


def busy_ticks() -> int:
    """Ticks the whole machine spent on anything but idle, I/O wait and steal."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values[:8]) - values[3] - values[4] - values[7]


def total_ticks() -> int:
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values[:8])


@dataclass(frozen=True)
class Sample:
    at: float
    server: int
    postgres: int
    busy: int
    children_seconds: float  # CPU of this process's waited-for children (wrk)


@dataclass(frozen=True)
class Usage:
    """Samples CPU counters around a measured window."""

    server_pid: int
    postgres_pid: int | None

    def sample(self, children_usage: resource.struct_rusage) -> Sample:
        tree = _children()
        postgres = 0 if self.postgres_pid is None else process_ticks(self.postgres_pid, tree)
        return Sample(
            at=time.perf_counter(),
            server=process_ticks(self.server_pid, tree),
            postgres=postgres,
            busy=busy_ticks(),
            children_seconds=children_usage.ru_utime + children_usage.ru_stime,
        )

    def wait_idle(self, patience: float = 60) -> None:
        """Wait until the server has answered what is still in flight (e.g. after a warm-up),
        so a measured window does not pay for requests it does not count."""
        deadline = time.perf_counter() + patience
        last = process_ticks(self.server_pid, _children())
        while time.perf_counter() < deadline:
            time.sleep(0.3)
            now = process_ticks(self.server_pid, _children())
            if now == last:
                return
            last = now
        log(f"   the server was still busy {patience:.0f} s after the warm-up")

    def between(self, before: Sample, after: Sample, requests: int) -> dict[str, Any]:
        wall = after.at - before.at
        server = (after.server - before.server) / CLOCK_TICKS
        postgres = (after.postgres - before.postgres) / CLOCK_TICKS
        wrk = after.children_seconds - before.children_seconds
        busy = (after.busy - before.busy) / CLOCK_TICKS
        per_request = 1000 / max(requests, 1)
        return {
            "wall_s": round(wall, 2),
            "server_cpu_s": round(server, 2),
            "server_cpu_ms_per_req": round(server * per_request, 3),
            "postgres_cpu_s": None if self.postgres_pid is None else round(postgres, 2),
            "postgres_cpu_ms_per_req": None
            if self.postgres_pid is None
            else round(postgres * per_request, 3),
            "wrk_cpu_s": round(wrk, 2),
            "other_cores": round(max(busy - server - postgres - wrk, 0) / wall, 2),
        }


def busy_percent(seconds: float) -> float:
    busy, total = busy_ticks(), total_ticks()
    time.sleep(seconds)
    spent = total_ticks() - total
    return 100 * (busy_ticks() - busy) / spent if spent else 0.0


def wait_quiet(percent: int, patience: int) -> None:
    """Before a window: wait up to `patience` s for the machine to be at most `percent` busy."""
    waited = 0.0
    while (busy := busy_percent(2)) > percent:
        if waited >= patience:
            log(f"   machine still {busy:.0f}% busy after {waited:.0f} s; measuring anyway")
            return
        if waited == 0:
            log(f"   machine {busy:.0f}% busy with other work; waiting up to {patience} s")
        time.sleep(3)
        waited += 5


async def _data_directory(paths: Paths) -> str:
    connection = await asyncpg.connect(asyncpg_dsn(paths.server_url()))
    try:
        return str(await connection.fetchval("SHOW data_directory"))
    finally:
        await connection.close()


def postgres_pid(paths: Paths) -> int | None:
    """The postmaster's pid, to count PostgreSQL's CPU; None when it is not on this machine."""
    try:
        pid_file = Path(asyncio.run(_data_directory(paths))) / "postmaster.pid"
        return int(pid_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        log("   PostgreSQL's postmaster.pid is not readable: its CPU is not counted")
        return None

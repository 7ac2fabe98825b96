"""Deterministic demo data: the same seed always gives the same projects, batches and jobs."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from jobgraph.db import models
from jobgraph.db.engine import Database
from jobgraph.domain import BatchStatus, JobOrigin, JobStatus
from jobgraph.importing import upsert_rows

DEFAULT_JOBS = 5_000
DEFAULT_SEED = 42
CHUNK_JOBS = 5_000
MIN_BATCH, MAX_BATCH = 25, 75
BASE_TIME = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600

PROJECT_NAMES = (
    "Rydberg arrays",
    "Optimisation combinatoire — réseau électrique",
    "量子シミュレーション",
    "Φυσική πολλών σωμάτων",
    "MIS on unit-disk graphs",
    "Quantum ML (Zürich)",
)
USER_COUNT = 9
DEVICES = ("FRESNEL", "EMU_TN", "EMU_MPS", "EMU_FREE")
CLUSTERS = ("fresnel-qpu", "emu-cluster-a", "emu-cluster-b")
TAGS = ("calibration", "mis", "qaoa", "benchmark", "tutorial", "production", "vqe", "réglage")
ERRORS = (
    "QPU calibration drift exceeded tolerance",
    "Sequence duration exceeds device maximum",
    "Emulator ran out of memory",
    "Register layout rejected: atoms too close",
)
STATUS_WEIGHTS = {
    JobStatus.DONE: 78,
    JobStatus.ERROR: 7,
    JobStatus.CANCELED: 5,
    JobStatus.RUNNING: 4,
    JobStatus.PENDING: 5,
    JobStatus.CANCELING: 1,
}
ORIGIN_WEIGHTS = {
    JobOrigin.CLIENT: 70,
    JobOrigin.AZURE: 15,
    JobOrigin.OVH: 10,
    JobOrigin.UNKNOWN: 5,
}


@dataclass
class SeedChunk:
    """Rows ready for upsert_rows, generated together so that every reference holds."""

    projects: list[dict[str, Any]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SeedSummary:
    projects: int
    batches: int
    jobs: int
    results: int
    seconds: float

    @property
    def jobs_per_second(self) -> float:
        return self.jobs / self.seconds if self.seconds > 0 else 0.0


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = list(STATUS_WEIGHTS.values())
        self.origins = list(ORIGIN_WEIGHTS)
        self.origin_weights = list(ORIGIN_WEIGHTS.values())

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def at(self, seconds: float) -> datetime:
        return BASE_TIME + timedelta(seconds=round(seconds, 3))

    def projects(self) -> list[dict[str, Any]]:
        return [
            {"id": self.new_id(), "name": name, "created_at": self.at(index * 86_400.0)}
            for index, name in enumerate(PROJECT_NAMES)
        ]

    def batch(
        self, project_id: str, users: list[str], parent_id: str | None, size: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        rng = self.rng
        batch_id = self.new_id()
        created = rng.uniform(10 * 86_400, SPAN_SECONDS)
        user_id = rng.choice(users)
        origin = rng.choices(self.origins, self.origin_weights)[0]
        runs = rng.choice((100, 200, 500, 1000))
        qubits = rng.randint(3, 6)
        parametrized = rng.random() < 0.7
        jobs: list[dict[str, Any]] = []
        results: list[dict[str, Any]] = []
        failed: list[str] = []
        for order in range(1, size + 1):
            status = rng.choices(self.statuses, self.status_weights)[0]
            job_created = created + (order // 3) * 0.5  # groups of three share created_at
            parent = None
            if failed and rng.random() < 0.5:
                parent = failed.pop()
            job = self.job(batch_id, project_id, user_id, status, origin, runs, job_created)
            job["parent_id"] = parent
            job["creation_order"] = order
            if parametrized:
                job["variables"] = {
                    "omega_max": round(rng.uniform(1.0, 15.0), 3),
                    "duration": rng.choice((500, 1000, 2000)),
                }
            if status == JobStatus.ERROR:
                failed.append(job["id"])
            elif status == JobStatus.DONE and rng.random() < 0.5:
                results.append({"job_id": job["id"], "result": self.result(qubits, runs)})
            jobs.append(job)
        return (
            self.batch_row(batch_id, project_id, user_id, parent_id, created, jobs),
            jobs,
            results,
        )

    def job(
        self, batch_id: str, project_id: str, user_id: str, status: JobStatus,
        origin: JobOrigin, runs: int, created: float,
    ) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        start = end = None
        progress = 0
        if status != JobStatus.PENDING:
            start = created + rng.uniform(1.0, 600.0)
            progress = rng.randint(1, 99)
            if status not in (JobStatus.RUNNING, JobStatus.CANCELING):
                end = start + rng.uniform(5.0, 3_600.0)
                progress = 100 if status == JobStatus.DONE else progress
        started = start is not None
        return {
            "id": self.new_id(),
            "parent_id": None,
            "batch_id": batch_id,
            "project_id": project_id,
            "user_id": user_id,
            "status": status.value,
            "origin": origin.value,
            "runs": runs,
            "created_at": self.at(created),
            "updated_at": self.at(end or start or created),
            "start_timestamp": self.at(start) if start is not None else None,
            "end_timestamp": self.at(end) if end is not None else None,
            "variables": None,
            "errors": rng.sample(ERRORS, rng.randint(1, 2)) if status == JobStatus.ERROR else [],
            "progress": progress,
            "creation_order": 0,
            "slurm_job_id": str(rng.randint(100_000, 999_999)) if started else None,
            "cluster_name": rng.choice(CLUSTERS) if started else None,
        }

    def result(self, qubits: int, runs: int) -> dict[str, Any]:
        rng = self.rng
        shots = [format(rng.getrandbits(qubits), f"0{qubits}b") for _ in range(8)]
        counter: dict[str, int] = {}
        for _ in range(min(runs, 24)):
            bitstring = rng.choice(shots)
            counter[bitstring] = counter.get(bitstring, 0) + 1
        return {"counter": dict(sorted(counter.items())), "raw": shots}

    def batch_row(
        self, batch_id: str, project_id: str, user_id: str, parent_id: str | None,
        created: float, jobs: list[dict[str, Any]],
    ) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        statuses = {job["status"] for job in jobs}
        if statuses & {"RUNNING", "CANCELING", "PENDING"}:
            running = statuses - {"PENDING"} != set()
            status = BatchStatus.RUNNING if running else BatchStatus.PENDING
        elif "ERROR" in statuses:
            status = BatchStatus.ERROR
        elif statuses == {"CANCELED"}:
            status = BatchStatus.CANCELED
        else:
            status = BatchStatus.DONE
        complete = status not in (BatchStatus.RUNNING, BatchStatus.PENDING)
        starts = [job["start_timestamp"] for job in jobs if job["start_timestamp"] is not None]
        ends = [job["end_timestamp"] for job in jobs if job["end_timestamp"] is not None]
        device = rng.choice(DEVICES)
        configuration: dict[str, Any] = {"dt": rng.choice((10, 20)), "precision": "normal"}
        if device != "FRESNEL":
            configuration["extra_config"] = {"max_bond_dim": rng.choice((32, 64, 128))}
        return {
            "id": batch_id,
            "parent_id": parent_id,
            "project_id": project_id,
            "user_id": user_id,
            "status": status.value,
            "device_type": device,
            "priority": rng.choice((0, 0, 0, 1, 10)),
            "open": not complete and rng.random() < 0.5,
            "complete": complete,
            "tags": rng.sample(TAGS, rng.randint(0, 3)),
            "configuration": configuration,
            "created_at": self.at(created),
            "updated_at": max(job["updated_at"] for job in jobs),
            "start_datetime": min(starts) if starts else None,
            "end_datetime": max(ends) if complete and ends else None,
        }


def batch_sizes(rng: random.Random, jobs: int) -> Iterator[int]:
    """Batch sizes of 25..75 that add up to `jobs` (one smaller batch if jobs < 25)."""
    remaining = jobs
    while remaining > 0:
        size = rng.randint(MIN_BATCH, MAX_BATCH)
        if remaining - size < MIN_BATCH:
            size = remaining if remaining <= MAX_BATCH else remaining - MIN_BATCH
        remaining -= size
        yield size


def generate(jobs: int, seed: int = DEFAULT_SEED) -> Iterator[SeedChunk]:
    """The demo rows for `jobs` jobs, in chunks of about CHUNK_JOBS jobs (memory stays flat)."""
    generator = _Generator(seed)
    projects = generator.projects()
    users = [generator.new_id() for _ in range(USER_COUNT)]
    recent: dict[str, list[str]] = {project["id"]: [] for project in projects}
    chunk = SeedChunk(projects=projects)
    for size in batch_sizes(random.Random(seed + 1), jobs):
        project_id = generator.rng.choice(projects)["id"]
        earlier = recent[project_id]
        parent_id = earlier[-1] if earlier and generator.rng.random() < 0.05 else None
        batch, batch_jobs, results = generator.batch(project_id, users, parent_id, size)
        earlier[:] = [*earlier[-4:], batch["id"]]
        chunk.batches.append(batch)
        chunk.jobs += batch_jobs
        chunk.results += results
        if len(chunk.jobs) >= CHUNK_JOBS:
            yield chunk
            chunk = SeedChunk()
    if chunk.projects or chunk.jobs:
        yield chunk


async def seed_database(
    db: Database,
    *,
    jobs: int = DEFAULT_JOBS,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
) -> SeedSummary:
    """Upsert the demo rows in one transaction; `progress` gets (jobs written, jobs)."""
    started = time.perf_counter()
    counts = [0, 0, 0, 0]
    async with db.write() as connection:
        for chunk in generate(jobs, seed):
            await upsert_rows(connection, models.project_table, chunk.projects)
            await upsert_rows(connection, models.batch_table, chunk.batches)
            await upsert_rows(connection, models.job_table, chunk.jobs)
            await upsert_rows(connection, models.job_result_table, chunk.results)
            sizes = (chunk.projects, chunk.batches, chunk.jobs, chunk.results)
            counts = [count + len(rows) for count, rows in zip(counts, sizes, strict=True)]
            if progress is not None:
                progress(counts[2], jobs)
    projects, batches, written, results = counts
    seconds = time.perf_counter() - started
    return SeedSummary(projects, batches, written, results, seconds)

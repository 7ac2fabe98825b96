"""Deterministic demo data: the same seed always gives the same projects, batches and jobs."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from jobgraph.db import models
from jobgraph.db.bulk import row_encoders
from jobgraph.db.convert import Rows
from jobgraph.db.engine import Database
from jobgraph.db.writer import BulkWriter, bulk_transaction
from jobgraph.domain import (
    BatchStatus,
    JobOrigin,
    JobStatus,
    ProjectStatus,
    QueuePriority,
    batch_complete,
)
from jobgraph.parallel import (
    PARALLEL_MIN_JOBS,
    default_processes,
    gc_paused,
    ordered_map,
)

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
# Batches per 100, as on a real account: most are finished, a few wait, run or failed. Each
# chunk deals its batches these statuses from a shuffled deck, so every status shows up.
BATCH_STATUS_DECK = {
    BatchStatus.DONE: 62,
    BatchStatus.ERROR: 8,
    BatchStatus.CANCELED: 6,
    BatchStatus.TIMED_OUT: 4,
    BatchStatus.RUNNING: 8,
    BatchStatus.PENDING: 8,
    BatchStatus.PAUSED: 4,
}
QUEUE_WEIGHTS = {QueuePriority.LOW: 30, QueuePriority.MEDIUM: 55, QueuePriority.HIGH: 15}
ARCHIVED_PROJECTS = frozenset({"Quantum ML (Zürich)"})
ORIGIN_WEIGHTS = {
    JobOrigin.CLIENT: 70,
    JobOrigin.AZURE: 15,
    JobOrigin.OVH: 10,
    JobOrigin.UNKNOWN: 5,
}


@dataclass
class SeedChunk:
    """Rows ready for the bulk writer, generated together so that every reference holds."""

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


UUID_MASK = ~(0xF000 << 64 | 0xC000 << 48) & ((1 << 128) - 1)
UUID_V4 = 0x4000 << 64 | 0x8000 << 48
DURATIONS = (500, 1000, 2000)
RUNS = (100, 200, 500, 1000)
PRIORITIES = (0, 0, 0, 1, 10)


class _Generator:
    """Draws the demo rows; few random calls per job, all from one seeded generator."""

    def __init__(self, seed: int | str) -> None:
        self.rng = random.Random(seed)
        self.deck = [
            status.value for status, count in BATCH_STATUS_DECK.items() for _ in range(count)
        ]
        self.rng.shuffle(self.deck)
        self.queues = [queue.value for queue in QUEUE_WEIGHTS]
        self.queue_cum = list(accumulate(QUEUE_WEIGHTS.values()))
        self.origins = [origin.value for origin in ORIGIN_WEIGHTS]
        self.origin_cum = list(accumulate(ORIGIN_WEIGHTS.values()))

    def new_id(self) -> str:
        """A version-4 UUID as lower-case text, from 128 seeded random bits."""
        digits = f"{self.rng.getrandbits(128) & UUID_MASK | UUID_V4:032x}"
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"

    def at(self, milliseconds: int) -> datetime:
        return BASE_TIME + timedelta(milliseconds=milliseconds)

    def projects(self) -> list[dict[str, Any]]:
        return [
            {
                "id": self.new_id(),
                "name": name,
                "created_at": self.at(index * 86_400_000),
                "project_status": (
                    ProjectStatus.ARCHIVED if name in ARCHIVED_PROJECTS else ProjectStatus.ACTIVE
                ).value,
            }
            for index, name in enumerate(PROJECT_NAMES)
        ]

    def job_statuses(self, status: str, size: int) -> Sequence[str]:
        """The statuses of a batch's jobs, in creation order, as its own status implies: jobs
        run one after another, so finished jobs come first and pending ones last."""
        random_ = self.rng.random
        finished = int(random_() * size)  # jobs already through, for unfinished batches

        def through(error_rate: float) -> str:
            return JobStatus.ERROR if random_() < error_rate else JobStatus.DONE

        if status == BatchStatus.PENDING:
            return [JobStatus.PENDING] * size
        if status == BatchStatus.RUNNING:
            statuses = [through(0.05) for _ in range(finished)] + [JobStatus.RUNNING]
            statuses += [JobStatus.PENDING] * (size - finished - 1)
            if len(statuses) > finished + 1 and random_() < 0.2:
                statuses[-1] = JobStatus.CANCELING  # a queued job its user is canceling
            return statuses
        if status == BatchStatus.PAUSED:
            finished = max(1, min(finished, size - 1))
            return [JobStatus.DONE] * finished + [JobStatus.PENDING] * (size - finished)
        if status == BatchStatus.CANCELED:
            return [JobStatus.DONE] * finished + [JobStatus.CANCELED] * (size - finished)
        if status == BatchStatus.ERROR:
            statuses = [through(0.3) for _ in range(size)]
            statuses[int(random_() * size)] = JobStatus.ERROR
            return statuses
        if status == BatchStatus.TIMED_OUT:
            return [through(0.08) for _ in range(size)]
        return [JobStatus.CANCELED if random_() < 0.02 else JobStatus.DONE for _ in range(size)]

    def batch(
        self,
        project_id: str,
        users: list[str],
        parent_id: str | None,
        size: int,
        batch_status: str,
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        rng = self.rng
        random_ = rng.random
        new_id, at = self.new_id, self.at
        batch_id = new_id()
        created = 864_000_000 + int(random_() * (SPAN_SECONDS * 1000 - 864_000_000))
        user_id = users[int(random_() * len(users))]
        origin = rng.choices(self.origins, cum_weights=self.origin_cum)[0]
        runs = RUNS[int(random_() * len(RUNS))]
        qubits = 3 + int(random_() * 4)
        parametrized = random_() < 0.7
        statuses = [str(value) for value in self.job_statuses(batch_status, size)]
        jobs: list[dict[str, Any]] = []
        results: list[dict[str, Any]] = []
        failed: list[str] = []
        for order, status in enumerate(statuses, 1):
            job_created = created + (order // 3) * 500  # groups of three share created_at
            job_id = new_id()
            start = end = None
            progress = 0
            if status != "PENDING":
                start = job_created + 1_000 + int(random_() * 599_000)
                progress = 1 + int(random_() * 99)
                if status != "RUNNING" and status != "CANCELING":
                    end = start + 5_000 + int(random_() * 3_595_000)
                    progress = 100 if status == "DONE" else progress
            started = start is not None
            errors: list[str] = []
            if status == "ERROR":
                errors = rng.sample(ERRORS, 1 + (random_() < 0.5))
            jobs.append(
                {
                    "id": job_id,
                    "parent_id": failed.pop() if failed and random_() < 0.5 else None,
                    "batch_id": batch_id,
                    "project_id": project_id,
                    "user_id": user_id,
                    "status": status,
                    "origin": origin,
                    "runs": runs,
                    "created_at": at(job_created),
                    "updated_at": at(end or start or job_created),
                    "start_timestamp": at(start) if start is not None else None,
                    "end_timestamp": at(end) if end is not None else None,
                    "variables": {
                        "omega_max": round(1.0 + random_() * 14.0, 3),
                        "duration": DURATIONS[int(random_() * 3)],
                    }
                    if parametrized
                    else None,
                    "errors": errors,
                    "progress": progress,
                    "creation_order": order,
                    "slurm_job_id": str(100_000 + int(random_() * 900_000)) if started else None,
                    "cluster_name": CLUSTERS[int(random_() * 3)] if started else None,
                }
            )
            if status == "ERROR":
                failed.append(job_id)
            elif status == "DONE" and random_() < 0.5:
                results.append({"job_id": job_id, "result": self.result(qubits, runs)})
        return (
            self.batch_row(batch_id, project_id, user_id, parent_id, created, batch_status, jobs),
            jobs,
            results,
        )

    def result(self, qubits: int, runs: int) -> dict[str, Any]:
        rng = self.rng
        shots = [format(rng.getrandbits(qubits), f"0{qubits}b") for _ in range(8)]
        counter = Counter(rng.choices(shots, k=min(runs, 24)))
        return {"counter": dict(sorted(counter.items())), "raw": shots}

    def batch_row(
        self,
        batch_id: str,
        project_id: str,
        user_id: str,
        parent_id: str | None,
        created: int,
        status: str,
        jobs: list[dict[str, Any]],
    ) -> dict[str, Any]:
        rng = self.rng
        complete = batch_complete(status)
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
            "status": status,
            "device_type": device,
            "priority": rng.choice(PRIORITIES),
            "queue_priority": rng.choices(self.queues, cum_weights=self.queue_cum)[0],
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


@dataclass(frozen=True)
class ChunkPlan:
    """One chunk of the demo data: its position and the sizes of its batches."""

    index: int
    sizes: tuple[int, ...]


@dataclass(frozen=True)
class Owners:
    """The projects and users every chunk's batches belong to."""

    project_ids: tuple[str, ...]
    users: tuple[str, ...]


def plan_chunks(jobs: int, seed: int) -> Iterator[ChunkPlan]:
    """Whole batches grouped into chunks of about CHUNK_JOBS jobs, in order."""
    sizes: list[int] = []
    index = 0
    for size in batch_sizes(random.Random(seed + 1), jobs):
        sizes.append(size)
        if sum(sizes) >= CHUNK_JOBS:
            yield ChunkPlan(index, tuple(sizes))
            index, sizes = index + 1, []
    if sizes:
        yield ChunkPlan(index, tuple(sizes))


def owners_of(seed: int) -> tuple[list[dict[str, Any]], Owners]:
    """The project rows and the users, drawn from `seed` alone."""
    generator = _Generator(seed)
    projects = generator.projects()
    users = tuple(generator.new_id() for _ in range(USER_COUNT))
    return projects, Owners(tuple(project["id"] for project in projects), users)


def chunk_rows(seed: int, plan: ChunkPlan, owners: Owners) -> SeedChunk:
    """The batches, jobs and results of one chunk; they depend on (seed, plan, owners) only.

    Each chunk draws from its own generator, seeded with the seed and the chunk's index, so
    chunks can be generated in any process and in any order with the same rows.
    """
    generator = _Generator(f"{seed}/{plan.index}")
    users = list(owners.users)
    recent: dict[str, list[str]] = {project_id: [] for project_id in owners.project_ids}
    chunk = SeedChunk()
    for position, size in enumerate(plan.sizes):
        project_id = generator.rng.choice(owners.project_ids)
        earlier = recent[project_id]
        parent_id = earlier[-1] if earlier and generator.rng.random() < 0.05 else None
        status = generator.deck[position % len(generator.deck)]
        batch, batch_jobs, results = generator.batch(project_id, users, parent_id, size, status)
        earlier[:] = [*earlier[-4:], batch["id"]]
        chunk.batches.append(batch)
        chunk.jobs += batch_jobs
        chunk.results += results
    return chunk


def generate(jobs: int, seed: int = DEFAULT_SEED) -> Iterator[SeedChunk]:
    """The demo rows for `jobs` jobs, in chunks of about CHUNK_JOBS jobs (memory stays flat).

    The projects come with the first chunk.
    """
    projects, owners = owners_of(seed)
    for plan in plan_chunks(jobs, seed):
        chunk = chunk_rows(seed, plan, owners)
        chunk.projects, projects = projects, []
        yield chunk
    if projects:
        yield SeedChunk(projects=projects)


SeedTask = tuple[str, int, ChunkPlan, Owners]


def encoded_chunk(task: SeedTask) -> dict[str, Rows]:
    """One chunk's rows encoded for the database driver named first in `task`, by table."""
    drivername, seed, plan, owners = task
    chunk = chunk_rows(seed, plan, owners)
    encoder = row_encoders(drivername)
    return {
        models.batch_table.name: encoder["batch"].encode(chunk.batches),
        models.job_table.name: encoder["job"].encode(chunk.jobs),
        models.job_result_table.name: encoder["job_result"].encode(chunk.results),
    }


async def seed_database(
    db: Database,
    *,
    jobs: int = DEFAULT_JOBS,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
    phase: Callable[[str], None] | None = None,
    processes: int | None = None,
    parallel_min_jobs: int = PARALLEL_MIN_JOBS,
) -> SeedSummary:
    """Upsert the demo rows in one transaction; `progress` gets (jobs written, jobs), `phase`
    the name of each step as it starts ("generating and writing", "rebuilding indexes",
    "committing").

    From `parallel_min_jobs` jobs on, `processes` helper processes (None: one per spare
    core) generate the chunks while this process writes them; the rows are the same.
    """
    started = time.perf_counter()
    tell = phase or (lambda _name: None)
    if processes is None:
        processes = default_processes()
    if jobs < parallel_min_jobs:
        processes = 0
    projects, owners = owners_of(seed)
    tables = (models.batch_table, models.job_table, models.job_result_table)
    counts = dict.fromkeys((table.name for table in tables), 0)
    with gc_paused():
        async with bulk_transaction(db) as connection:
            writer = BulkWriter(connection)
            await writer.drop_job_indexes(jobs)  # only when seeding adds half the table or more
            tell("generating and writing")
            await writer.upsert(models.project_table, projects)
            tasks = ((writer.drivername, seed, plan, owners) for plan in plan_chunks(jobs, seed))
            chunks = ordered_map(encoded_chunk, tasks, processes=processes)
            async with aclosing(chunks):
                async for chunk in chunks:
                    for table in tables:
                        await writer.upsert_encoded(table, chunk[table.name])
                        counts[table.name] += len(chunk[table.name])
                    if progress is not None:
                        progress(counts["job"], jobs)
            if writer.rebuilds_indexes:
                tell("rebuilding indexes")
            await writer.finish()
            tell("committing")
    seconds = time.perf_counter() - started
    return SeedSummary(len(projects), counts["batch"], counts["job"], counts["job_result"], seconds)

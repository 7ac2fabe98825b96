"""A small data set rich in edge cases: ties, nulls, unicode, boundaries, shared id prefixes."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from jobgraph.db import models
from jobgraph.db.engine import Database

JOB_STATUSES = ["PENDING", "RUNNING", "DONE", "ERROR", "CANCELED", "CANCELING"]
BATCH_STATUSES = ["PENDING", "RUNNING", "DONE", "CANCELED", "TIMED_OUT", "ERROR", "PAUSED"]
ORIGINS = ["CLIENT", "AZURE", "OVH", "UNKNOWN"]
USERS = ["alice", "bob", "zoë-ü", "用户"]
QUEUES = ["LOW", "HIGH", "MEDIUM"]
T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class Dataset:
    projects: list[dict[str, Any]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)


def _uuid(rng: random.Random, prefix: str = "") -> str:
    text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return prefix + text[len(prefix) :]


def build_dataset(
    seed: int = 7, jobs_per_batch: tuple[int, ...] = (0, 1, 12, 30, 9, 25)
) -> Dataset:
    """Deterministic rows; about a third of the jobs share created_at values, many nulls."""
    rng = random.Random(seed)
    data = Dataset()
    for index, name in enumerate(["Alpha", "Βήτα ✨", "gamma"]):
        data.projects.append(
            {
                "id": _uuid(rng),
                "name": name,
                "created_at": T0 + timedelta(days=index % 2),
                "project_status": "ARCHIVED" if index == 2 else "ACTIVE",
            }
        )
    tie_times = [T0 + timedelta(hours=h) for h in (1, 2, 3)]
    order = 0
    for index, count in enumerate(jobs_per_batch):
        project = data.projects[index % len(data.projects)]
        created = T0 + timedelta(days=index, microseconds=index)
        batch = {
            "id": _uuid(rng, "abc" if index == 2 else ""),
            "parent_id": data.batches[0]["id"] if index == 3 else None,
            "project_id": project["id"],
            "user_id": USERS[index % len(USERS)],
            "status": BATCH_STATUSES[index % len(BATCH_STATUSES)],
            "device_type": ["FRESNEL", "EMU_MPS", None][index % 3],
            "priority": index % 3,
            "queue_priority": QUEUES[(index // 2) % len(QUEUES)],
            "open": index % 2 == 0,
            "complete": index % 2 == 1,
            "tags": [["urgent", "ü-tag"], [], ["nightly"], None][index % 4],
            "configuration": {"dt": 10 * index, "name": "конфиг"} if index % 2 else None,
            "created_at": created if index != 4 else data.batches[0]["created_at"],
            "updated_at": created + timedelta(minutes=5),
            "start_datetime": None if index == 0 else created + timedelta(minutes=1),
            "end_datetime": None if index % 3 == 0 else created + timedelta(minutes=9),
        }
        data.batches.append(batch)
        for position in range(count):
            order += 1
            status = JOB_STATUSES[rng.randrange(len(JOB_STATUSES))]
            created_at = (
                tie_times[rng.randrange(3)]
                if rng.random() < 0.35
                else T0
                + timedelta(seconds=rng.randrange(0, 90 * 86400), microseconds=rng.randrange(3) * 7)
            )
            start = (
                None
                if status == "PENDING" or rng.random() < 0.1
                else created_at + timedelta(seconds=rng.randrange(1, 500))
            )
            end = (
                None
                if start is None or status == "RUNNING"
                else start + timedelta(seconds=rng.choice([0, 30, 30, 600]))
            )
            errors: list[str] | None = None
            if status == "ERROR":
                errors = rng.choice([["boom"], ["ошибка", "second"], []])
            elif rng.random() < 0.2:
                errors = rng.choice([[], None])
            job = {
                "id": _uuid(
                    rng, "abc" if position % 7 == 0 else ("ab" if position % 5 == 0 else "")
                ),
                "parent_id": data.jobs[-1]["id"] if data.jobs and rng.random() < 0.1 else None,
                "batch_id": batch["id"],
                "project_id": batch["project_id"],
                "user_id": batch["user_id"] if rng.random() < 0.8 else rng.choice(USERS),
                "status": status,
                "origin": rng.choice(ORIGINS),
                "runs": rng.choice([0, 1, 100, 100, 500, 1000]),
                "created_at": created_at,
                "updated_at": created_at + timedelta(seconds=rng.choice([0, 1, 1000])),
                "start_timestamp": start,
                "end_timestamp": end,
                "variables": rng.choice([None, {}, {"omega": 1.5, "label": "π"}]),
                "errors": errors,
                "progress": rng.choice([0, 0, 50, 100]),
                "creation_order": position,
                "slurm_job_id": rng.choice([None, str(1000 + order)]),
                "cluster_name": rng.choice([None, "orion", "Cassiopée"]),
            }
            data.jobs.append(job)
            if status == "DONE" and rng.random() < 0.5:
                data.results[job["id"]] = {"counter": {"0101": order, "1111": 3}, "raw": ["0101"]}
    return data


async def load_dataset(db: Database, data: Dataset) -> None:
    async with db.write() as connection:
        if data.projects:
            await connection.execute(insert(models.project_table), data.projects)
        if data.batches:
            await connection.execute(insert(models.batch_table), data.batches)
        if data.jobs:
            await connection.execute(insert(models.job_table), data.jobs)
        if data.results:
            rows = [{"job_id": key, "result": value} for key, value in data.results.items()]
            await connection.execute(insert(models.job_result_table), rows)

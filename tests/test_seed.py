"""`seed_database`: deterministic demo rows that keep the data model's invariants."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from jobgraph.db import models
from jobgraph.db.bulk import count_jobs
from jobgraph.db.engine import Database
from jobgraph.domain import BatchStatus
from jobgraph.parallel import ordered_map
from jobgraph.seed import (
    batch_sizes,
    encoded_chunk,
    generate,
    owners_of,
    plan_chunks,
    seed_database,
)
from tests.import_data import rows, snapshot


async def test_seed_same_seed_gives_identical_rows(db: Database) -> None:
    first = [chunk.jobs + chunk.batches + chunk.results for chunk in generate(300, seed=7)]
    second = [chunk.jobs + chunk.batches + chunk.results for chunk in generate(300, seed=7)]
    other = [chunk.jobs for chunk in generate(300, seed=8)]

    summary = await seed_database(db, jobs=300, seed=7)
    stored = await snapshot(db)
    await seed_database(db, jobs=300, seed=7)

    assert first == second
    assert [row["id"] for row in other[0]] != [row["id"] for row in first[0][:300]]
    assert await snapshot(db) == stored
    assert (summary.projects, summary.jobs, await count_jobs(db)) == (6, 300, 300)
    assert len(stored["job_result"]) == summary.results > 0


async def test_seed_rows_keep_the_invariants(db: Database) -> None:
    await seed_database(db, jobs=1_000, seed=3)
    jobs = await rows(db, models.job_table)
    batches = {row["id"]: row for row in await rows(db, models.batch_table)}
    results = {row["job_id"] for row in await rows(db, models.job_result_table)}

    per_batch = Counter(job["batch_id"] for job in jobs)
    assert all(25 <= count <= 75 for count in per_batch.values())
    assert set(per_batch) == set(batches)
    for job in jobs:
        assert job["project_id"] == batches[job["batch_id"]]["project_id"]
        assert bool(job["errors"]) == (job["status"] == "ERROR")
        if job["status"] == "PENDING":
            assert (job["start_timestamp"], job["end_timestamp"]) == (None, None)
        if job["status"] in ("RUNNING", "CANCELING"):
            assert job["start_timestamp"] is not None
            assert job["end_timestamp"] is None
        if job["id"] in results:
            assert job["status"] == "DONE"
    statuses = Counter(job["status"] for job in jobs)
    assert statuses.most_common(1)[0][0] == "DONE"
    assert {"ERROR", "CANCELED", "RUNNING", "PENDING"} <= set(statuses)
    assert len({job["created_at"] for job in jobs}) < len(jobs)  # deliberate ties
    assert any(job["parent_id"] for job in jobs)
    assert any(batch["tags"] for batch in batches.values())
    names = {row["name"] for row in await rows(db, models.project_table)}
    assert any(not name.isascii() for name in names)
    span = max(job["created_at"] for job in jobs) - min(job["created_at"] for job in jobs)
    assert span.days > 365


def test_seed_batch_sizes_add_up_and_stay_in_range() -> None:
    for jobs in (25, 76, 99, 100, 1_000, 12_345):
        sizes = list(batch_sizes(random.Random(jobs), jobs))
        assert sum(sizes) == jobs
        assert all(25 <= size <= 75 for size in sizes)
    assert list(batch_sizes(random.Random(1), 10)) == [10]


async def test_seed_chunks_are_the_same_whichever_process_generates_them() -> None:
    _, owners = owners_of(9)
    tasks = [("sqlite+aiosqlite", 9, plan, owners) for plan in plan_chunks(12_000, 9)]

    here = [chunk async for chunk in ordered_map(encoded_chunk, tasks, processes=0)]
    helpers = [chunk async for chunk in ordered_map(encoded_chunk, tasks, processes=2)]

    assert len(tasks) == 3
    assert helpers == here
    assert [len(chunk["job"]) for chunk in here] == [
        sum(plan.sizes) for plan in plan_chunks(12_000, 9)
    ]


async def test_seed_in_helper_processes_stores_the_generated_rows(db: Database) -> None:
    summary = await seed_database(db, jobs=6_000, seed=4, processes=2, parallel_min_jobs=0)

    stored = await snapshot(db)
    generated: dict[str, list[dict[str, Any]]] = {"project": [], "batch": [], "job": []}
    for chunk in generate(6_000, seed=4):
        generated["project"] += chunk.projects
        generated["batch"] += chunk.batches
        generated["job"] += chunk.jobs
    for name, expected in generated.items():
        assert stored[name] == sorted(expected, key=lambda row: str(row["id"])), name
    assert (summary.projects, summary.jobs, len(stored["job_result"])) == (
        6,
        6_000,
        summary.results,
    )


def test_seed_demo_batches_take_every_status_in_realistic_proportions() -> None:
    batches: list[dict[str, Any]] = []
    jobs: dict[str, list[str]] = {}
    for chunk in generate(5_000):  # what `make run` seeds
        batches += chunk.batches
        for row in chunk.jobs:
            jobs.setdefault(row["batch_id"], []).append(row["status"])
    statuses = Counter(batch["status"] for batch in batches)
    assert set(statuses) == {status.value for status in BatchStatus}
    assert statuses["DONE"] > len(batches) / 2
    assert all(count <= len(batches) / 10 for status, count in statuses.items() if status != "DONE")
    assert set(Counter(batch["queue_priority"] for batch in batches)) == {"LOW", "MEDIUM", "HIGH"}
    for batch in batches:
        held = set(jobs[batch["id"]])
        unfinished = held & {"PENDING", "RUNNING", "CANCELING"}
        match batch["status"]:
            case "PENDING":
                assert held == {"PENDING"}
            case "RUNNING":
                assert "RUNNING" in held
            case "PAUSED":
                assert held <= {"DONE", "PENDING"}
                assert "PENDING" in held or len(jobs[batch["id"]]) == 1
            case "ERROR":
                assert "ERROR" in held
                assert not unfinished
            case _:
                assert not unfinished
        assert batch["complete"] == (batch["status"] not in ("PENDING", "RUNNING", "PAUSED"))


def test_seed_projects_are_active_but_one() -> None:
    projects, _ = owners_of(42)
    assert Counter(project["project_status"] for project in projects) == {
        "ACTIVE": 5,
        "ARCHIVED": 1,
    }

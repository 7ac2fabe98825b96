"""The total of an unfiltered job list stays exact through every kind of write."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import delete, insert, text

from jobgraph.db import models
from jobgraph.db.engine import Database
from tests.databases import upsert_rows
from tests.dataset import build_dataset, load_dataset
from tests.graphql_client import run_graphql


async def _totals(client: AsyncClient) -> tuple[int, int]:
    rest = (await client.get("/api/v2/jobs", params={"limit": 1})).json()["pagination"]["total"]
    graphql = (await run_graphql(client, "{ jobs(first: 1) { totalCount } }"))["jobs"]
    return rest, graphql["totalCount"]


async def _counted(db: Database) -> int:
    async with db.read() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM job"))).scalar_one())


async def test_unfiltered_totals_follow_inserts_upserts_deletes_and_truncation(
    client: AsyncClient, db: Database
) -> None:
    data = build_dataset()
    await load_dataset(db, data)
    assert await _totals(client) == (len(data.jobs), len(data.jobs)) == (await _counted(db),) * 2

    async with db.write() as connection:  # the same rows again, and two new ones
        extra = [dict(data.jobs[0], id=f"ffffffff-0000-4000-8000-00000000000{n}") for n in (1, 2)]
        await upsert_rows(connection, models.job_table, [*data.jobs, *extra])
    assert await _totals(client) == (len(data.jobs) + 2,) * 2

    async with db.write() as connection:
        await connection.execute(delete(models.job_result_table))
        await connection.execute(delete(models.job_table).where(models.job_table.c.runs >= 500))
    remaining = await _counted(db)
    assert 0 < remaining < len(data.jobs)
    assert await _totals(client) == (remaining, remaining)

    async with db.write() as connection:
        await connection.execute(text("DELETE FROM job"))
        await connection.execute(insert(models.job_table), extra[:1])
    assert await _totals(client) == (1, 1)


COUNTS_QUERY = """
query Counts($project: ID!, $statuses: [JobStatus!]) {
  jobs(first: 1, filter: {projectId: [$project], status: $statuses}) { totalCount }
  project(id: $project) {
    batches(first: 100) {
      nodes { id jobsCount jobsCountPerStatus { status count } jobs(first: 1) { totalCount } }
    }
  }
}
"""


async def _live_counts(db: Database) -> dict[tuple[str, str, str], int]:
    statement = text(
        "SELECT project_id, batch_id, status, count(*) FROM job"
        " GROUP BY project_id, batch_id, status"
    )
    async with db.read() as connection:
        return {(p, b, s): int(n) for p, b, s, n in await connection.execute(statement)}


async def _assert_counts_follow(
    client: AsyncClient, db: Database, data_projects: list[str]
) -> None:
    """Every count by project, batch and status, through REST and both GraphQL paths, is what
    count(*) gives now."""
    live = await _live_counts(db)
    for project in data_projects:
        for statuses in (["DONE"], ["DONE", "ERROR"], ["PENDING", "RUNNING", "CANCELED"]):
            expected = sum(n for (p, _, s), n in live.items() if p == project and s in statuses)
            params = [("project_id", project)]
            params += [("status", status) for status in statuses]
            page = (await client.get("/api/v2/jobs", params=[*params, ("limit", "1")])).json()
            assert page["pagination"]["total"] == expected
            for offset in (expected, 10_000):  # past the end: no rows, the same total
                past = [("limit", "5"), ("offset", str(offset))]
                page = (await client.get("/api/v2/jobs", params=[*params, *past])).json()
                assert (page["data"], page["pagination"]["total"]) == ([], expected)
            variables = {"project": project, "statuses": statuses}
            answer = await run_graphql(client, COUNTS_QUERY, variables)
            assert answer["jobs"]["totalCount"] == expected
            for batch in answer["project"]["batches"]["nodes"]:
                mine = {s: n for (_, b, s), n in live.items() if b == batch["id"]}
                assert batch["jobsCount"] == batch["jobs"]["totalCount"] == sum(mine.values())
                per_status = {c["status"]: c["count"] for c in batch["jobsCountPerStatus"]}
                assert per_status == {s: mine.get(s, 0) for s in per_status}
    async with db.read() as connection:  # the kept counts themselves, zeros left out
        kept = await connection.execute(text("SELECT * FROM job_count WHERE total <> 0"))
        assert {(p, b, s): int(n) for p, b, s, n in kept} == live


async def test_counts_by_project_batch_and_status_follow_every_kind_of_write(
    client: AsyncClient, db: Database
) -> None:
    data = build_dataset()
    await load_dataset(db, data)
    projects = [project["id"] for project in data.projects]
    await _assert_counts_follow(client, db, projects)

    async with db.write() as connection:  # statuses and batches change, in one upsert
        batches = [batch for batch in data.batches if batch["project_id"] == projects[0]]
        moved = [
            dict(
                job,
                status="DONE" if job["status"] != "DONE" else "ERROR",
                batch_id=batches[n % 2]["id"],
            )
            for n, job in enumerate(data.jobs)
            if job["project_id"] == projects[0]
        ]
        await upsert_rows(connection, models.job_table, moved)
    await _assert_counts_follow(client, db, projects)

    async with db.write() as connection:  # an UPDATE of some statuses, then deletes
        await connection.execute(text("UPDATE job SET status = 'CANCELED' WHERE runs < 300"))
        await connection.execute(delete(models.job_result_table))
        await connection.execute(delete(models.job_table).where(models.job_table.c.runs >= 700))
    await _assert_counts_follow(client, db, projects)

    async with db.write() as connection:
        await connection.execute(text("DELETE FROM job"))
    await _assert_counts_follow(client, db, projects)

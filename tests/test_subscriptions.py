"""GraphQL subscriptions on a live server: every change of an import exactly once and in
order, resuming from a cursor, both WebSocket protocols, HTTP multipart, filters and scope."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from jobgraph.app import create_app
from jobgraph.auth.manage import create_token
from jobgraph.db import models
from jobgraph.db.engine import Database
from jobgraph.importing import import_path
from jobgraph.query import changes
from jobgraph.settings import Settings
from tests.conftest import open_settings
from tests.factories import Factory
from tests.import_data import batch, numbered_jobs, project, write_lines
from tests.live import serving
from tests.subscribing import BATCH_CHANGES, JOB_CHANGES, WAIT_SECONDS, subscriber

JOBS = 3000


async def now(db: Database) -> str:
    """A cursor after every change so far: subscribing with it is independent of timing."""
    return changes.encode_cursor(await changes.current_position(db))


def _position(cursor: str) -> tuple[int, int]:
    _kind, xid, seq = json.loads(base64.urlsafe_b64decode(cursor))
    return xid, seq


async def _import(db: Database, tmp_path: Path, name: str, **values: Any) -> None:
    path = write_lines(tmp_path / name, project(), batch(), *numbered_jobs(JOBS, **values))
    await import_path(db, path)


async def test_subscription_sees_every_change_of_an_import_once_in_order(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    with serving(create_app(settings)) as base_url:
        async with subscriber(base_url) as client:
            await client.subscribe(JOB_CHANGES, {"after": await now(db)})
            await _import(db, tmp_path, "first.ndjson", status="RUNNING")
            await _import(db, tmp_path, "second.ndjson", status="DONE")
            events = await client.take(2 * JOBS)

    ids = [f"0c000000-0000-4000-8000-{number:012x}" for number in range(JOBS)]
    inserts, updates = events[:JOBS], events[JOBS:]
    assert {e["operation"] for e in inserts} == {"INSERT"}
    assert {e["operation"] for e in updates} == {"UPDATE"}
    assert sorted(e["job"]["id"] for e in inserts) == ids  # each job once
    assert sorted(e["job"]["id"] for e in updates) == ids
    assert {e["job"]["status"] for e in updates} == {"DONE"}
    positions = [_position(e["cursor"]) for e in events]
    assert positions == sorted(set(positions))  # strictly increasing: in order, no repeat


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_subscription_resumed_with_its_last_cursor_gets_exactly_the_missed_changes(
    settings: Settings, db: Database, factory: Factory, protocol: str
) -> None:
    job_batch = await factory.batch()
    table = models.job_table
    with serving(create_app(settings)) as base_url:
        async with subscriber(base_url, protocol) as client:
            await client.subscribe(JOB_CHANGES, {"after": await now(db)})
            jobs = [await factory.job(job_batch) for _ in range(6)]
            seen = await client.take(3)
        # Disconnected: more changes happen, then the client resumes.
        async with db.write() as conn:
            await conn.execute(update(table).where(table.c.id == jobs[0].id).values(runs=42))
        async with subscriber(base_url, protocol) as client:
            await client.subscribe(JOB_CHANGES, {"after": seen[-1]["cursor"]})
            rest = await client.take(4)
            async with db.write() as conn:
                await conn.execute(update(table).where(table.c.id == jobs[1].id).values(runs=7))
            live = await client.take(1)

    received = [(e["operation"], e["job"]["id"]) for e in seen + rest + live]
    assert received == [("INSERT", job.id) for job in jobs] + [
        ("UPDATE", jobs[0].id),
        ("UPDATE", jobs[1].id),
    ]


async def test_subscription_filters_and_scope_hold_on_the_stream(
    database_url: str, db: Database, factory: Factory
) -> None:
    settings = open_settings(
        database_url, development=False, auth_disabled=False, results_secret="x" * 32
    )
    mine, theirs = await factory.project(), await factory.project()
    my_batch, their_batch = await factory.batch(mine), await factory.batch(theirs)
    token = await create_token(db, "ada", [mine.id])
    auth = {"Authorization": f"Bearer {token.token}"}
    with serving(create_app(settings)) as base_url:
        async with subscriber(base_url, payload=auth) as client:  # the token in connection_init
            start = await now(db)
            await client.subscribe(JOB_CHANGES, {"filter": {"status": ["RUNNING"]}, "after": start})
            await factory.job(their_batch, status="RUNNING")  # out of scope
            await factory.job(my_batch, status="DONE")  # filtered out
            kept = await factory.job(my_batch, status="RUNNING")
            events = await client.take(1)
            await factory.job(their_batch, status="RUNNING")
            last = await factory.job(my_batch, status="RUNNING")
            after = await client.take(1)
        with pytest.raises(Exception, match="4403"):
            async with subscriber(base_url, payload={"Authorization": "Bearer nope"}):
                pass
    assert [e["job"]["id"] for e in events + after] == [kept.id, last.id]


async def test_subscription_errors_for_a_bad_cursor_and_at_the_limits(
    database_url: str, db: Database, factory: Factory
) -> None:
    settings = open_settings(database_url, max_subscriptions_per_connection=1, max_subscriptions=1)
    with serving(create_app(settings)) as base_url:
        async with subscriber(base_url) as client:
            await client.subscribe(JOB_CHANGES, {"after": "not-a-cursor"})
            bad = await client.message()
            assert (await client.message())["type"] == "complete"
            await client.subscribe(BATCH_CHANGES, {"after": await now(db)})
            await factory.batch()
            await client.take(1, "batchChanges")  # it runs: it holds the worker's one place
            await client.subscribe(JOB_CHANGES)  # a second operation on this connection
            refused = await client.message()
            async with subscriber(base_url) as other:  # the worker's one subscription is taken
                await other.subscribe(JOB_CHANGES)
                full = await other.message()
    assert bad["type"] == "next"
    assert bad["payload"]["errors"][0]["message"].startswith("`after` is not a change cursor")
    assert bad["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (refused["type"], refused["payload"][0]["message"]) == (
        "error",
        "Subscription limit reached",
    )
    assert full["payload"]["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


async def test_subscription_over_http_multipart(
    settings: Settings, db: Database, factory: Factory
) -> None:
    job_batch = await factory.batch()
    body = {"query": JOB_CHANGES, "variables": {"after": await now(db)}}
    accept = 'multipart/mixed;subscriptionSpec="1.0", application/json'
    with serving(create_app(settings)) as base_url:
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=WAIT_SECONDS) as http,
            http.stream("POST", "/graphql", json=body, headers={"Accept": accept}) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("multipart/mixed")
            job = await factory.job(job_batch)
            received = ""
            async for chunk in response.aiter_text():
                received += chunk
                if job.id in received:
                    break
    assert '"operation":"INSERT"' in received.replace(" ", "")

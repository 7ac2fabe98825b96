"""Randomised: several principals over the seeded projects ask many REST and GraphQL questions
(node, nested lists, counts, per-status counts, results links) on both GraphQL paths. No id
outside the caller's projects ever appears, and every count equals the visible rows, as a
reference computed from the data set says."""

from __future__ import annotations

import random
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from jobgraph.app import create_app
from jobgraph.auth.manage import create_token
from jobgraph.db import access
from jobgraph.db.engine import Database
from jobgraph.settings import Settings
from tests.conftest import open_settings
from tests.dataset import JOB_STATUSES, Dataset, build_dataset, load_dataset

DATA = build_dataset()
PROJECTS = [project["id"] for project in DATA.projects]
JWT_SECRET = "jwt-test-secret-of-at-least-thirty-two-bytes"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ROUNDS = 12


@dataclass(frozen=True)
class Caller:
    name: str
    authorization: str
    projects: frozenset[str]  # what it may read

    def jobs(self) -> list[dict[str, Any]]:
        return [job for job in DATA.jobs if job["project_id"] in self.projects]

    def batches(self) -> list[dict[str, Any]]:
        return [batch for batch in DATA.batches if batch["project_id"] in self.projects]

    def visible_ids(self) -> set[str]:
        rows = [*self.jobs(), *self.batches()]
        return {row["id"] for row in rows} | set(self.projects)


def access_settings(database_url: str, compiled: bool) -> Settings:
    return open_settings(
        database_url,
        auth_disabled=False,
        compiled_graphql=compiled,
        jwt_secret=JWT_SECRET,
        jwt_audience="jobgraph",
    )


async def make_callers(db: Database) -> list[Caller]:
    """An admin, members of one and of two projects, a token limited to fewer projects than
    its user belongs to, a member of no stored project, and a JWT user."""
    admin = await create_token(db, "root", [], admin=True)
    one = await create_token(db, "ada", [PROJECTS[0]])
    two = await create_token(db, "bob", [PROJECTS[1], PROJECTS[2]])
    await access.add_memberships(
        db, "cy", [PROJECTS[0], PROJECTS[1]], DATA.projects[0]["created_at"]
    )
    narrow = await create_token(db, "cy", [PROJECTS[1]])
    nowhere = await create_token(db, "dee", ["00000000-0000-4000-8000-00000000dead"])
    await access.add_memberships(db, "eve", [PROJECTS[2]], DATA.projects[0]["created_at"])
    claims = {"sub": "eve", "aud": "jobgraph", "exp": int(time.time()) + 600}
    signed = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    return [
        Caller("admin", f"Bearer {admin.token}", frozenset(PROJECTS)),
        Caller("one", f"Bearer {one.token}", frozenset(PROJECTS[:1])),
        Caller("two", f"Bearer {two.token}", frozenset(PROJECTS[1:])),
        Caller("narrow", f"Bearer {narrow.token}", frozenset(PROJECTS[1:2])),
        Caller("nowhere", f"Bearer {nowhere.token}", frozenset()),
        Caller("jwt", f"Bearer {signed}", frozenset(PROJECTS[2:])),
    ]


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


def ids_in(value: Any) -> set[str]:
    """Every UUID anywhere in a response (keys, values, cursors' plain text aside)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for item in value.values():
            found |= ids_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= ids_in(item)
    elif isinstance(value, str):
        found |= set(UUID.findall(value))
    return found


JOB_FIELDS = "id projectId batchId status batch { id projectId } project { id } parent { id }"
BATCH_FIELDS = (
    "id projectId jobsCount jobsCountPerStatus { status count } project { id } "
    "parent { id projectId } jobs(first: 7) { totalCount nodes { id projectId } }"
)
QUERY = f"""
query Everything($statuses: [JobStatus!], $first: Int!, $ids: [ID!]!, $one: ID!) {{
  jobs(first: $first, filter: {{status: $statuses}}) {{
    totalCount edges {{ cursor node {{ {JOB_FIELDS} result }} }}
  }}
  batches(first: 20) {{ totalCount nodes {{ {BATCH_FIELDS} }} }}
  projects {{
    totalCount
    nodes {{
      id name
      batches {{ totalCount nodes {{ id jobsCount }} }}
      jobs(first: 5, filter: {{status: $statuses}}) {{ totalCount nodes {{ id projectId }} }}
    }}
  }}
  node(id: $one) {{ id ... on Job {{ projectId }} ... on Batch {{ projectId }} }}
  nodes(ids: $ids) {{ id }}
  job(id: $one) {{ {JOB_FIELDS} }}
  batch(id: $one) {{ {BATCH_FIELDS} }}
  project(id: $one) {{ id jobs {{ totalCount }} }}
}}
"""


def expected_graphql(caller: Caller, variables: dict[str, Any]) -> dict[str, Any]:
    """The answers' counts and ids, from the data set alone."""
    statuses = variables["statuses"]
    jobs = [j for j in caller.jobs() if statuses is None or j["status"] in statuses]
    batches = caller.batches()
    visible = caller.visible_ids()
    return {
        "jobs.totalCount": len(jobs),
        "batches.totalCount": len(batches),
        "projects.totalCount": len(caller.projects),
        "nodes": [key if key in visible else None for key in variables["ids"]],
        "one": variables["one"] if variables["one"] in visible else None,
        "jobs by batch": {
            b["id"]: [j for j in caller.jobs() if j["batch_id"] == b["id"]] for b in batches
        },
        "filtered by project": {
            p: len([j for j in jobs if j["project_id"] == p]) for p in caller.projects
        },
    }


def check_graphql(caller: Caller, variables: dict[str, Any], data: dict[str, Any]) -> None:
    visible = caller.visible_ids()
    assert ids_in(data) <= visible, (caller.name, ids_in(data) - visible)
    want = expected_graphql(caller, variables)
    assert data["jobs"]["totalCount"] == want["jobs.totalCount"]
    assert len(data["jobs"]["edges"]) == min(variables["first"], want["jobs.totalCount"])
    assert data["batches"]["totalCount"] == want["batches.totalCount"]
    assert data["projects"]["totalCount"] == want["projects.totalCount"]
    for batch in data["batches"]["nodes"] + ([data["batch"]] if data["batch"] else []):
        jobs = want["jobs by batch"][batch["id"]]
        assert batch["jobsCount"] == len(jobs) == batch["jobs"]["totalCount"]
        per_status = {entry["status"]: entry["count"] for entry in batch["jobsCountPerStatus"]}
        assert per_status == {s: sum(j["status"] == s for j in jobs) for s in JOB_STATUSES}
    for project in data["projects"]["nodes"]:
        assert project["jobs"]["totalCount"] == want["filtered by project"][project["id"]]
        owned = [b for b in caller.batches() if b["project_id"] == project["id"]]
        assert project["batches"]["totalCount"] == len(owned)
    assert [node and node["id"] for node in data["nodes"]] == want["nodes"]
    assert (data["node"] or {}).get("id") == want["one"]
    found_one = data["job"] or data["batch"] or data["project"]
    assert (found_one or {}).get("id") == want["one"]


def rest_params(
    rng: random.Random, caller: Caller
) -> tuple[list[tuple[str, str | int | float | bool | None]], list[str]]:
    """REST list parameters and the visible job ids they must give (any order)."""
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("limit", str(rng.choice([1, 5, 100]))),
        ("offset", "0"),
    ]
    jobs = caller.jobs()
    if rng.random() < 0.5:
        status = rng.choice(JOB_STATUSES)
        params.append(("status", status))
        jobs = [j for j in jobs if j["status"] == status]
    if rng.random() < 0.5:
        project = rng.choice(PROJECTS)
        params.append(("project_id", project))
        jobs = [j for j in jobs if j["project_id"] == project]
    return params, [j["id"] for j in jobs]


@pytest.mark.parametrize("seed", [1, 2])
async def test_principals_see_only_their_projects(
    database_url: str, db: Database, seed: int
) -> None:
    await load_dataset(db, DATA)
    callers = await make_callers(db)
    rng = random.Random(seed)
    every_id = [*PROJECTS, *(b["id"] for b in DATA.batches), *(j["id"] for j in DATA.jobs)]
    async with (
        serving(access_settings(database_url, compiled=True)) as (app, compiled),
        serving(access_settings(database_url, compiled=False)) as (_, reference),
    ):
        for _ in range(ROUNDS):
            caller = rng.choice(callers)
            headers = {"Authorization": caller.authorization}
            variables = {
                "statuses": rng.choice([None, rng.sample(JOB_STATUSES, 2)]),
                "first": rng.choice([1, 10, 100]),
                "ids": rng.sample(every_id, 8),
                "one": rng.choice(every_id),
            }
            answers = []
            for client in (compiled, reference):
                response = await client.post(
                    "/graphql", json={"query": QUERY, "variables": variables}, headers=headers
                )
                assert response.status_code == 200, response.text
                body = response.json()
                assert "errors" not in body, body
                check_graphql(caller, variables, body["data"])
                answers.append(body)
            assert answers[0] == answers[1]

            params, expected = rest_params(rng, caller)
            listed = await compiled.get("/api/v2/jobs", params=params, headers=headers)
            body = listed.json()
            assert body["pagination"]["total"] == len(expected)
            assert {job["id"] for job in body["data"]} <= set(expected)
            assert ids_in(body) <= caller.visible_ids()

            job = rng.choice(DATA.jobs)
            single = await compiled.get(f"/api/v2/jobs/{job['id']}", headers=headers)
            link = await compiled.get(f"/api/v1/jobs/{job['id']}/results_link", headers=headers)
            if job["project_id"] not in caller.projects:
                assert single.status_code == link.status_code == 404
                assert single.json() == {
                    "status": "fail",
                    "message": f"Job {job['id']} not found.",
                    "code": 404,
                    "data": {"id": "no job has this id"},
                }
                continue
            assert single.json()["data"]["id"] == job["id"]
            url = link.json()["data"]["results_link"]
            assert (url is None) == (job["id"] not in DATA.results)
            if url is not None:
                parts = urlsplit(url)
                download = await compiled.get(f"{parts.path}?{parts.query}")
                assert download.json() == DATA.results[job["id"]]
        assert app.state.compiled_graphql.answered == ROUNDS  # none fell back


async def test_a_link_follows_its_principal_not_the_bearer(database_url: str, db: Database) -> None:
    """A member's link for its job works without credentials; the same job's link cannot be
    had by a caller of other projects, and a link moved to a foreign job fails."""
    data: Dataset = DATA
    await load_dataset(db, data)
    callers = {caller.name: caller for caller in await make_callers(db)}
    mine = next(j for j in data.jobs if j["id"] in data.results and j["project_id"] == PROJECTS[0])
    theirs = next(
        j for j in data.jobs if j["id"] in data.results and j["project_id"] != PROJECTS[0]
    )
    async with serving(access_settings(database_url, compiled=True)) as (_, client):
        headers = {"Authorization": callers["one"].authorization}
        url = (await client.get(f"/api/v1/jobs/{mine['id']}/results_link", headers=headers)).json()
        link = url["data"]["results_link"]
        assert (await client.get(link)).json() == data.results[mine["id"]]
        moved = await client.get(link.replace(mine["id"], theirs["id"]))
        assert moved.status_code == 403


async def test_the_compiled_path_never_serves_one_callers_answer_to_another(
    database_url: str, db: Database
) -> None:
    """The same document and variables, sent by callers in turn: plans and coerced requests
    are cached, answers are each caller's own."""
    await load_dataset(db, DATA)
    callers = await make_callers(db)
    query = "query Q($n: Int!) { jobs(first: $n) { totalCount nodes { id } } node(id: $id) { id } }"
    query = query.replace("$n: Int!)", "$n: Int!, $id: ID!)")
    variables = {"n": 100, "id": DATA.jobs[0]["id"]}
    async with serving(access_settings(database_url, compiled=True)) as (app, client):
        for caller in [*callers, *reversed(callers)]:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": caller.authorization},
            )
            data = response.json()["data"]
            assert data["jobs"]["totalCount"] == len(caller.jobs())
            assert {node["id"] for node in data["jobs"]["nodes"]} == {
                j["id"] for j in caller.jobs()
            }
            visible = DATA.jobs[0]["project_id"] in caller.projects
            assert data["node"] == ({"id": variables["id"]} if visible else None)
        assert app.state.compiled_graphql.answered == 2 * len(callers)

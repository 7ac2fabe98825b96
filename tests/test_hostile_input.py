"""Hostile and careless input gets a clear 4xx or a GraphQL input error, the same on both
databases and both GraphQL paths: never a 5xx, an escaped exception or "Unexpected error."."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from jobgraph.domain import OrderDirection
from jobgraph.query import reads
from jobgraph.query.spec import JobFilterSpec, OffsetRequest, OrderTerm, Scope
from tests.factories import Factory, utc
from tests.two_paths import JSON, body_of, two_paths

JSON_ACCEPT = {"accept": "application/json"}

MAX_OFFSET = 2**63 - 1


@dataclass
class Paths:
    """Both GraphQL paths over one database; `answer` checks that they agree."""

    compiled: AsyncClient
    reference: AsyncClient

    async def answer(self, content: bytes, headers: dict[str, str] = JSON) -> tuple[int, Any]:
        """The status and JSON body both paths give (they must be the same, and no 5xx)."""
        answers = []
        for client in (self.compiled, self.reference):
            response = await client.post("/graphql", content=content, headers=headers)
            answers.append((response.status_code, response.json()))
        assert answers[0] == answers[1]
        status, body = answers[0]
        assert status < 500, body
        assert "Unexpected error." not in json.dumps(body), body
        return status, body

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        status, body = await self.answer(body_of(query, variables))
        assert status == 200, body
        return body


@dataclass
class Rows:
    project: str
    batch: str
    jobs: list[str]


@pytest.fixture
async def rows(factory: Factory) -> Rows:
    project = await factory.project()
    batch = await factory.batch(project)
    jobs = [
        await factory.job(batch, runs=runs, start_timestamp=utc(2024, 1, runs + 1))
        for runs in (1, 2, 3)
    ]
    return Rows(project.id, batch.id, [job.id for job in jobs])


@pytest.fixture
async def paths(database_url: str, db: Database) -> AsyncIterator[Paths]:
    async with two_paths(database_url) as (_, compiled, reference):
        yield Paths(compiled, reference)


def problems(body: dict[str, Any]) -> list[tuple[list[Any] | None, str, str]]:
    """(path, message, code) of each error."""
    return [
        (error.get("path"), error["message"], error["extensions"]["code"])
        for error in body.get("errors", [])
    ]


# REST offsets near the 64-bit end, on the orders whose NULLs are read as a part of their own.


async def test_rest_offsets_near_the_64_bit_end_give_an_empty_page(
    client: AsyncClient, db: Database, rows: Rows
) -> None:
    for field in ("start_timestamp", "end_timestamp", "created_at"):
        for direction in OrderDirection:
            for offset in (MAX_OFFSET, MAX_OFFSET - 1, MAX_OFFSET - 100, 2**62):
                params = {"order_by": field, "order_by_direction": direction.value}
                response = await client.get("/api/v2/jobs", params=params | {"offset": offset})
                assert response.status_code == 200, response.text
                assert response.json()["data"] == []
                assert response.headers["Content-Range"] == f"{offset}-{offset}/3"
                order = [OrderTerm(field, direction)]
                request = OffsetRequest(100, offset)
                every = JobFilterSpec(scope=Scope.everything())
                page = await reads.list_offset_page(db, reads.JOBS, every, order, request)
                assert (page.rows, page.total) == ([], 3)


# Bodies that cannot be read as a GraphQL request.

DEEP = b"[" * 5000 + b"]" * 5000
UNREADABLE = [
    (DEEP, "The request body is nested too deeply to be read as JSON"),
    (
        b'{"query": "{ __typename }", "variables": {"a": ' + DEEP + b"}}",
        "The request body is nested",
    ),
    (b'{"query": "{ __typename \xff }"}', "The request body is not valid JSON"),
    (b'"{ __typename }"', "The request body must be a JSON object with a `query`."),
    (b"7", "The request body must be a JSON object with a `query`."),
]


async def test_unreadable_bodies_get_a_400(paths: Paths, rows: Rows) -> None:
    for content, message in UNREADABLE:
        status, body = await paths.answer(content)
        assert status == 400
        [(path, said, code)] = problems(body)
        assert (path, said.startswith(message), code) == (None, True, "BAD_REQUEST")
    for client in (paths.compiled, paths.reference):
        params = {"query": "{ __typename }", "variables": DEEP.decode()}
        response = await client.get("/graphql", params=params, headers=JSON_ACCEPT)
        assert response.status_code == 400
        message = "`variables` is nested too deeply to be read as JSON"
        assert response.json()["errors"][0]["message"] == message


# Forged cursors: the right signature around values no row can hold.


def forged(signature: str, values: Any) -> str:
    raw = json.dumps([signature, values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


RUNS = "job|runs:ASC,id:ASC"
CREATED = "job|created_at:DESC,id:DESC"
BY_RUNS = [{"field": "RUNS", "direction": "ASC"}]
BY_CREATED = [{"field": "CREATED_AT", "direction": "DESC"}]
ID = "00000000-0000-4000-8000-000000000000"
FORGED_CURSORS = [
    (forged(RUNS, [10**30, ID]), BY_RUNS),
    (forged(RUNS, [2**63, ID]), BY_RUNS),
    (forged(RUNS, [2**31, ID]), BY_RUNS),
    (forged(RUNS, [-(2**31) - 1, ID]), BY_RUNS),
    (forged(RUNS, [1.5, ID]), BY_RUNS),
    (forged(RUNS, [True, ID]), BY_RUNS),
    (forged(RUNS, [1, "a\u0000b"]), BY_RUNS),
    (forged(RUNS, [1, "\udc80"]), BY_RUNS),
    (forged(RUNS, [1, None]), BY_RUNS),
    (forged(CREATED, ["0001-01-01T00:00:00+01:00", ID]), BY_CREATED),
    (forged(CREATED, ["9999-12-31T23:59:59-01:00", ID]), BY_CREATED),
    (forged(CREATED, ["2024-01-01T00:00:00", ID]), BY_CREATED),
    (forged(CREATED, ["2024-01-01T00:00:00+00:00\u0000", ID]), BY_CREATED),
    (forged(CREATED, [None, ID]), BY_CREATED),
    (base64.urlsafe_b64encode(b"[" * 50_000 + b"]" * 50_000).decode(), BY_RUNS),
    (base64.urlsafe_b64encode(json.dumps({"a": [RUNS, [1, ID]]}).encode()).decode(), BY_RUNS),
]
PAGE = (
    "query ($cursor: String, $order: [JobOrder!]) {{ "
    "jobs({window}, orderBy: $order) {{ totalCount edges {{ node {{ id }} }} }} }}"
)


async def test_forged_cursors_are_invalid_cursors(paths: Paths, rows: Rows) -> None:
    for cursor, order in FORGED_CURSORS:
        for argument, window in (("after", "first: 2, after"), ("before", "last: 2, before")):
            query = PAGE.format(window=f"{window}: $cursor")
            body = await paths.query(query, {"cursor": cursor, "order": order})
            assert body["data"] is None
            message = f"`{argument}` is not a valid cursor"
            assert problems(body) == [(["jobs"], message, "BAD_USER_INPUT")], cursor


async def test_cursors_at_the_ends_of_the_ranges_still_page(paths: Paths, rows: Rows) -> None:
    last_id = "ffffffff-ffff-ffff-ffff-ffffffffffff"
    query = PAGE.format(window="first: 5, after: $cursor")
    for values, order, after in (
        ([2**31 - 1, last_id], BY_RUNS, []),
        ([-(2**31), ID], BY_RUNS, [0, 1, 2]),
        ([2, last_id], BY_RUNS, [2]),
    ):
        body = await paths.query(query, {"cursor": forged(RUNS, values), "order": order})
        found = [edge["node"]["id"] for edge in body["data"]["jobs"]["edges"]]
        assert found == [rows.jobs[index] for index in after]
    # Every job was created at 2024-01-01: after the last instant come all, after the first none.
    for value, expected in (
        ("0001-01-01T00:00:00+00:00", []),
        ("9999-12-31T23:59:59.999999+00:00", sorted(rows.jobs, reverse=True)),
    ):
        body = await paths.query(
            query, {"cursor": forged(CREATED, [value, ID]), "order": BY_CREATED}
        )
        assert [edge["node"]["id"] for edge in body["data"]["jobs"]["edges"]] == expected


# Ids no database can take: the field asking fails, the lookups beside it are answered.

BAD_IDS = [
    ("\udc80", "is not valid Unicode text (a lone surrogate)"),
    ("a\u0000b", "must not contain the NUL character"),
    (ID[:-1] + "\u0000", "must not contain the NUL character"),
    ("x" * 1001, "is longer than 1000 characters"),
]


async def test_a_bad_id_fails_only_its_own_field(paths: Paths, rows: Rows) -> None:
    known = {"job": rows.jobs[0], "batch": rows.batch, "project": rows.project, "node": rows.batch}
    for field, good in known.items():
        query = (
            f"query ($bad: ID!, $good: ID!) {{ first: {field}(id: $good) {{ id }} "
            f"bad: {field}(id: $bad) {{ id }} again: {field}(id: $good) {{ id }} }}"
        )
        for bad, problem in BAD_IDS:
            body = await paths.query(query, {"bad": bad, "good": good.upper()})
            assert body["data"] == {"first": {"id": good}, "bad": None, "again": {"id": good}}
            assert problems(body) == [(["bad"], f"`id` {problem}", "BAD_USER_INPUT")]


async def test_a_bad_id_in_nodes_fails_only_its_own_item(paths: Paths, rows: Rows) -> None:
    query = (
        "query ($ids: [ID!]!, $good: ID!) { nodes(ids: $ids) { id } "
        "job(id: $good) { id batch { id } } }"
    )
    for bad, problem in BAD_IDS:
        variables = {"ids": [rows.jobs[0], bad, rows.batch], "good": rows.jobs[2]}
        body = await paths.query(query, variables)
        assert body["data"] == {
            "nodes": [{"id": rows.jobs[0]}, None, {"id": rows.batch}],
            "job": {"id": rows.jobs[2], "batch": {"id": rows.batch}},
        }
        assert problems(body) == [(["nodes", 1], f"`ids` {problem}", "BAD_USER_INPUT")]
    job = rows.jobs[0]
    forms = [job, job.upper(), "{" + job + "}", "urn:uuid:" + job, job.replace("-", ""), "no", ""]
    body = await paths.query("query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": forms})
    assert body == {"data": {"nodes": [{"id": job}] * 5 + [None, None]}}


# Date filters at the ends of the range.


async def test_date_filters_beyond_utc_are_refused(
    client: AsyncClient, paths: Paths, rows: Rows
) -> None:
    as_variable = "query ($d: DateTime) { jobs(filter: {createdAt: {gt: $d}}) { totalCount } }"
    for value in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        as_literal = f'{{ jobs(filter: {{startTimestamp: {{lte: "{value}"}}}}) {{ totalCount }} }}'
        for query, variables in ((as_variable, {"d": value}), (as_literal, None)):
            body = await paths.query(query, variables)
            assert "data" not in body
            [(path, message, code)] = problems(body)
            assert (path, code) == (None, "BAD_USER_INPUT")
            assert f"'{value}' is out of range once converted to UTC" in message
        for name in ("start_date", "end_date"):
            response = await client.get("/api/v2/jobs", params={name: value})
            assert response.status_code == 422
            problem = f"'{value}' is out of range once converted to UTC"
            assert response.json()["data"] == {name: problem}


async def test_date_filters_at_the_ends_of_utc_are_answered(
    client: AsyncClient, paths: Paths, rows: Rows
) -> None:
    query = "query ($f: JobFilter) { jobs(filter: $f) { totalCount } }"
    for filter_, total in (
        ({"startTimestamp": {"gte": "0001-01-01T00:00:00Z"}}, 3),
        ({"startTimestamp": {"gt": "9999-12-31T23:59:59.999999Z"}}, 0),
        ({"createdAt": {"lte": "9999-12-31T23:59:59.999999+00:00"}}, 3),
        ({"createdAt": {"lt": "0001-01-01T00:00:00+00:00"}}, 0),
    ):
        body = await paths.query(query, {"f": filter_})
        assert body == {"data": {"jobs": {"totalCount": total}}}
    for params, total in (
        ({"start_date": "0001-01-01T00:00:00Z"}, 3),
        ({"end_date": "9999-12-31T23:59:59.999999Z"}, 0),  # no job has ended
        ({"start_date": "9999-12-31"}, 0),
    ):
        response = await client.get("/api/v2/jobs", params=params)
        assert response.status_code == 200, response.text
        assert response.json()["pagination"]["total"] == total


# A field that fails beside others waiting on the same DataLoader key.


async def test_a_failing_field_does_not_cancel_a_shared_lookup(paths: Paths, rows: Rows) -> None:
    query = (
        f'{{ a: batch(id: "{rows.batch}") {{ jobsCount }} '
        f'b: batch(id: "{rows.batch}") {{ jobsCount jobs(first: 0) {{ totalCount }} }} '
        f'c: job(id: "{rows.jobs[0]}") {{ batch {{ id jobsCount }} }} }}'
    )
    for _ in range(5):
        body = await paths.query(query)
        assert body["data"] == {
            "a": {"jobsCount": 3},
            "b": None,
            "c": {"batch": {"id": rows.batch, "jobsCount": 3}},
        }
        message = "`first` must be between 1 and 100, got 0"
        assert problems(body) == [(["b", "jobs"], message, "BAD_USER_INPUT")]

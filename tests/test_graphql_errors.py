"""Every bad argument gets a GraphQL error that says what is wrong, never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from jobgraph.db.engine import Database, make_database, make_engine
from jobgraph.db.raw import make_reader
from tests.dataset import build_dataset, load_dataset
from tests.graphql_client import graphql_error, run_graphql


@pytest.fixture
async def loaded(db: Database) -> None:
    await load_dataset(db, build_dataset())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("first: 0", "`first` must be between 1 and 100, got 0"),
        ("first: -1", "`first` must be between 1 and 100, got -1"),
        ("first: 101", "`first` must be between 1 and 100, got 101"),
        ("last: 0", "`last` must be between 1 and 100, got 0"),
        ("last: 1000", "`last` must be between 1 and 100, got 1000"),
        ("first: 2, last: 2", "pass either `first` or `last`, not both"),
        ('after: "not a cursor"', "`after` is not a valid cursor"),
        ('before: "bm90IGpzb24"', "`before` is not a valid cursor"),
        ('after: ""', "`after` is not a valid cursor"),
    ],
)
async def test_bad_page_arguments_are_explained(
    client: AsyncClient, loaded: None, arguments: str, message: str
) -> None:
    for field in ("jobs", "batches", "projects"):
        error = await graphql_error(client, f"{{ {field}({arguments}) {{ totalCount }} }}")
        assert message in error


async def test_bad_page_arguments_on_nested_connections(client: AsyncClient, loaded: None) -> None:
    error = await graphql_error(
        client, "{ projects(first: 1) { edges { node { batches(first: 500) { totalCount } } } } }"
    )
    assert "`first` must be between 1 and 100, got 500" in error


async def test_a_cursor_from_another_order_is_refused(client: AsyncClient, loaded: None) -> None:
    page = await run_graphql(
        client,
        "{ jobs(first: 2, orderBy: [{field: RUNS, direction: ASC}]) { pageInfo { endCursor } } }",
    )
    cursor = page["jobs"]["pageInfo"]["endCursor"]
    error = await graphql_error(client, f'{{ jobs(first: 2, after: "{cursor}") {{ totalCount }} }}')
    assert "cursor of another ordering" in error
    error = await graphql_error(
        client, f'{{ batches(first: 2, after: "{cursor}") {{ totalCount }} }}'
    )
    assert "cursor of another ordering" in error


async def test_a_forged_cursor_with_wrong_value_types_is_refused(
    client: AsyncClient, loaded: None
) -> None:
    forged = base64.urlsafe_b64encode(
        json.dumps(["job|created_at:DESC,id:DESC", [12, "x"]]).encode()
    ).decode()
    error = await graphql_error(client, f'{{ jobs(after: "{forged}") {{ totalCount }} }}')
    assert "`after` is not a valid cursor" in error


async def test_unknown_enum_and_wrong_types_are_validation_errors(
    client: AsyncClient, loaded: None
) -> None:
    error = await graphql_error(client, "{ jobs(filter: {status: [DONNE]}) { totalCount } }")
    assert "DONNE" in error
    error = await graphql_error(client, '{ jobs(filter: {minRuns: "three"}) { totalCount } }')
    assert "Int cannot represent" in error
    error = await graphql_error(
        client, '{ jobs(filter: {createdAt: {gt: "yesterday"}}) { totalCount } }'
    )
    assert "DateTime" in error


async def test_queries_deeper_than_the_limit_are_refused(client: AsyncClient, loaded: None) -> None:
    deep = '{ job(id: "x") { ' + "parent { " * 16 + "id" + " }" * 16 + " } }"
    error = await graphql_error(client, deep)
    assert "exceeds maximum operation depth" in error


async def test_too_many_aliases_are_refused(client: AsyncClient, loaded: None) -> None:
    aliases = " ".join(f"a{i}: jobs(first: 1) {{ totalCount }}" for i in range(31))
    error = await graphql_error(client, f"{{ {aliases} }}")
    assert "aliases found" in error


async def test_filters_nested_too_deep_or_too_wide_are_refused(
    client: AsyncClient, loaded: None
) -> None:
    deep = "{status: [DONE]}"
    for _ in range(7):
        deep = f"{{not: {deep}}}"
    error = await graphql_error(client, f"{{ jobs(filter: {deep}) {{ totalCount }} }}")
    assert "filter nests and/or/not deeper than 6" in error
    wide = "{or: [" + ", ".join("{minRuns: 1}" for _ in range(70)) + "]}"
    error = await graphql_error(client, f"{{ jobs(filter: {wide}) {{ totalCount }} }}")
    assert "filter has more than 64 and/or/not parts" in error


async def test_order_by_takes_at_most_ten_keys(client: AsyncClient, loaded: None) -> None:
    keys = ", ".join("{field: RUNS, direction: ASC}" for _ in range(11))
    error = await graphql_error(client, f"{{ jobs(orderBy: [{keys}]) {{ totalCount }} }}")
    assert "`orderBy` takes at most 10 keys" in error


async def test_graphiql_opens_on_get(client: AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "jobgraph GraphiQL" in response.text


async def test_text_that_no_database_can_compare_is_refused(
    client: AsyncClient, loaded: None
) -> None:
    query = "query ($f: JobFilter) { jobs(filter: $f) { totalCount } }"
    error = await graphql_error(client, query, {"f": {"userId": ["a\u0000b"]}})
    assert "`userId` must not contain the NUL character" in error
    escaped = json.dumps({"query": query, "variables": {"f": {"idStartsWith": "\ud800"}}})
    response = await client.post(
        "/graphql", content=escaped, headers={"Content-Type": "application/json"}
    )
    assert "`idStartsWith` is not valid Unicode text" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("prefix", ["\U0010ffff", "ab\U0010ffff\U0010ffff", "\ud7ff", "zz"])
async def test_unusual_id_prefixes_match_nothing_without_error(
    client: AsyncClient, loaded: None, prefix: str
) -> None:
    query = "query ($f: JobFilter) { jobs(filter: $f) { totalCount } }"
    data = await run_graphql(client, query, {"f": {"idStartsWith": prefix}})
    assert data["jobs"]["totalCount"] == 0


async def test_an_outage_is_masked_and_never_a_500(app: FastAPI, client: AsyncClient) -> None:
    unreachable = "postgresql+asyncpg://nobody@127.0.0.1:9/none"
    app.state.db = make_database(make_engine(unreachable))
    app.state.compiled_graphql.reader = make_reader(unreachable, 1)
    response = await client.post("/graphql", json={"query": "{ jobs(first: 1) { totalCount } }"})
    assert response.status_code == 503
    assert [error["message"] for error in response.json()["errors"]] == [
        "The database did not answer; try again."
    ]


async def test_requests_for_too_many_objects_are_refused_before_running(
    client: AsyncClient, loaded: None
) -> None:
    huge = """
    query ($jobs: Int) { projects(first: 100) { edges { node {
      batches(first: 100) { edges { node { jobs(first: $jobs) { edges { node { id } } } } } }
    } } } }
    """
    error = await graphql_error(client, huge, {"jobs": 100})
    assert "could return up to 1,010,100 objects, more than the limit of 25,000" in error
    through_fragments = """
    query { ...Tree }
    fragment Tree on Query { projects { nodes { ...Batches } } }
    fragment Batches on Project { batches { nodes { jobs(last: 3) { nodes { id } } } } }
    """
    error = await graphql_error(client, through_fragments)
    assert "could return up to 40,100 objects" in error
    fine = await run_graphql(client, huge, {"jobs": 1})  # 100 + 10,000 + 10,000
    assert fine["projects"]["edges"]

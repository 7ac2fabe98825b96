"""GraphQL over HTTP on a live app: every request, however malformed, gets a JSON GraphQL
response with the spec's status code and media type; GET answers JSON clients and browsers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from jobgraph.app import create_app
from jobgraph.db.engine import Database, make_database, make_engine
from jobgraph.db.raw import make_reader
from jobgraph.settings import Settings
from tests.dataset import build_dataset, load_dataset
from tests.live import raw_exchange, serving

GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"
JSON = "application/json"
COUNT = "{ jobs { totalCount } }"
TWO = "query Jobs { jobs { totalCount } } query Projects { projects { totalCount } }"
VARIABLE = "query ($n: Int) { jobs(first: $n) { totalCount } }"
DEEP = '{ job(id: "x") { ' + "parent { " * 15 + "id" + " }" * 15 + " } }"
HUGE = (
    "{ projects(first: 100) { nodes { batches(first: 100) { nodes { jobs(first: 100) { nodes "
    "{ id } } } } } } }"
)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

# (case, method, request arguments, status, extensions.code, the message starts with)
# A GraphQL request error (parsing, validation, operation, variables): no fixed status.
GRAPHQL_REQUEST_ERROR = 0

REQUEST_ERRORS: list[tuple[str, str, dict[str, Any], int, str, str]] = [
    (
        "body that is not JSON",
        "POST",
        {"content": b'{"query": ', "headers": {"Content-Type": "application/json"}},
        400,
        "BAD_REQUEST",
        "The request body is not valid JSON",
    ),
    (
        "body that is not UTF-8",
        "POST",
        {"content": b'{"query": "\xff"}', "headers": {"Content-Type": "application/json"}},
        400,
        "BAD_REQUEST",
        "The request body is not valid JSON",
    ),
    (
        "no query",
        "POST",
        {"json": {"qeury": COUNT}},
        400,
        "BAD_REQUEST",
        "No GraphQL query found in the request",
    ),
    ("query not a string", "POST", {"json": {"query": 7}}, 400, "BAD_REQUEST", "`query` must"),
    (
        "variables not an object",
        "POST",
        {"json": {"query": VARIABLE, "variables": [7]}},
        400,
        "BAD_REQUEST",
        "`variables` must be a JSON object or null",
    ),
    (
        "operationName not a string",
        "POST",
        {"json": {"query": COUNT, "operationName": 3}},
        400,
        "BAD_REQUEST",
        "`operationName` must be a string or null",
    ),
    (
        "batched array",
        "POST",
        {"json": [{"query": COUNT}, {"query": COUNT}]},
        400,
        "BAD_REQUEST",
        "Batched requests are not supported",
    ),
    (
        "unsupported content type",
        "POST",
        {"content": COUNT.encode(), "headers": {"Content-Type": "application/graphql"}},
        415,
        "BAD_REQUEST",
        "Unsupported content type: `application/graphql`",
    ),
    (
        "form body",
        "POST",
        {"data": {"query": COUNT}},
        415,
        "BAD_REQUEST",
        "Unsupported content type: `application/x-www-form-urlencoded`",
    ),
    (
        "no content type",
        "POST",
        {"content": json.dumps({"query": COUNT}).encode()},
        415,
        "BAD_REQUEST",
        "Unsupported content type: no Content-Type",
    ),
    (
        "unknown operation name",
        "POST",
        {"json": {"query": TWO, "operationName": "Batches"}},
        GRAPHQL_REQUEST_ERROR,
        "OPERATION_RESOLUTION_FAILURE",
        'Unknown operation named "Batches".',
    ),
    (
        "two operations without operationName",
        "POST",
        {"json": {"query": TWO}},
        GRAPHQL_REQUEST_ERROR,
        "OPERATION_RESOLUTION_FAILURE",
        "This document has several operations: say which one to run with operationName.",
    ),
    (
        "a document that does not parse",
        "POST",
        {"json": {"query": "{ jobs { "}},
        GRAPHQL_REQUEST_ERROR,
        "GRAPHQL_PARSE_FAILED",
        "Syntax Error: Expected Name, found <EOF>.",
    ),
    (
        "an unknown field",
        "POST",
        {"json": {"query": "{ jobz }"}},
        GRAPHQL_REQUEST_ERROR,
        "GRAPHQL_VALIDATION_FAILED",
        "Cannot query field 'jobz' on type 'Query'.",
    ),
    (
        "a query too deep",
        "POST",
        {"json": {"query": DEEP}},
        GRAPHQL_REQUEST_ERROR,
        "GRAPHQL_VALIDATION_FAILED",
        "'anonymous' exceeds maximum operation depth of 15",
    ),
    (
        "a query for too many objects",
        "POST",
        {"json": {"query": HUGE}},
        GRAPHQL_REQUEST_ERROR,
        "GRAPHQL_VALIDATION_FAILED",
        "this query could return up to 1,010,100 objects",
    ),
    (
        "a variable of the wrong type",
        "POST",
        {"json": {"query": VARIABLE, "variables": {"n": "ten"}}},
        GRAPHQL_REQUEST_ERROR,
        "BAD_USER_INPUT",
        "Variable '$n' has invalid value: Int cannot represent non-integer value: 'ten'",
    ),
    (
        "a date UTC cannot hold",
        "POST",
        {
            "json": {
                "query": '{ jobs(filter: {startDate: "9999-12-31T23:00:00-05:00"}) { totalCount } }'
            }
        },
        GRAPHQL_REQUEST_ERROR,
        "BAD_USER_INPUT",
        "Expected value of type 'DateTime', but encountered error "
        "''9999-12-31T23:00:00-05:00' is out of range once converted to UTC'",
    ),
    (
        "a mutation over GET",
        "GET",
        {"params": {"query": "mutation { jobs }"}},
        405,
        "BAD_REQUEST",
        "Mutations are not allowed when using GET: send them as POST.",
    ),
    (
        "GET variables that are not JSON",
        "GET",
        {"params": {"query": VARIABLE, "variables": "{n: 1}"}},
        400,
        "BAD_REQUEST",
        "`variables` is not valid JSON",
    ),
    (
        "GET without a query from a JSON client",
        "GET",
        {"headers": {"Accept": "application/json"}},
        400,
        "BAD_REQUEST",
        "No GraphQL query found in the request",
    ),
    (
        "a method /graphql does not take",
        "PUT",
        {"json": {"query": COUNT}},
        405,
        "BAD_REQUEST",
        "PUT is not allowed on /graphql: use POST, or GET for queries.",
    ),
]


@pytest.mark.parametrize(
    ("method", "arguments", "status", "code", "message"),
    [case[1:] for case in REQUEST_ERRORS],
    ids=[case[0] for case in REQUEST_ERRORS],
)
@pytest.mark.parametrize("origin", [None, "http://app.example"], ids=["edge", "middleware"])
@pytest.mark.parametrize("accept", [None, "application/graphql-response+json"])
async def test_request_errors_are_json_graphql_responses_with_the_spec_status(
    client: AsyncClient,
    method: str,
    arguments: dict[str, Any],
    status: int,
    code: str,
    message: str,
    origin: str | None,
    accept: str | None,
) -> None:
    headers = dict(arguments.get("headers", {}))
    if origin is not None:  # a browser's request: through the middleware stack, CORS included
        headers["Origin"] = origin
    if accept is not None:
        headers["Accept"] = accept
    response = await client.request(method, "/graphql", **(arguments | {"headers": headers}))
    if status == GRAPHQL_REQUEST_ERROR:  # the spec: 200 to a JSON client, 400 to the new type
        status = 400 if accept == "application/graphql-response+json" else 200
    assert response.status_code == status, response.text
    expected_type = GRAPHQL_RESPONSE if accept else "application/json"
    assert response.headers["content-type"] == expected_type
    body = response.json()
    assert list(body) == ["errors"]
    [error] = body["errors"]
    assert error["message"].startswith(message), error["message"]
    assert error["extensions"] == {"code": code}
    if status == 405:
        assert response.headers["allow"] == ("GET, POST" if method == "PUT" else "POST")


async def test_the_named_operation_of_several_runs(client: AsyncClient, db: Database) -> None:
    await load_dataset(db, build_dataset(jobs_per_batch=(2, 3)))
    for name, expected in (
        ("Jobs", {"jobs": {"totalCount": 5}}),
        ("Projects", {"projects": {"totalCount": 3}}),
    ):
        response = await client.post("/graphql", json={"query": TWO, "operationName": name})
        assert response.status_code == 200
        assert response.json() == {"data": expected}


async def test_field_errors_keep_data_and_are_coded(client: AsyncClient) -> None:
    query = "{ jobs(first: 0) { totalCount } }"
    legacy = await client.post("/graphql", json={"query": query})
    assert (legacy.status_code, legacy.headers["content-type"]) == (200, JSON)
    assert legacy.json() == {
        "data": None,
        "errors": [
            {
                "message": "`first` must be between 1 and 100, got 0",
                "locations": [{"line": 1, "column": 3}],
                "path": ["jobs"],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
    }
    current = await client.post(
        "/graphql", json={"query": query}, headers={"Accept": "application/graphql-response+json"}
    )
    # Data (even null) with errors is a 200 for either media type.
    assert (current.status_code, current.headers["content-type"]) == (200, GRAPHQL_RESPONSE)
    assert current.json() == legacy.json()


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_an_outage_is_a_503_with_a_graphql_error(
    app: FastAPI, client: AsyncClient, compiled: bool, accept: str
) -> None:
    unreachable = "postgresql+asyncpg://nobody@127.0.0.1:9/none"
    app.state.db = make_database(make_engine(unreachable))
    app.state.compiled_graphql.reader = make_reader(unreachable, 1)
    if not compiled:
        app.state.compiled_graphql = None
    response = await client.post("/graphql", json={"query": COUNT}, headers={"Accept": accept})
    assert response.status_code == 503
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "The database did not answer; try again.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["jobs"],
                "extensions": {"code": "SERVICE_UNAVAILABLE"},
            }
        ],
    }


@pytest.fixture
async def reference_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    """A client of an app without the compiled path: every answer is the reference's."""
    application = create_app(settings.model_copy(update={"compiled_graphql": False}))
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json;q=0.5", JSON),
        ("application/*", JSON),
        ("text/plain", JSON),  # nothing we have is acceptable: Accept is disregarded
    ],
)
async def test_accept_chooses_the_media_type(
    reference_client: AsyncClient, accept: str | None, media: str
) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = await reference_client.post("/graphql", json={"query": COUNT}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert response.json() == {"data": {"jobs": {"totalCount": 0}}}


@pytest.mark.parametrize("origin", [None, "http://app.example"], ids=["edge", "middleware"])
async def test_the_compiled_path_answers_in_the_media_type_asked_for(
    app: FastAPI, client: AsyncClient, origin: str | None
) -> None:
    headers = {"Accept": "application/graphql-response+json"}
    if origin is not None:
        headers["Origin"] = origin
    answered = app.state.compiled_graphql.answered
    response = await client.post("/graphql", json={"query": COUNT}, headers=headers)
    assert app.state.compiled_graphql.answered == answered + 1
    assert response.headers["content-type"] == GRAPHQL_RESPONSE


async def test_get_answers_json_clients_with_a_cacheable_answer(
    client: AsyncClient, db: Database
) -> None:
    await load_dataset(db, build_dataset(jobs_per_batch=(2, 3)))
    params = {"query": VARIABLE, "variables": json.dumps({"n": 2}), "operationName": ""}
    response = await client.get("/graphql", params=params, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {"data": {"jobs": {"totalCount": 5}}}
    assert response.headers["cache-control"] == "max-age=10"
    assert response.headers["vary"] == "Accept, Origin"
    tag = response.headers["etag"]
    assert len(tag) == 34
    assert tag[0] == tag[-1] == '"'
    again = await client.get("/graphql", params=params, headers={"If-None-Match": tag})
    assert (again.status_code, again.content) == (304, b"")
    assert (again.headers["etag"], again.headers["cache-control"]) == (tag, "max-age=10")
    weak = await client.get("/graphql", params=params, headers={"If-None-Match": f"W/{tag}"})
    assert weak.status_code == 304
    other = await client.get("/graphql", params=params, headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


async def test_get_answers_with_errors_are_not_kept(client: AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ jobs(first: 0) { totalCount } }"})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


@pytest.mark.parametrize(
    ("accept", "params", "page"),
    [
        (BROWSER, {"query": COUNT}, True),  # a browser opening a shared query URL
        (BROWSER, {}, True),
        ("*/*", {}, True),  # curl or fetch without a query: the page, as before
        ("*/*", {"query": COUNT}, False),  # with one: the answer
        ("application/json", {"query": COUNT}, False),
        ("application/json;q=0.5, text/html", {"query": COUNT}, True),
        ("text/html;q=0.1, application/json", {"query": COUNT}, False),
    ],
)
async def test_get_gives_browsers_graphiql_and_json_clients_the_answer(
    client: AsyncClient, accept: str, params: dict[str, str], page: bool
) -> None:
    response = await client.get("/graphql", params=params, headers={"Accept": accept})
    assert response.status_code == 200
    if page:
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "<title>jobgraph GraphiQL</title>" in response.text
        assert "parameters.query" in response.text  # the page opens on the URL's query
    else:
        assert response.headers["content-type"] == JSON
        assert response.json() == {"data": {"jobs": {"totalCount": 0}}}
    assert response.headers["vary"] == "Accept, Origin"


async def test_the_favicon_is_served(client: AsyncClient) -> None:
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an icon file
    first = int.from_bytes(response.content[18:22], "little")  # where its first image starts
    assert response.content[first : first + 8] == b"\x89PNG\r\n\x1a\n"


def test_a_websocket_upgrade_is_accepted_for_graphql_transport_ws(settings: Settings) -> None:
    handshake = (
        b"GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
    )
    with serving(create_app(settings), ws="auto") as base_url:  # as `jobgraph serve`
        answer = raw_exchange(base_url, handshake, timeout=1)
    head, _, _body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 101 Switching Protocols"
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert headers["sec-websocket-protocol"] == "graphql-transport-ws"

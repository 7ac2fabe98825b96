"""Request bodies over JOBGRAPH_MAX_BODY_BYTES get a 413 before anything parses them, on every
way in: the compiled path, the reference router, the CORS stack and REST, declared or chunked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient

from jobgraph.app import create_app
from jobgraph.settings import Settings
from tests.live import raw_exchange, serving

LIMIT = 4096
QUERY = "{ jobs(first: 1) { totalCount } }"
TOO_LARGE = f"The request body is larger than the {LIMIT:,} bytes this server accepts."


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[AsyncClient]:
    application = create_app(settings.model_copy(update={"max_body_bytes": LIMIT}))
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def padded(size: int) -> bytes:
    """A valid GraphQL request of exactly `size` bytes (the query ends in a comment)."""
    empty = json.dumps({"query": QUERY + "\n#"}).encode()
    body = json.dumps({"query": QUERY + "\n#" + "x" * (size - len(empty))}).encode()
    assert len(body) == size
    return body


def graphql_413() -> dict[str, object]:
    return {"errors": [{"message": TOO_LARGE, "extensions": {"code": "BAD_REQUEST"}}]}


JSON = {"Content-Type": "application/json"}


async def test_a_body_at_the_limit_is_answered(limited: AsyncClient) -> None:
    response = await limited.post("/graphql", content=padded(LIMIT), headers=JSON)
    assert response.status_code == 200
    assert response.json() == {"data": {"jobs": {"totalCount": 0}}}


@pytest.mark.parametrize(
    "headers",
    [
        JSON,  # the compiled path's shortcut
        {**JSON, "Origin": "http://app.example"},  # the middleware stack, CORS included
        {"Content-Type": "text/plain"},  # the reference router
    ],
)
async def test_a_declared_body_over_the_limit_gets_a_413_graphql_error(
    limited: AsyncClient, headers: dict[str, str]
) -> None:
    response = await limited.post("/graphql", content=padded(LIMIT + 1), headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert response.json() == graphql_413()
    if "Origin" in headers:
        assert response.headers["access-control-allow-origin"] == "*"


async def test_a_chunked_body_over_the_limit_gets_a_413(limited: AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        body = padded(3 * LIMIT)
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = await limited.post("/graphql", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == graphql_413()


async def test_the_graphql_media_type_is_kept_for_a_413(limited: AsyncClient) -> None:
    accept = "application/graphql-response+json"
    response = await limited.post(
        "/graphql", content=padded(LIMIT + 1), headers={**JSON, "Accept": accept}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"


async def test_a_rest_request_with_a_body_over_the_limit_gets_a_413_jsend(
    limited: AsyncClient,
) -> None:
    response = await limited.request("GET", "/api/v2/jobs", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == {
        "status": "fail",
        "message": TOO_LARGE,
        "code": 413,
        "data": {"body": f"at most {LIMIT} bytes"},
    }


def test_a_live_server_refuses_a_chunked_body_without_reading_it_all(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_body_bytes": LIMIT}))
    chunk = b"x" * 1000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8)) + b"0\r\n\r\n"
    request = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + body
    )
    with serving(app) as base_url:
        answer = raw_exchange(base_url, request)
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 413 Request Entity Too Large"
    assert b"connection: close" in head.lower()
    assert json.loads(payload) == graphql_413()

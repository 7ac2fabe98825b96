"""A request no route takes gets a JSend fail (404 or 405), so REST clients and the SDK can read
it; on /graphql it is a GraphQL response instead (tests/test_graphql_http.py)."""

from __future__ import annotations

import pytest
from httpx import AsyncClient


@pytest.mark.parametrize(
    "path", ["/nope", "/api/v2/batches/00000000-0000-4000-8000-000000000000/x", "/api/v2/jobs/a/b"]
)
async def test_an_unknown_path_is_a_jsend_404(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "status": "fail",
        "message": f"Not found: no route for GET {path}.",
        "code": 404,
        "data": {"path": path},
    }


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/v2/jobs", "GET"),
        ("DELETE", "/api/v2/jobs/00000000-0000-4000-8000-000000000000", "GET"),
        ("PUT", "/healthz", "GET"),
        ("POST", "/favicon.ico", "GET, HEAD"),
    ],
)
async def test_a_method_the_path_does_not_take_is_a_jsend_405(
    client: AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json() == {
        "status": "fail",
        "message": f"Method {method} is not allowed on {path}; use {allowed}.",
        "code": 405,
        "data": {"method": method, "allowed": allowed},
    }


async def test_a_missing_static_file_is_a_jsend_404(client: AsyncClient) -> None:
    response = await client.get("/docs/static/swagger-ui-dist-0.0.0/missing.js")
    assert response.status_code == 404
    assert response.json()["status"] == "fail"

"""Sending GraphQL requests to the app in tests."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient


async def graphql(
    client: AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The full response body of a POST /graphql."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def run_graphql(
    client: AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The data of a request that must succeed."""
    body = await graphql(client, query, variables)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def graphql_error(
    client: AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> str:
    """The messages of a request that must fail, joined."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code in (200, 400, 422), response.text
    body = response.json()
    assert body.get("errors"), body
    return " | ".join(error["message"] for error in body["errors"])


def edge_ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]

"""Answers without a valid token: JSend 401s on REST, UNAUTHENTICATED GraphQL errors on both
GraphQL paths (POST and GET); revoked, expired and JWT tokens; settings that refuse to serve."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from jobgraph.app import InsecureSettingsError, create_app
from jobgraph.auth.manage import create_token, revoke
from jobgraph.db.access import token_by_id
from jobgraph.db.engine import Database
from jobgraph.settings import Settings
from tests.conftest import open_settings
from tests.factories import Factory

JWT_SECRET = "a-jwt-secret-that-is-long-enough-for-hs256"
QUERY = "{ jobs { totalCount } }"


def auth_settings(database_url: str, **overrides: Any) -> Settings:
    return open_settings(
        database_url,
        auth_disabled=False,
        jwt_secret=JWT_SECRET,
        jwt_audience="jobgraph",
        jwt_issuer="https://id.example.org",
        **overrides,
    )


@pytest.fixture(params=[True, False], ids=["compiled", "reference"])
async def app(
    request: pytest.FixtureRequest, database_url: str, db: Database
) -> AsyncIterator[FastAPI]:
    application = create_app(auth_settings(database_url, compiled_graphql=request.param))
    async with application.router.lifespan_context(application):
        yield application


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def assert_rest_401(client: AsyncClient, headers: dict[str, str], message: str) -> None:
    for path in ("/api/v2/jobs", "/api/v2/jobs/00000000-0000-4000-8000-000000000001"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 401, response.text
        body = response.json()
        assert body["status"] == "fail"
        assert body["code"] == 401
        assert message in body["message"]
        assert response.headers["www-authenticate"].startswith('Bearer realm="jobgraph"')


async def assert_graphql_401(client: AsyncClient, headers: dict[str, str], message: str) -> None:
    answers = [
        await client.post("/graphql", json={"query": QUERY}, headers=headers),
        await client.get("/graphql", params={"query": QUERY}, headers=headers),
        await client.post(
            "/graphql",
            json={"query": QUERY},
            headers=headers | {"Accept": "application/graphql-response+json"},
        ),
    ]
    for response in answers:
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith('Bearer realm="jobgraph"')
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}
        assert message in error["message"]
        assert "data" not in response.json()


async def test_no_token_is_a_401_everywhere(client: AsyncClient) -> None:
    await assert_rest_401(client, {}, "needs an API token")
    await assert_graphql_401(client, {}, "needs an API token")
    response = await client.get("/api/v2/jobs")
    assert response.headers["www-authenticate"] == 'Bearer realm="jobgraph"'


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("Bearer jgt_not-a-real-token", "The token is not valid."),
        ("Basic dXNlcjpwYXNz", "must be `Bearer <token>`"),
        ("Bearer", "must be `Bearer <token>`"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "The token is not valid"),
    ],
)
async def test_a_bad_token_is_a_401(client: AsyncClient, authorization: str, message: str) -> None:
    headers = {"Authorization": authorization}
    await assert_rest_401(client, headers, message)
    await assert_graphql_401(client, headers, message)
    response = await client.get("/api/v2/jobs", headers=headers)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_revoked_and_expired_tokens_are_401s(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    job = await factory.job()
    live = await create_token(db, "ada", [job.project_id])
    revoked = await create_token(db, "ada", [job.project_id])
    expired = await create_token(db, "ada", [job.project_id], lifetime=timedelta(seconds=-1))
    await revoke(db, revoked.id)

    assert (await token_by_id(db, live.id)).last_used_at is None  # type: ignore[union-attr]
    ok = await client.get("/api/v2/jobs", headers=bearer(live.token))
    assert [row["id"] for row in ok.json()["data"]] == [job.id]
    assert (await token_by_id(db, live.id)).last_used_at is not None  # type: ignore[union-attr]
    await assert_rest_401(client, bearer(revoked.token), "The token was revoked.")
    await assert_graphql_401(client, bearer(revoked.token), "The token was revoked.")
    await assert_rest_401(client, bearer(expired.token), "The token has expired.")
    await assert_graphql_401(client, bearer(expired.token), "The token has expired.")


def signed(**claims: Any) -> str:
    base: dict[str, Any] = {"sub": "eve", "aud": "jobgraph", "iss": "https://id.example.org"}
    base["exp"] = int(time.time()) + 300
    return jwt.encode(base | claims, JWT_SECRET, algorithm="HS256")


async def test_jwt_users_read_their_memberships(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    from jobgraph.db.access import add_memberships

    mine, other = await factory.job(), await factory.job()
    await add_memberships(db, "eve", [mine.project_id], mine.created_at)

    listed = await client.get("/api/v2/jobs", headers=bearer(signed()))
    data = await client.post(
        "/graphql", json={"query": "{ jobs { nodes { id } } }"}, headers=bearer(signed())
    )

    assert [row["id"] for row in listed.json()["data"]] == [mine.id]
    assert data.json() == {"data": {"jobs": {"nodes": [{"id": mine.id}]}}}
    assert other.id not in listed.text


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (lambda: signed(aud="someone-else"), "Audience doesn't match"),
        (lambda: signed(iss="https://evil.example.org"), "Invalid issuer"),
        (lambda: signed(exp=int(time.time()) - 10), "The token has expired."),
        (lambda: signed(sub=""), "names no user"),
        (lambda: jwt.encode({"sub": "eve"}, "x" * 40, algorithm="HS256"), "Signature"),
    ],
)
async def test_bad_jwts_are_401s(client: AsyncClient, token: Any, message: str) -> None:
    await assert_rest_401(client, bearer(token()), message)
    await assert_graphql_401(client, bearer(token()), message)


async def test_the_graphiql_page_and_health_need_no_token(client: AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/docs")).status_code == 200


async def test_get_answers_vary_with_the_token_and_stay_private(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    job = await factory.job()
    token = await create_token(db, "ada", [job.project_id])
    response = await client.get("/graphql", params={"query": QUERY}, headers=bearer(token.token))
    assert response.json() == {"data": {"jobs": {"totalCount": 1}}}
    assert response.headers["cache-control"] == "private, max-age=10"
    assert "Authorization" in response.headers["vary"]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"development": False, "results_secret": "jobgraph-development-secret-change-me"},
            "default value",
        ),
        ({"development": False, "results_secret": ""}, "empty or shorter than 16"),
        (
            {"development": False, "results_secret": "x" * 32, "auth_disabled": True},
            "AUTH_DISABLED",
        ),
    ],
)
def test_insecure_settings_refuse_to_serve(
    database_url: str, overrides: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InsecureSettingsError, match=problem):
        create_app(open_settings(database_url, **overrides))


def test_production_settings_serve(database_url: str) -> None:
    create_app(
        open_settings(database_url, development=False, auth_disabled=False, results_secret="x" * 32)
    )


def test_cors_any_origin_never_with_credentials() -> None:
    with pytest.raises(ValueError, match="cors_allow_credentials cannot be true"):
        Settings(cors_allow_credentials=True)
    Settings(cors_allow_credentials=True, cors_origins=["https://app.example.org"])


async def test_cors_answers_carry_no_credentials_by_default(app: FastAPI) -> None:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.options(
            "/graphql",
            headers={
                "Origin": "https://app.example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "authorization" in response.headers["access-control-allow-headers"].lower()

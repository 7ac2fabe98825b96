"""Results links under authentication: signed for one job and one principal, capped in
lifetime, dead once their token is revoked, and never pointed at a Host a caller chose."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from jobgraph.app import create_app
from jobgraph.auth.manage import create_token, revoke
from jobgraph.db.engine import Database
from jobgraph.rest.links import ResultLinks
from jobgraph.settings import DEFAULT_RESULTS_SECRET
from tests.conftest import open_settings
from tests.factories import Factory

PAYLOAD = {"counter": {"01": 2}}
SECRET = "test-secret"


@pytest.fixture
async def app(database_url: str, db: Database) -> AsyncIterator[FastAPI]:
    settings = open_settings(database_url, auth_disabled=False, results_link_ttl_seconds=600)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def link_for(client: AsyncClient, job_id: str, token: str, host: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {token}"} | ({"Host": host} if host else {})
    response = await client.get(f"/api/v1/jobs/{job_id}/results_link", headers=headers)
    assert response.status_code == 200, response.text
    link: str = response.json()["data"]["results_link"]
    return link


def query_of(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def local(link: str, **changes: str) -> str:
    return urlsplit(link).path + "?" + urlencode(query_of(link) | changes)


async def refused(client: AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url)
    assert response.status_code == 403, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "fail"
    return body


async def test_a_link_names_its_principal_and_dies_with_its_token(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    token = await create_token(db, "ada", [job.project_id])
    link = await link_for(client, job.id, token.token)
    assert query_of(link)["principal"] == f"token:{token.id}"
    assert (await client.get(local(link))).json() == PAYLOAD

    await revoke(db, token.id)

    body = await refused(client, local(link))
    assert "revoked or has expired" in body["message"]


async def test_a_link_signed_for_another_principal_is_refused(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    ada = await create_token(db, "ada", [job.project_id])
    bob = await create_token(db, "bob", [job.project_id])
    link = await link_for(client, job.id, ada.token)

    body = await refused(client, local(link, principal=f"token:{bob.id}"))
    assert "signature does not match" in body["message"]


async def test_a_link_never_outlives_its_token(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    token = await create_token(db, "ada", [job.project_id], lifetime=timedelta(seconds=30))
    expires = int(query_of(await link_for(client, job.id, token.token))["expires"])
    assert expires <= time.time() + 30


async def test_tampered_expired_and_over_long_links_are_refused(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    token = await create_token(db, "ada", [job.project_id])
    principal = f"token:{token.id}"
    link = await link_for(client, job.id, token.token)
    signature = query_of(link)["signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    signer = ResultLinks(SECRET.encode(), ttl_seconds=600)

    assert "signature" in (await refused(client, local(link, signature=flipped)))["message"]
    assert "principal" in (await refused(client, local(link, principal="")))["message"]
    expired = signer.url("", job.id, principal, int(time.time()) - 1)
    assert "expired" in (await refused(client, expired))["message"]
    # Year ~33,658: validly signed with the right secret, but longer than links live.
    forever = signer.url("", job.id, principal, 999_999_999_999)
    assert "longer than links do" in (await refused(client, forever))["message"]
    just_over = signer.url("", job.id, principal, int(time.time()) + 3600)
    assert "longer than links do" in (await refused(client, just_over))["message"]
    default_secret = ResultLinks(DEFAULT_RESULTS_SECRET.encode(), 600).url("", job.id, principal)
    assert "signature" in (await refused(client, default_secret))["message"]


async def test_a_link_to_a_job_outside_the_scope_is_not_made(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    other = await factory.project()
    token = await create_token(db, "ada", [other.id])
    response = await client.get(
        f"/api/v1/jobs/{job.id}/results_link", headers={"Authorization": f"Bearer {token.token}"}
    )
    assert response.status_code == 404
    # A link signed with the secret for this principal still cannot read the foreign job.
    forged = ResultLinks(SECRET.encode(), 600).url("", job.id, f"token:{token.id}")
    assert (await client.get(forged)).status_code == 404


async def test_links_use_an_allowed_host_or_the_configured_address(
    client: AsyncClient, db: Database, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    token = (await create_token(db, "ada", [job.project_id])).token

    allowed = await link_for(client, job.id, token)
    spoofed = await link_for(client, job.id, token, host="evil.example.org")

    assert allowed.startswith("http://testserver/api/v1/jobs/")
    assert spoofed.startswith("http://127.0.0.1:8000/api/v1/jobs/")  # from the settings


async def test_links_use_the_public_url_whatever_the_host(
    database_url: str, db: Database, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    token = (await create_token(db, "ada", [job.project_id])).token
    settings = open_settings(
        database_url, auth_disabled=False, public_url="https://jobs.example.org"
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            link = await link_for(http, job.id, token, host="evil.example.org")
    assert link.startswith(f"https://jobs.example.org/api/v1/jobs/{job.id}/results?")

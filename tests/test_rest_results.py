"""GET /api/v1/jobs/{id}/results_link and the pre-signed download it points to."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from jobgraph.app import create_app
from jobgraph.rest.jobs import result_store
from jobgraph.rest.links import ResultLinks
from jobgraph.settings import Settings
from tests.factories import Factory

PAYLOAD = {"counter": {"0101": 7, "1111": 3}, "raw": ["0101", "1111"], "note": "π ✨"}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


async def link_of(client: AsyncClient, job_id: str) -> str | None:
    response = await client.get(
        f"/api/v1/jobs/{job_id}/results_link", headers={"Authorization": "Bearer t"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    assert body["message"] == "OK."
    assert body["code"] == 200
    assert list(body["data"]) == ["results_link"]
    link: str | None = body["data"]["results_link"]
    return link


def with_query(link: str, **changes: str) -> str:
    parts = urlsplit(link)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return parts.path + "?" + "&".join(f"{key}={value}" for key, value in query.items())


async def assert_forbidden(client: AsyncClient, url: str, reason: str) -> None:
    response = await client.get(url)
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["status"] == "fail"
    assert body["code"] == 403
    assert reason in body["data"]["reason"]
    assert reason in body["message"]


async def test_results_link_downloads_the_payload_without_credentials(
    client: AsyncClient, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    link = await link_of(client, job.id)
    assert link is not None
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == "http://testserver"
    assert parts.path == f"/api/v1/jobs/{job.id}/results"
    expires = int(parse_qs(parts.query)["expires"][0])
    assert time.time() + 890 < expires <= time.time() + 900  # the default ttl
    download = await client.get(link)
    assert download.status_code == 200
    assert download.json() == PAYLOAD


async def test_results_link_is_null_for_a_job_without_result(
    client: AsyncClient, factory: Factory
) -> None:
    job = await factory.job()
    assert await link_of(client, job.id) is None


async def test_results_link_is_a_404_for_an_unknown_job(client: AsyncClient) -> None:
    response = await client.get(f"/api/v1/jobs/{UNKNOWN_ID}/results_link")
    assert response.status_code == 404
    assert response.json() == {
        "status": "fail",
        "message": f"Job {UNKNOWN_ID} not found.",
        "code": 404,
        "data": {"id": "no job has this id"},
    }


async def test_results_link_with_a_tampered_signature_is_a_403(
    client: AsyncClient, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    link = await link_of(client, job.id)
    assert link is not None
    signature = parse_qs(urlsplit(link).query)["signature"][0]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    await assert_forbidden(client, with_query(link, signature=flipped), "signature does not match")
    await assert_forbidden(client, with_query(link, signature=""), "lacks its expires, principal")


async def test_results_link_moved_to_another_job_is_a_403(
    client: AsyncClient, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    other = await factory.job(result={"counter": {}, "raw": []})
    link = await link_of(client, job.id)
    assert link is not None
    moved = link.replace(job.id, other.id)
    await assert_forbidden(client, urlsplit(moved).path + "?" + urlsplit(moved).query, "signature")


async def test_results_link_with_a_later_expiry_is_a_403(
    client: AsyncClient, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    link = await link_of(client, job.id)
    assert link is not None
    expires = int(parse_qs(urlsplit(link).query)["expires"][0])
    later = with_query(link, expires=str(expires + 3600))
    await assert_forbidden(client, later, "signature does not match")
    await assert_forbidden(client, with_query(link, expires="soon"), "not a Unix time")


async def test_results_link_once_expired_is_a_403(client: AsyncClient, factory: Factory) -> None:
    job = await factory.job(result=PAYLOAD)
    signer = ResultLinks(b"test-secret", ttl_seconds=1)
    expired = signer.url("", job.id, "open", int(time.time()) - 1)
    await assert_forbidden(client, expired, "expired")
    forged = ResultLinks(b"other-secret", ttl_seconds=1).url("", job.id, "open")
    await assert_forbidden(client, forged, "signature does not match")


async def test_results_link_uses_the_public_url_when_set(
    settings: Settings, factory: Factory
) -> None:
    job = await factory.job(result=PAYLOAD)
    public = settings.model_copy(update={"public_url": "https://jobs.example.org/base/"})
    application = create_app(public)
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://internal") as http:
            link = await link_of(http, job.id)
            assert link is not None
            assert link.startswith(f"https://jobs.example.org/base/api/v1/jobs/{job.id}/results?")
            behind_the_proxy = link.removeprefix("https://jobs.example.org/base")
            assert (await http.get(behind_the_proxy)).json() == PAYLOAD


class MemoryResultStore:
    """Another ResultStore: results held in a dict, as an object store would hold them."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results

    async def get(self, job_id: str) -> tuple[bool, Any]:
        return (job_id in self.results, self.results.get(job_id))

    async def exists(self, job_id: str) -> bool:
        return job_id in self.results


@pytest.fixture
async def memory_client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    app.dependency_overrides[result_store] = lambda: MemoryResultStore({STORED_ID: PAYLOAD})
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            yield http
    finally:
        app.dependency_overrides.clear()


STORED_ID = "00000000-0000-4000-8000-0000000000aa"


async def test_results_come_from_whichever_store_is_configured(
    memory_client: AsyncClient, factory: Factory
) -> None:
    await factory.job(id=STORED_ID)  # no result in the database: the store holds it
    link = await link_of(memory_client, STORED_ID)
    assert link is not None
    assert link.startswith("http://127.0.0.1:8000/")  # Host `t` is not an allowed host
    assert (await memory_client.get(link)).json() == PAYLOAD

"""/docs and /redoc are served from jobgraph's own vendored Swagger UI and ReDoc: no URL of the
pages points off the site, so they work offline."""

from __future__ import annotations

import hashlib

from httpx import AsyncClient

from jobgraph.assets import FAVICON_PATH
from jobgraph.rest.docs import (
    ASSETS,
    REDOC_JS,
    STATIC_DIR,
    STATIC_PATH,
    SWAGGER_UI_CSS,
    SWAGGER_UI_JS,
)
from tests.pages import collect


async def test_swagger_ui_loads_its_assets_from_jobgraph(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    page = response.text
    found = collect(page)
    assert found.titles == ["jobgraph - Swagger UI"]
    assert found.scripts == [f"{STATIC_PATH}/{SWAGGER_UI_JS}"]
    assert found.links == [f"{STATIC_PATH}/{SWAGGER_UI_CSS}"]
    assert found.icons == [FAVICON_PATH]
    assert "url: '/openapi.json'" in page
    assert '"validatorUrl": null' in page  # no document sent to the online validator
    assert "https://" not in page
    assert "http://" not in page


async def test_redoc_loads_its_assets_from_jobgraph(client: AsyncClient) -> None:
    response = await client.get("/redoc")
    assert response.status_code == 200
    page = response.text
    found = collect(page)
    assert found.titles == ["jobgraph - ReDoc"]
    assert found.scripts == [f"{STATIC_PATH}/{REDOC_JS}"]
    assert found.links == []  # no web fonts
    assert found.icons == [FAVICON_PATH]
    assert '<redoc spec-url="/openapi.json">' in page
    assert "https://" not in page
    assert "http://" not in page


async def test_docs_assets_are_served_with_their_content_types(client: AsyncClient) -> None:
    for name in ASSETS:
        response = await client.get(f"{STATIC_PATH}/{name}")
        assert response.status_code == 200, name
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        assert response.headers["content-type"] == f"{kind}; charset=utf-8"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.content == (STATIC_DIR / name).read_bytes()


def test_docs_vendored_files_match_their_checksums_and_have_licenses() -> None:
    listed = {}
    for line in (STATIC_DIR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    on_disk = {
        path.relative_to(STATIC_DIR).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in STATIC_DIR.rglob("*")
        if path.is_file() and path.name != "SHA256SUMS"
    }
    assert on_disk == listed
    for name in ASSETS:
        assert name in on_disk
        folder = name.split("/", 1)[0]
        assert (STATIC_DIR / "LICENSES" / f"{folder}.LICENSE").is_file(), folder


def test_the_vendored_redoc_loads_nothing_from_redocly() -> None:
    # scripts/vendor_docs.sh swaps the sidebar logo from Redocly's CDN for an inline image.
    bundle = (STATIC_DIR / REDOC_JS).read_text(encoding="utf-8")
    assert "cdn.redoc.ly" not in bundle
    assert 'src:"data:image/svg+xml,' in bundle

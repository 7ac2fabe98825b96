"""The GraphiQL page is served entirely from our own static files: no URL points off the site."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from httpx import ASGITransport, AsyncClient

from jobgraph.assets import FAVICON_PATH
from jobgraph.graphql.ide import (
    DEFAULT_QUERY,
    SCRIPTS,
    STATIC_DIR,
    STATIC_PATH,
    STYLESHEETS,
    graphiql_html,
    install_ide,
)
from tests.pages import collect


@pytest.fixture
async def ide_client() -> AsyncIterator[AsyncClient]:
    app = FastAPI()
    install_ide(app)

    @app.get("/graphql", response_class=HTMLResponse)
    async def graphiql() -> str:
        return graphiql_html("/graphql")

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


def test_graphiql_html_has_no_external_url() -> None:
    page = graphiql_html()
    assert "http://" not in page
    assert "https://" not in page
    assert "integrity=" not in page
    assert "crossorigin" not in page
    found = collect(page)
    for url in found.scripts + found.links:
        assert url.startswith(f"{STATIC_PATH}/"), url
    assert found.icons == [FAVICON_PATH]


def test_graphiql_html_title_scripts_and_stylesheets() -> None:
    found = collect(graphiql_html())
    assert found.titles == ["jobgraph GraphiQL"]
    assert found.scripts == [f"{STATIC_PATH}/{name}" for name in SCRIPTS]
    assert found.links == [f"{STATIC_PATH}/{name}" for name in STYLESHEETS]
    assert [url.rsplit("/", 1)[-1] for url in found.scripts] == [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "index.umd.js",
    ]


def test_graphiql_html_posts_to_the_given_path_with_the_default_query() -> None:
    page = graphiql_html("/api/graphql")
    assert 'const fetchURL = "/api/graphql";' in page
    assert f"const DEFAULT_QUERY = {json.dumps(DEFAULT_QUERY)};" in page
    assert "query RecentJobs {" in DEFAULT_QUERY
    assert "subscriptionUrl: subscriptionURL.href," in page  # subscriptions over a WebSocket
    assert "Cookies" not in page


def test_graphiql_html_keeps_the_query_in_the_url_under_get_parameter_names() -> None:
    page = graphiql_html()
    assert "parameters.query || parameters.q || DEFAULT_QUERY" in page
    assert "updateURL({ query: newQuery" in page
    assert "operationName: parameters.operationName" in page
    assert "updateURL({ operationName: newName })" in page


def test_graphiql_html_escapes_the_path_inside_the_script() -> None:
    page = graphiql_html("/graphql</script><script>alert(1)</script>")
    assert page.count("</script>") == len(SCRIPTS) + 1
    assert '"/graphql\\u003c/script\\u003e' in page


async def test_graphiql_page_assets_are_served_with_their_content_types(
    ide_client: AsyncClient,
) -> None:
    page = await ide_client.get("/graphql")
    assert page.status_code == 200
    found = collect(page.text)
    assert len(found.scripts) == 4
    assert len(found.links) == 2
    for url, content_type in [(url, "text/javascript") for url in found.scripts] + [
        (url, "text/css") for url in found.links
    ]:
        response = await ide_client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == f"{content_type}; charset=utf-8", url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert len(response.content) > 500, url


async def test_graphiql_static_unknown_file_is_404(ide_client: AsyncClient) -> None:
    response = await ide_client.get(f"{STATIC_PATH}/graphiql-3.8.3/missing.js")
    assert response.status_code == 404


def test_graphiql_vendored_files_match_their_checksums() -> None:
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
    for name in (*SCRIPTS, *STYLESHEETS):
        assert name in on_disk
    package_folders = {name.split("/", 1)[0] for name in (*SCRIPTS, *STYLESHEETS)}
    for folder in package_folders:
        assert (STATIC_DIR / "LICENSES" / f"{folder}.LICENSE").is_file(), folder

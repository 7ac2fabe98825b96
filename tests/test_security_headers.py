"""Every HTML page (GraphiQL, /docs, /redoc) carries a Content-Security-Policy that allows
jobgraph's own assets and the page's own inline scripts only, nosniff, no framing and no
referrer."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from httpx import AsyncClient

PAGES = [("/graphql", {"Accept": "text/html"}), ("/docs", {}), ("/redoc", {})]


@pytest.mark.parametrize(("path", "headers"), PAGES)
async def test_html_pages_carry_the_security_headers(
    client: AsyncClient, path: str, headers: dict[str, str]
) -> None:
    response = await client.get(path, headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = dict(
        ([*part.strip().split(" ", 1), ""])[:2]
        for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    # GraphiQL runs subscriptions over a WebSocket to the host it was served from.
    sockets = " ws://testserver wss://testserver" if path == "/graphql" else ""
    assert policy["connect-src"] == "'self'" + sockets
    assert "http" not in response.headers["content-security-policy"]  # no other origin
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", response.text, re.S)
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in inline
    }
    assert set(policy["script-src"].split()) == {"'self'", *hashes}
    for url in re.findall(r'(?:src|href)="([^"]+)"', response.text):
        assert url.startswith("/"), url  # every asset from jobgraph itself

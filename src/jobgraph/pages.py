"""The HTML pages jobgraph serves (GraphiQL, /docs, /redoc) and the headers each carries: a
Content-Security-Policy that allows jobgraph's own assets and the page's own inline scripts
only, nosniff, no framing, and no referrer sent along."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence

from starlette.responses import HTMLResponse

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)


def inline_script_hashes(page: str) -> list[str]:
    """CSP sources for each inline <script> of the page: 'sha256-<base64>'."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page)
    ]


def content_security_policy(page: str, connect: Sequence[str] = ()) -> str:
    """The page's policy; `connect` adds sources it may connect to (a WebSocket URL)."""
    scripts = " ".join(["'self'", *inline_script_hashes(page)])
    connections = " ".join(["'self'", *connect])
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",  # the front ends set style attributes
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src {connections}",
            "worker-src 'self' blob:",  # ReDoc's search runs in a worker
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(page: str, connect: Sequence[str] = ()) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(page, connect),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def html_page(
    page: str, headers: Mapping[str, str] | None = None, connect: Sequence[str] = ()
) -> HTMLResponse:
    """An HTML page with its security headers; `connect`: see content_security_policy."""
    return HTMLResponse(page, headers={**security_headers(page, connect), **(headers or {})})

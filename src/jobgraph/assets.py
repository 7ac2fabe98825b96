"""Static files served by jobgraph itself (vendored front ends, the favicon), so every page it
serves works offline: explicit content types and year-long caching for versioned paths."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

FAVICON_PATH = "/favicon.ico"
FAVICON_FILE = Path(__file__).parent / "static" / "favicon.ico"  # scripts/make_favicon.py

_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".LICENSE": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}
IMMUTABLE = "public, max-age=31536000, immutable"


class AssetFiles(StaticFiles):
    """StaticFiles with explicit JS/CSS content types (the OS mime table can be wrong, e.g.
    text/plain for .js) and year-long caching, safe because asset paths carry versions."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        content_type = _CONTENT_TYPES.get(Path(full_path).suffix)
        if content_type is not None and response.status_code == 200:
            response.headers["content-type"] = content_type
        response.headers["cache-control"] = IMMUTABLE
        response.headers["x-content-type-options"] = "nosniff"
        return response


async def favicon(request: Request) -> Response:
    """jobgraph's icon; browsers ask for it on every page, JSON ones included."""
    return FileResponse(
        FAVICON_FILE,
        media_type="image/vnd.microsoft.icon",
        headers={"cache-control": "public, max-age=86400"},
    )

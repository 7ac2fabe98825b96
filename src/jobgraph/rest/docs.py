"""The REST API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), served with their
vendored assets (scripts/vendor_docs.sh), so both work offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from jobgraph.assets import FAVICON_PATH, AssetFiles
from jobgraph.pages import html_page

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
STATIC_PATH = "/docs/static"
STATIC_DIR = Path(__file__).parent / "static"

# The versions are in the folder names, so a file's URL changes whenever its content does.
SWAGGER_UI_VERSION = "5.35.0"
REDOC_VERSION = "2.5.4"
SWAGGER_UI_JS = f"swagger-ui-dist-{SWAGGER_UI_VERSION}/swagger-ui-bundle.js"
SWAGGER_UI_CSS = f"swagger-ui-dist-{SWAGGER_UI_VERSION}/swagger-ui.css"
REDOC_JS = f"redoc-{REDOC_VERSION}/redoc.standalone.js"
ASSETS = (SWAGGER_UI_JS, SWAGGER_UI_CSS, REDOC_JS)


def install_docs(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets; build the app with docs_url=redoc_url=None."""
    app.mount(STATIC_PATH, AssetFiles(directory=STATIC_DIR), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _secured(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{title} - Swagger UI",
                swagger_js_url=f"{STATIC_PATH}/{SWAGGER_UI_JS}",
                swagger_css_url=f"{STATIC_PATH}/{SWAGGER_UI_CSS}",
                swagger_favicon_url=FAVICON_PATH,
                oauth2_redirect_url=None,
                # Off: by default Swagger UI sends the document to an online validator.
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _secured(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{title} - ReDoc",
                redoc_js_url=f"{STATIC_PATH}/{REDOC_JS}",
                redoc_favicon_url=FAVICON_PATH,
                with_google_fonts=False,
            )
        )


def _secured(response: HTMLResponse) -> HTMLResponse:
    return html_page(bytes(response.body).decode())

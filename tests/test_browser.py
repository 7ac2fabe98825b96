"""GraphiQL, /docs and /redoc in a real browser (Debian's Chromium, driven by Playwright through
tests/browser/offline.mjs), with the network cut off from everything but the server: the pages
load, GraphiQL runs a query, and no request fails or leaves the server, no console error.

`make browser` installs the tools (Chromium from Debian's packages, playwright-core from npm,
no browser download). Without them the test is skipped, except in CI, where it fails."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobgraph.app import create_app
from jobgraph.db.engine import make_database, make_engine
from jobgraph.db.migrate import upgrade
from tests.conftest import open_settings
from tests.dataset import build_dataset, load_dataset
from tests.live import serving

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
SCRIPT = BROWSER_DIR / "offline.mjs"
CHROMIUM = Path(os.environ.get("JOBGRAPH_CHROMIUM", "/usr/bin/chromium"))
DATA = build_dataset()


def missing_tools() -> list[str]:
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not CHROMIUM.is_file():
        missing.append(str(CHROMIUM))
    if not (BROWSER_DIR / "node_modules" / "playwright-core" / "package.json").is_file():
        missing.append("playwright-core (in tests/browser/node_modules)")
    return missing


@pytest.fixture
def browser_tools() -> None:
    missing = missing_tools()
    if missing:
        message = f"browser test tools missing: {', '.join(missing)}; `make browser` installs them"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """jobgraph with the test data set, on SQLite, served on loopback."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'jobgraph.db'}"
    upgrade(url)

    async def load() -> None:
        db = make_database(make_engine(url))
        try:
            await load_dataset(db, DATA)
        finally:
            await db.dispose()

    asyncio.run(load())
    with serving(create_app(open_settings(url)), ws="auto") as served:
        yield served


def test_graphiql_and_the_api_docs_work_offline_in_chromium(
    browser_tools: None, base_url: str
) -> None:
    run = subprocess.run(
        ["node", str(SCRIPT), base_url, str(CHROMIUM)],
        cwd=BROWSER_DIR,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.stdout, run.stderr
    report = json.loads(run.stdout)
    assert report.get("error") is None, f"{report['error']}\n{run.stderr}"
    assert report["steps"] == [
        "shared query opened",
        "graphiql opened",
        "query answered 200",
        "result shown",
        "docs shown",
        "redoc shown",
    ]
    assert report["blocked"] == []  # nothing asked of any host but the server
    assert report["failed"] == []
    assert report["errorResponses"] == []
    assert report["consoleErrors"] == []
    assert report["pageErrors"] == []
    assert f'"totalCount": {len(DATA.jobs)}' in report["graphiqlResult"]
    assert run.returncode == 0

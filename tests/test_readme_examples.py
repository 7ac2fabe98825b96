"""Every example in the README works as written on the demo data and returns data: the GraphQL
tours, the curl commands, the SDK example and the import of the shipped example file."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from httpx import AsyncClient

from jobgraph.app import create_app
from jobgraph.db.engine import Database
from jobgraph.importing import import_path
from jobgraph.seed import seed_database
from jobgraph.settings import Settings
from tests.graphql_client import run_graphql
from tests.live import serving

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README, re.DOTALL)
SHELL = "\n".join(re.findall(r"```sh\n(.*?)```", README, re.DOTALL))
CURLS = [
    argument
    for line in SHELL.splitlines()
    if line.startswith("curl ")
    for argument in shlex.split(line)
    if argument.startswith("http")
]
[SDK_EXAMPLE] = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
SERVER = "http://127.0.0.1:8000"


def empty_parts(value: Any, path: str = "") -> list[str]:
    """Where an answer holds an empty list or a null: what a tour on the demo data must not."""
    if isinstance(value, dict):
        return [part for key, item in value.items() for part in empty_parts(item, f"{path}.{key}")]
    if isinstance(value, list):
        if not value:
            return [f"{path} is empty"]
        return [
            part for at, item in enumerate(value) for part in empty_parts(item, f"{path}[{at}]")
        ]
    return [f"{path} is null"] if value is None else []


def test_the_readme_shows_its_examples() -> None:
    assert len(EXAMPLES) == 4
    assert len(CURLS) == 3
    assert "Endpoints(core=" in SDK_EXAMPLE


async def test_every_readme_tour_returns_data_at_every_level(
    client: AsyncClient, db: Database
) -> None:
    await seed_database(db)  # the demo data `make run` seeds
    for query in EXAMPLES:
        data = await run_graphql(client, query)
        assert empty_parts(data) == [], query.split("{")[0]


async def test_every_readme_curl_returns_data(client: AsyncClient, db: Database) -> None:
    await seed_database(db)
    for url in CURLS:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == SERVER
        response = await client.get(f"{parts.path}?{parts.query}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"], url
        assert body["pagination"]["total"] >= len(body["data"]) > 0


async def test_the_readme_sdk_example_prints_results(settings: Settings, db: Database) -> None:
    await seed_database(db)
    printed = io.StringIO()
    with serving(create_app(settings), ws="none") as url, contextlib.redirect_stdout(printed):
        exec(compile(SDK_EXAMPLE.replace(SERVER, url), "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert len(lines) == 5, lines
    projects, done, job, batch, running = lines
    assert projects.count("'") == 2 * 5  # the five ACTIVE demo projects
    assert int(done.split()[0]) > 0
    assert "None" not in job
    assert job.endswith("}")  # a counter of bitstrings
    assert batch.endswith(" jobs")
    assert int(running.split()[0]) > 0


async def test_the_readme_import_example_file_imports(client: AsyncClient, db: Database) -> None:
    summary = await import_path(db, ROOT / "examples" / "import.ndjson")
    assert (summary.projects, summary.batches, summary.jobs, summary.results) == (1, 2, 4, 1)
    response = await client.get("/api/v1/batches", params={"queue_priority": "HIGH"})
    [batch] = response.json()["data"]
    assert batch["jobs_count_per_status"] == {"DONE": 1, "ERROR": 1}

"""The `jobgraph` command end to end against a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from jobgraph.cli import app
from jobgraph.db.migrate import head_revision
from tests.import_data import batch, job, project, write_lines

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("JOBGRAPH_DATABASE_URL", url)
    return url


def test_cli_migrate_seed_and_import(sqlite_url: str, tmp_path: Path) -> None:
    migrated = runner.invoke(app, ["migrate"])
    seeded = runner.invoke(app, ["seed", "--jobs", "200", "--seed", "5"])
    skipped = runner.invoke(app, ["seed", "--if-empty"])
    path = write_lines(tmp_path / "a.ndjson", project(), batch(), job(result={"counter": {}}))
    imported = runner.invoke(app, ["import", str(path)])

    head = head_revision()
    assert (migrated.exit_code, migrated.stdout) == (0, f"database at revision {head} (head)\n")
    assert seeded.exit_code == 0
    assert seeded.stdout.startswith("seeded 6 projects, 4 batches, 200 jobs, ")
    assert "(seed 5)" in seeded.stdout
    assert (skipped.exit_code, skipped.stdout) == (
        0,
        "database already holds 200 jobs; not seeding\n",
    )
    assert imported.exit_code == 0
    assert imported.stdout.startswith("imported 1 projects, 1 batches, 1 jobs, 1 results in ")


def test_cli_names_each_phase_of_a_seed_and_an_import(sqlite_url: str, tmp_path: Path) -> None:
    runner.invoke(app, ["migrate"])
    path = write_lines(tmp_path / "a.ndjson", project(), batch(), job())

    seeded = runner.invoke(app, ["seed", "--jobs", "100"])
    imported = runner.invoke(app, ["import", str(path)])

    # Not a terminal here, so each phase is a line; on a terminal it names the progress bar.
    assert seeded.stderr.splitlines() == [
        "seeding: generating and writing",
        "seeding: rebuilding indexes",
        "seeding: committing",
        "seeding: analysing",
    ]
    assert imported.stderr.splitlines() == [
        "importing a.ndjson: parsing and writing",
        "importing a.ndjson: checking references",
        "importing a.ndjson: committing",
        "importing a.ndjson: analysing",
    ]


def test_cli_seed_if_empty_seeds_an_empty_database(sqlite_url: str) -> None:
    runner.invoke(app, ["migrate"])

    result = runner.invoke(app, ["seed", "--if-empty", "--jobs", "30"])

    assert result.exit_code == 0
    assert result.stdout.startswith("seeded 6 projects, 1 batches, 30 jobs, ")


def test_cli_bad_import_exits_1_with_the_line_and_keeps_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    runner.invoke(app, ["migrate"])
    path = write_lines(tmp_path / "bad.ndjson", project(), job(status="DONNE"), batch())

    result = runner.invoke(app, ["import", str(path)])
    again = runner.invoke(app, ["seed", "--if-empty", "--jobs", "30"])

    assert result.exit_code == 1
    assert result.stderr == (
        "importing bad.ndjson: parsing and writing\n"
        "error: line 2: job.status: 'DONNE' is not one of PENDING, RUNNING, DONE, ERROR, "
        "CANCELED, CANCELING; nothing was imported\n"
    )
    assert again.stdout.startswith("seeded")  # the failed import left no jobs behind


def test_cli_refuses_an_unmigrated_database(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBGRAPH_DEVELOPMENT", "true")  # serve checks its secret first
    for command in (["seed"], ["import", str(tmp_path / "x.ndjson")], ["serve"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: the database file ")
        assert "does not exist. Run `jobgraph migrate` first." in result.stderr
    assert not (tmp_path / "cli.db").exists()  # only `jobgraph migrate` creates it


def test_cli_names_the_setting_when_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JOBGRAPH_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:9/none")

    result = runner.invoke(app, ["seed"])

    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach the database")
    assert "JOBGRAPH_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.output


def test_cli_rejects_an_invalid_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBGRAPH_PORT", "not-a-port")

    result = runner.invoke(app, ["migrate"])

    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid JOBGRAPH_* setting")


def test_cli_export_schema_writes_the_sdl_or_fails_cleanly(tmp_path: Path) -> None:
    output = tmp_path / "schema.graphql"

    result = runner.invoke(app, ["export-schema", "--output", str(output)])

    if result.exit_code == 0:
        assert "type Query" in output.read_text(encoding="utf-8")
    else:
        assert result.exit_code == 1
        assert result.stderr.startswith("error: the GraphQL schema is not available yet")


def test_serve_lets_workers_run_a_request_to_its_deadline(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's supervisor kills a worker that does not answer its ping in time (5 s by
    default); jobgraph waits longer than any request may run."""
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    monkeypatch.setenv("JOBGRAPH_REQUEST_TIMEOUT_SECONDS", "42.5")
    monkeypatch.setenv("JOBGRAPH_DEVELOPMENT", "true")  # serve checks its secret first
    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **options: started.update(options))
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert started["workers"] == 2
    assert started["timeout_worker_healthcheck"] == 53
    assert started["timeout_keep_alive"] == 65  # past the clients' own keep-alive

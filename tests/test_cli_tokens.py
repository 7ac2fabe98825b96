"""`jobgraph token create/list/revoke/demo`, and `serve` refusing insecure settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobgraph.auth.authenticate import Authenticator
from jobgraph.auth.principal import AuthenticationError
from jobgraph.cli import app
from jobgraph.db.engine import make_database, make_engine
from jobgraph.query.spec import Scope
from tests.conftest import open_settings

runner = CliRunner()
P1 = "00000000-0000-4000-8000-000000000001"
P2 = "00000000-0000-4000-8000-000000000002"


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("JOBGRAPH_DATABASE_URL", url)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    return url


def authenticate(url: str, token: str) -> Scope:
    async def run() -> Scope:
        db = make_database(make_engine(url))
        try:
            settings = open_settings(url, auth_disabled=False)
            principal = await Authenticator(settings, db).authenticate(f"Bearer {token}")
            return principal.scope
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_token_create_prints_the_token_alone_on_the_last_line(sqlite_url: str) -> None:
    result = runner.invoke(
        app, ["token", "create", "--user", "ada", "--project", P2, "--project", P1.upper()]
    )

    assert result.exit_code == 0, result.output
    token = result.stdout.splitlines()[-1]
    assert token.startswith("jgt_")
    assert " " not in token
    assert len(token) > 40
    assert f"no project {P1} is stored yet" in result.stderr
    assert authenticate(sqlite_url, token) == Scope.projects([P1, P2])


def test_token_list_shows_every_token_but_never_its_secret(sqlite_url: str) -> None:
    member = runner.invoke(app, ["token", "create", "--user", "ada", "--project", P1])
    admin = runner.invoke(app, ["token", "create", "--user", "root", "--admin", "--expires", "30d"])
    secrets = [member.stdout.splitlines()[-1], admin.stdout.splitlines()[-1]]

    listed = runner.invoke(app, ["token", "list"])

    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t") == [
        "id", "prefix", "user", "projects", "created", "last used", "expires", "state"
    ]  # fmt: skip
    rows = [line.split("\t") for line in lines[1:]]
    assert [(row[2], row[3], row[5], row[7]) for row in rows] == [
        ("ada", P1, "-", "live"),
        ("root", "*", "-", "live"),
    ]
    assert rows[0][6] == "-"
    assert rows[1][6] != "-"
    assert [row[1] for row in rows] == [secret[:10] + "…" for secret in secrets]
    assert not any(secret in listed.stdout for secret in secrets)


def test_token_revoke_stops_the_token(sqlite_url: str) -> None:
    created = runner.invoke(app, ["token", "create", "--user", "ada", "--project", P1])
    token = created.stdout.splitlines()[-1]
    token_id = runner.invoke(app, ["token", "list"]).stdout.splitlines()[1].split("\t")[0]

    revoked = runner.invoke(app, ["token", "revoke", token_id])
    again = runner.invoke(app, ["token", "revoke", token_id])

    assert (revoked.exit_code, revoked.stdout) == (0, f"revoked token {token_id}\n")
    assert again.exit_code == 1
    assert "no live token" in again.stderr
    with pytest.raises(AuthenticationError, match="revoked"):
        authenticate(sqlite_url, token)
    assert runner.invoke(app, ["token", "list"]).stdout.splitlines()[1].endswith("\trevoked")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--user", "ada"], "give at least one --project, or --admin"),
        (["--user", "ada", "--project", "nope"], "'nope' is not a project id"),
        (["--user", "ada", "--admin", "--expires", "soon"], "not a duration"),
        (["--user", " ", "--admin"], "--user must name a user"),
    ],
)
def test_token_create_refuses_what_it_cannot_create(
    sqlite_url: str, arguments: list[str], problem: str
) -> None:
    result = runner.invoke(app, ["token", "create", *arguments])

    assert result.exit_code == 2
    assert problem in result.stderr


def test_token_demo_prints_an_admin_and_a_member_token(sqlite_url: str) -> None:
    assert runner.invoke(app, ["seed", "--jobs", "50"]).exit_code == 0
    first = runner.invoke(app, ["token", "demo"])
    second = runner.invoke(app, ["token", "demo"])

    assert second.exit_code == 0, second.output
    tokens = [word for word in second.stdout.split() if word.startswith("jgt_")]
    admin, member = tokens[0], tokens[1]
    assert authenticate(sqlite_url, admin) == Scope.everything()
    scope = authenticate(sqlite_url, member)
    assert scope.project_ids is not None
    assert len(set(scope.project_ids)) == 2
    assert f'"Authorization: Bearer {member}"' in second.stdout
    old = next(word for word in first.stdout.split() if word.startswith("jgt_"))
    with pytest.raises(AuthenticationError, match="revoked"):
        authenticate(sqlite_url, old)


def test_serve_refuses_the_default_secret_outside_development_mode(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["serve"])
    monkeypatch.setenv("JOBGRAPH_RESULTS_SECRET", "")
    empty = runner.invoke(app, ["serve"])

    assert result.exit_code == 1
    assert "JOBGRAPH_RESULTS_SECRET has its built-in default value" in result.stderr
    assert empty.exit_code == 1
    assert "JOBGRAPH_RESULTS_SECRET is empty or shorter than 16 characters" in empty.stderr

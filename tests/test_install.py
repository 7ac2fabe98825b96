"""`make run` installs only what serving needs, and shows that it is working; `make test` brings
the test tools and the SDK."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = ("pytest", "pytest-asyncio", "httpx", "ruff", "mypy", "pasqal-cloud")


def _dry_run(target: str, venv: Path) -> list[str]:
    """The commands `make target` would run on a fresh clone (no virtual environment yet)."""
    done = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def _installs(commands: list[str]) -> list[str]:
    """The pip commands, as a shell runs them (a line of a multi-line recipe loses its `; \\`)."""
    lines = (command.strip().removesuffix("\\").strip().removesuffix(";") for command in commands)
    return [line for line in lines if " pip install " in line]


def _name(requirement: str) -> str:
    return requirement.split(">")[0].split("=")[0].split("[")[0].split("<")[0].strip().lower()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_installs_the_package_without_its_dev_extra(tmp_path: Path) -> None:
    commands = _dry_run("run", tmp_path / "venv")
    [install] = _installs(commands)
    assert install.endswith(" -e .")
    assert "--quiet" not in install
    assert "-q" not in install.split()
    assert any("echo " in command for command in commands)  # it says what it is doing
    assert commands[-1].endswith("jobgraph serve")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_installs_the_dev_extra(tmp_path: Path) -> None:
    [install] = _installs(_dry_run("test", tmp_path / "venv"))
    assert install.endswith(" -e '.[dev]'")


def test_serving_dependencies_hold_no_test_tool_and_no_sdk() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    serving = {_name(requirement) for requirement in project["dependencies"]}
    dev = {_name(requirement) for requirement in project["optional-dependencies"]["dev"]}
    assert serving.isdisjoint(DEV_ONLY)
    assert set(DEV_ONLY) <= dev

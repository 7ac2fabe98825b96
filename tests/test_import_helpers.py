"""Helper processes of an import end when the importing process is killed (kill -9), instead of
running on with nobody to take their results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobgraph.parallel import ordered_map


def linger(folder: str) -> int:
    """A helper's task that says which process runs it, then works for a minute."""
    Path(folder, str(os.getpid())).touch()
    time.sleep(60)
    return 0


async def run_helpers(folder: str) -> None:
    async for _ in ordered_map(linger, [folder] * 4, processes=2):
        pass


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's reaping is left


def test_helpers_exit_promptly_when_the_importer_is_killed(tmp_path: Path) -> None:
    script = (
        "import asyncio, tests.test_import_helpers as t; "
        f"asyncio.run(t.run_helpers({str(tmp_path)!r}))"
    )
    importer = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parent.parent)
    helpers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(helpers) < 2:
            assert time.monotonic() < deadline, "the helpers did not start"
            assert importer.poll() is None, "the importer stopped by itself"
            time.sleep(0.1)
            helpers = [int(path.name) for path in tmp_path.iterdir()]
        importer.send_signal(signal.SIGKILL)
        importer.wait()
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in helpers if alive(pid)], "helpers outlived the importer"
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()
        for pid in helpers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

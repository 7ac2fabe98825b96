"""Side by side with PostGraphile 5: the shared harness's run.sh, with jobgraph on the same server.

Prepares the PostgreSQL half of the data set (benchmarks.dataset), then runs
`PEER_BENCH/peer/run.sh postgraphile jobgraph` from the repository root with JOBGRAPH_START set to
`jobgraph serve --workers 1` on the benchmark database (run.sh pins it to CPU 1, as PostGraphile).
run.sh itself loads its own copy of the file into `jobgraph_peer` for PostGraphile, installs
PostGraphile (npm ci) and wrk when missing, and writes OUT/summary.md; its knobs (DURATION,
WARMUP, CONC, QUERIES, SKIP_SQL, QUIET_WAIT, OUT, ...) pass through the environment.

Run: `.venv/bin/python -m benchmarks.peer [TARGET ...]` (default targets: postgraphile jobgraph).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from benchmarks.dataset import REPOSITORY, Paths, log, prepare
from benchmarks.probe import OPEN_ACCESS, free_port


def main() -> None:
    targets = sys.argv[1:] or ["postgraphile", "jobgraph"]
    paths = Paths.from_env()
    prepare(paths, ["postgresql"])
    port = free_port()
    serve = [sys.executable, "-m", "jobgraph.cli", "serve", "--host", "127.0.0.1"]
    serve += ["--port", str(port), "--workers", "1"]
    start = [
        "env",
        f"JOBGRAPH_DATABASE_URL={paths.url('postgresql')}",
        "JOBGRAPH_LOG_LEVEL=warning",
        *(f"{name}={value}" for name, value in OPEN_ACCESS.items()),
        *serve,
    ]
    env = os.environ | {
        "JOBGRAPH_URL": f"http://127.0.0.1:{port}/graphql",
        "JOBGRAPH_START": shlex.join(start),
        "JOBS": str(paths.jobs),
        "DATA_DIR": str(paths.data_dir),
        "PGPORT": str(paths.pg_port),
    }
    run = paths.shared / "peer" / "run.sh"
    log(f"== peer: {run} {' '.join(targets)}")
    raise SystemExit(subprocess.run([str(run), *targets], env=env, cwd=REPOSITORY).returncode)


if __name__ == "__main__":
    main()

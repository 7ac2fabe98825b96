"""Side by side with PostGraphile 5: the shared harness's run.sh, with jobgraph on the same server.

Prepares the PostgreSQL half of the data set (benchmarks.dataset), then runs
`PEER_BENCH/peer/run.sh postgraphile jobgraph` from the repository root with JOBGRAPH_START set to
`jobgraph serve --workers 1` on the benchmark database (run.sh pins it to CPU 1, as PostGraphile).
run.sh itself loads its own copy of the file into `jobgraph_peer` for PostGraphile, installs
PostGraphile (npm ci) and wrk when missing, and writes OUT/summary.md; its knobs (DURATION,
WARMUP, CONC, QUERIES, SKIP_SQL, QUIET_WAIT, OUT, ...) pass through the environment.

Then, in the same run, R1 (the REST list with Q2's filters, benchmarks.load) is measured on
jobgraph the same way, and a table set beside PostGraphile's Q2 is added to OUT/summary.md:
the harness has no REST route of its own to load.

Run: `.venv/bin/python -m benchmarks.peer [TARGET ...]` (default targets: postgraphile jobgraph).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

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
    out = paths.run_folder()
    env["OUT"] = str(out)
    run = paths.shared / "peer" / "run.sh"
    log(f"== peer: {run} {' '.join(targets)}")
    status = subprocess.run([str(run), *targets], env=env, cwd=REPOSITORY).returncode
    if status != 0 or "postgraphile" not in targets:
        raise SystemExit(status)
    log("== peer: R1 on jobgraph, beside PostGraphile's Q2")
    rest = out / "jobgraph-rest"
    load = [sys.executable, "-m", "benchmarks.load", "--skip-data", "--databases", "postgresql"]
    load += ["--queries", "R1", "--out", str(rest)]
    status = subprocess.run(load, cwd=REPOSITORY).returncode
    if status == 0:
        with (out / "summary.md").open("a") as summary:
            summary.write(rest_beside_peer(out, rest))
    raise SystemExit(status)


def rest_beside_peer(out: Path, rest: Path) -> str:
    """R1 on jobgraph next to PostGraphile's Q2 (the same filters through GraphQL)."""
    peer = json.loads((out / "postgraphile" / "load" / "Q2.json").read_text())
    ours = json.loads((rest / "postgresql" / "results.json").read_text())["R1"]
    return "\n".join(
        [
            "",
            "## R1 (REST, Q2's filters) beside PostGraphile's Q2",
            "",
            "| | req/s | p50 ms | p99 ms |",
            "|---|---:|---:|---:|",
            f"| PostGraphile 5, Q2 | {peer['rps']:.0f} | {peer['lat_p50_ms']:.1f} | "
            f"{peer['lat_p99_ms']:.1f} |",
            f"| jobgraph, R1 | {ours['rps']:.0f} | {ours['lat_p50_ms']:.1f} | "
            f"{ours['lat_p99_ms']:.1f} |",
            f"| ratio | {ours['rps'] / peer['rps']:.2f}x | | |",
            "",
        ]
    )


if __name__ == "__main__":
    main()

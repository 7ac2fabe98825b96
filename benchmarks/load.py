"""Benchmark: Q1-Q5 and R1 under concurrent load (wrk) against `jobgraph serve --workers 1`.

For each database (SQLite, PostgreSQL): starts the real HTTP server, one worker pinned to CPU 1,
fills in the shared harness's GraphQL queries (the jobgraph texts of Q1-Q5, with the project
holding the most jobs and a Q3 cursor 500,000 rows deep), checks every answer once, then per
request runs a warm-up and a measured window of `wrk -t1 -c16` pinned to CPU 0. It reads the CPU
used by the server, by PostgreSQL and by everything else from /proc, and measures a window again
when other processes used more than --other-max cores. Writes OUT/summary.md and prints it.

R1 is GET /api/v2/jobs with Q2's filters (project, status DONE or ERROR, limit 100) at offset 0;
R1-deep the same at offset 500,000.

Run: `.venv/bin/python -m benchmarks.load` (knobs below; `make bench` passes the env ones).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.dataset import DATABASES, Paths, env_int, env_list, log, phase, prepare
from benchmarks.import_seed import machine
from benchmarks.probe import Probe, find_project, free_port, pinned, server_env, wait_healthy
from benchmarks.usage import Usage, cpu_count, postgres_pid, wait_quiet

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
GRAPHQL = ("Q1", "Q2", "Q3", "Q4", "Q5")
REQUESTS = (*GRAPHQL, "R1", "R1-deep")


@dataclass(frozen=True)
class Request:
    name: str
    url: str
    body_file: Path | None  # a GraphQL body to POST; None: GET url


def render(value: Any, substitutions: dict[str, str]) -> Any:
    if isinstance(value, str):
        return substitutions.get(value, value)
    if isinstance(value, dict):
        return {key: render(item, substitutions) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, substitutions) for item in value]
    return value


def query_body(paths: Paths, name: str, substitutions: dict[str, str]) -> dict[str, Any]:
    """A query file of the shared harness with its placeholders filled in."""
    document = json.loads((paths.queries / f"{name}.json").read_text())
    return {"query": document["query"], "variables": render(document["variables"], substitutions)}


def build_requests(
    probe: Probe, paths: Paths, folder: Path, deep: int, base_url: str
) -> dict[str, Request]:
    """Fill in the queries, check each answer once, and write the GraphQL bodies to files."""
    project = probe.project
    rest_filter = f"project_id={project}&status=DONE&status=ERROR&limit=100"
    row = probe.rest(f"offset={deep - 1}&limit=1")["data"][0]["id"]
    cursor_answer = probe.graphql(query_body(paths, "cursor", {"__ROW_ID__": row}))
    cursor = cursor_answer["jobs"]["edges"][0]["cursor"]
    bodies = {
        name: query_body(paths, name, {"__PROJECT_ID__": project, "__Q3_CURSOR__": cursor})
        for name in GRAPHQL
    }
    first = probe.rest("limit=1")["data"][0]["id"]
    deep_first = probe.rest(f"offset={deep}&limit=1")["data"][0]["id"]
    filtered = probe.rest(rest_filter)
    errors = probe.rest(f"project_id={project}&status=ERROR&limit=1")
    answers = {name: probe.graphql(body) for name, body in bodies.items()}

    def first_id(name: str) -> str:
        return str(answers[name]["jobs"]["edges"][0]["node"]["id"])

    checks = {
        "Q1 first job = REST's first": first_id("Q1") == first,
        "Q2 first job = R1's first": first_id("Q2") == filtered["data"][0]["id"],
        "Q2 statuses DONE/ERROR": all(
            edge["node"]["status"] in ("DONE", "ERROR") for edge in answers["Q2"]["jobs"]["edges"]
        ),
        f"Q3 first job = REST offset {deep:,}": first_id("Q3") == deep_first,
        "Q1-Q3 100 jobs each": all(len(answers[q]["jobs"]["edges"]) == 100 for q in GRAPHQL[:3]),
        "Q4 10 batches": len(answers["Q4"]["project"]["batches"]["edges"]) == 10,
        "Q5 totalCount = REST total": answers["Q5"]["jobs"]["totalCount"]
        == errors["pagination"]["total"],
        "R1 100 jobs": len(filtered["data"]) == 100,
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise SystemExit(f"wrong answers: {', '.join(failed)}")
    matching = filtered["pagination"]["total"]
    log(f"   project {project}; Q3 cursor at row {deep:,}; answers checked: {len(checks)} ok")
    if deep >= matching:
        log(f"   R1-deep: offset {deep:,} is past the {matching:,} jobs R1 matches: an empty page")
    (folder / "bodies").mkdir(parents=True, exist_ok=True)
    requests = {}
    for name, body in bodies.items():
        path = folder / "bodies" / f"{name}.json"
        path.write_text(json.dumps(body, separators=(",", ":")))
        requests[name] = Request(name, f"{base_url}/graphql", path)
    rest_url = f"{base_url}/api/v2/jobs?{rest_filter}"
    requests["R1"] = Request("R1", rest_url, None)
    requests["R1-deep"] = Request("R1-deep", f"{rest_url}&offset={deep}", None)
    return requests


@dataclass(frozen=True)
class Load:
    seconds: int
    warmup: int
    connections: int
    pin: bool

    def wrk(self, request: Request, seconds: int) -> dict[str, Any]:
        env = dict(os.environ)
        env.pop("BODY_FILE", None)
        if request.body_file is not None:
            env["BODY_FILE"] = str(request.body_file)
        command = [
            *pinned(0, self.pin),
            *("wrk", "-t1", f"-c{self.connections}", f"-d{seconds}s", "--timeout", "10s"),
            *("-s", str(WRK_SCRIPT), request.url),
        ]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        lines = [line for line in output.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise SystemExit(f"wrk printed no result:\n{output.stdout}\n{output.stderr}")
        result: dict[str, Any] = json.loads(lines[-1])
        return result

    def window(self, request: Request, usage: Usage) -> dict[str, Any]:
        """A warm-up, then one measured window with the CPU each party used during it."""
        self.wrk(request, self.warmup)
        usage.wait_idle()
        before = usage.sample(resource.getrusage(resource.RUSAGE_CHILDREN))
        result = self.wrk(request, self.seconds)
        after = usage.sample(resource.getrusage(resource.RUSAGE_CHILDREN))
        return result | usage.between(before, after, result["requests"])


def measure_all(
    load: Load,
    requests: dict[str, Request],
    usage: Usage,
    names: list[str],
    options: argparse.Namespace,
) -> dict[str, dict[str, Any]]:
    results = {}
    for name in names:
        for attempt in range(1, options.tries + 1):
            usage.wait_idle()  # the previous window's last requests
            wait_quiet(options.quiet_pct, options.quiet_wait)
            log(f"   {name}: {load.warmup} s warm-up, {load.seconds} s measured")
            result = load.window(requests[name], usage)
            if result["other_cores"] <= options.other_max or attempt == options.tries:
                break
            log(f"   {name}: other processes used {result['other_cores']} cores; measuring again")
        result["windows"] = attempt
        results[name] = result
        log(
            f"   {name}: {result['rps']:,.0f} req/s, p50 {result['lat_p50_ms']:.1f} ms, "
            f"p99 {result['lat_p99_ms']:.1f} ms, errors {errors(result)}, "
            f"server {result['server_cpu_ms_per_req']:.2f} CPU ms/req"
        )
    return results


def errors(result: dict[str, Any]) -> int:
    keys = ("err_connect", "err_read", "err_write", "err_status", "err_timeout", "err_graphql")
    return sum(int(result[key]) for key in keys)


@contextmanager
def served(
    paths: Paths, database: str, folder: Path, pin: bool
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`jobgraph serve --workers 1` on a free port, pinned to CPU 1; stopped afterwards."""
    port = free_port()
    command = [*pinned(1, pin), sys.executable, "-m", "jobgraph.cli", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with (folder / "server.log").open("wb") as server_log:
        server = subprocess.Popen(
            command,
            env=server_env(paths.url(database)),
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_healthy(base_url, server))
        log(f"   server pid {server.pid} at {base_url}{' on CPU 1' if pin else ''}")
        yield server, base_url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def table(all_results: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    lines = [
        "| database | request | req/s | p50 ms | p99 ms | errors | server CPU ms/req "
        "| PostgreSQL CPU ms/req | other load (cores) | windows |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for database, results in all_results.items():
        for name, r in results.items():
            postgres = r["postgres_cpu_ms_per_req"]
            lines.append(
                f"| {database} | {name} | {r['rps']:,.0f} | {r['lat_p50_ms']:.1f} | "
                f"{r['lat_p99_ms']:.1f} | {errors(r)} | {r['server_cpu_ms_per_req']:.2f} | "
                f"{'' if postgres is None else f'{postgres:.2f}'} | {r['other_cores']:.2f} | "
                f"{r['windows']} |"
            )
    return lines


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    with phase("installing wrk (apt-get), as the shared harness does"):
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--duration", type=int, default=env_int("DURATION", 12), help="measured s ($DURATION)")
    add("--warmup", type=int, default=env_int("WARMUP", 3), help="warm-up s ($WARMUP)")
    add("--connections", type=int, default=env_int("CONC", 16), help="wrk -c ($CONC)")
    add("--queries", nargs="+", default=env_list("QUERIES", REQUESTS), help="($QUERIES)")
    add("--databases", nargs="+", default=env_list("DATABASES", DATABASES), help="($DATABASES)")
    add("--deep", type=int, default=env_int("DEEP", 500_000), help="Q3/R1-deep depth ($DEEP)")
    add("--out", type=Path, default=None, help="default $OUT or DATA_DIR/jobgraph-run-<time>")
    add("--quiet-pct", type=int, default=env_int("QUIET_PCT", 10), help="($QUIET_PCT)")
    add("--quiet-wait", type=int, default=env_int("QUIET_WAIT", 120), help="s ($QUIET_WAIT)")
    add("--tries", type=int, default=env_int("TRIES", 3), help="windows at most ($TRIES)")
    add("--other-max", type=float, default=float(os.environ.get("OTHER_MAX") or 0.15))
    add("--skip-data", action="store_true", help="the data is ready: skip benchmarks.dataset")
    options = parser.parse_args()
    unknown = set(options.queries) - set(REQUESTS)
    if unknown:
        raise SystemExit(f"unknown requests {sorted(unknown)}; choose from {' '.join(REQUESTS)}")
    paths = Paths.from_env()
    out = options.out or paths.run_folder()
    if not options.skip_data:
        prepare(paths, options.databases)
    ensure_wrk()
    pin = cpu_count() >= 2
    if not pin:
        log("fewer than 2 CPUs: server and wrk are not pinned")
    load = Load(options.duration, options.warmup, options.connections, pin)
    all_results = {}
    for database in options.databases:
        folder = out / database
        folder.mkdir(parents=True, exist_ok=True)
        log(f"== {database}: start `jobgraph serve --workers 1`")
        with served(paths, database, folder, pin) as (server, base_url):
            with phase(f"{database}: fill in and check the requests"):
                project = find_project(paths.url(database))
                probe = Probe(base_url, project)
                requests = build_requests(probe, paths, folder, options.deep, base_url)
            postgres = postgres_pid(paths) if database == "postgresql" else None
            usage = Usage(server.pid, postgres)
            with phase(f"{database}: load, {len(options.queries)} requests"):
                results = measure_all(load, requests, usage, options.queries, options)
        (folder / "results.json").write_text(json.dumps(results, indent=1))
        all_results[database] = results
    header = [
        f"# jobgraph under load, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Machine: {machine(paths.server_url() if 'postgresql' in options.databases else None)}.",
        f"{paths.jobs:,} jobs. `jobgraph serve --workers 1`{' on CPU 1' if pin else ''}; wrk -t1 "
        f"-c{load.connections}{' on CPU 0' if pin else ''}, {load.warmup} s warm-up, "
        f"{load.seconds} s measured per request. PostgreSQL is not pinned.",
        "",
    ]
    summary = "\n".join([*header, *table(all_results)]) + "\n"
    (out / "summary.md").write_text(summary)
    print(f"\n{summary}", flush=True)
    log(f"results in {out}")


if __name__ == "__main__":
    main()

# jobgraph: `make run` to set up and serve with demo data, `make test` to run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Serving needs the package alone; tests, lint and benchmarks also need the dev extra (pytest,
# ruff, mypy and the pasqal-cloud SDK, which brings numpy, scipy and matplotlib).
SERVE_STAMP := $(VENV)/.installed-serve
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on
BROWSER_STAMP := tests/browser/node_modules/.installed

.PHONY: run install install-dev migrate seed serve test test-postgres lint fmt typecheck schema check clean browser
.PHONY: bench bench-data bench-load bench-filters bench-peer bench-import bench-queries bench-stress bench-fanout

$(BIN)/python:
	@echo "==> creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	@if [ $(STAMP) -nt pyproject.toml ]; then \
		echo "==> $(VENV) already holds jobgraph with its dev extra"; \
	else \
		echo "==> installing jobgraph and what serving needs into $(VENV) (about a minute)"; \
		$(PIP) -e .; \
	fi
	touch $(SERVE_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing jobgraph with its dev extra (tests, lint, the pasqal-cloud SDK) into $(VENV)"
	$(PIP) -e '.[dev]'
	touch $(SERVE_STAMP) $(STAMP)

install: $(SERVE_STAMP)

install-dev: $(STAMP)

migrate: $(SERVE_STAMP)
	$(BIN)/jobgraph migrate

seed: migrate
	$(BIN)/jobgraph seed --if-empty

serve: $(SERVE_STAMP)
	$(BIN)/jobgraph serve

# Development mode on this machine: the built-in results secret, and fresh demo tokens printed
# (JOBGRAPH_AUTH_DISABLED=true make run turns authentication off altogether).
run: export JOBGRAPH_DEVELOPMENT ?= true
run: seed
	$(BIN)/jobgraph token demo
	$(BIN)/jobgraph serve

# The tests run in parallel, a pytest-xdist worker per core, each with its own databases
# (TEST_WORKERS=0: all in this process, as a plain `pytest tests/...` runs them).
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

test: $(STAMP)
	$(PYTEST)

test-postgres: $(STAMP)
	JOBGRAPH_TEST_DATABASE_URL=$${JOBGRAPH_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} $(PYTEST)

# lint-imports checks the import contracts in pyproject.toml: layers, graphql and rest apart,
# no sqlalchemy in the adapters.
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-cache

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

schema: $(SERVE_STAMP)
	$(BIN)/jobgraph export-schema --output schema.graphql

check: lint typecheck test

# The browser test's tools (tests/test_browser.py): Debian's Chromium and Playwright's driver from
# npm, no browser download. Quick when both are there; apt-get needs root.
browser: $(BROWSER_STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@chromium --version 2>/dev/null

$(BROWSER_STAMP): tests/browser/package.json
	cd tests/browser && npm install --no-package-lock --no-audit --no-fund --loglevel=error
	touch $@

# Benchmarks (benchmarks/README.md). Data: the shared harness's 1M-job file (../shared/bench),
# imported once into SQLite and its private PostgreSQL (port 55432), all under DATA_DIR (<tmp>/peer-bench).
# Knobs (env or make VAR=...): JOBS DURATION WARMUP CONC QUERIES DATABASES DEEP OUT QUIET_PCT
# QUIET_WAIT TRIES OTHER_MAX DATA_DIR PEER_BENCH PGPORT.
bench: bench-data
	export OUT=$$($(BIN)/python -m benchmarks.dataset --run-folder); \
	$(BIN)/python -m benchmarks.load --skip-data && $(BIN)/python -m benchmarks.filters --skip-data

bench-data: $(STAMP)
	$(BIN)/python -m benchmarks.dataset

bench-load: $(STAMP)
	$(BIN)/python -m benchmarks.load

bench-filters: $(STAMP)
	$(BIN)/python -m benchmarks.filters

bench-peer: $(STAMP)
	$(BIN)/python -m benchmarks.peer postgraphile jobgraph

bench-import: $(STAMP)
	$(BIN)/python -m benchmarks.import_seed

bench-queries: $(STAMP)
	$(BIN)/python -m benchmarks.queries

# The load test (benchmarks/stress.py): 50 clients, REST and GraphQL, imports alongside, on both
# databases (the local PostgreSQL server: PG_SERVER); fails on any 5xx, dropped connection or
# inconsistent read. A minute or so per database.
bench-stress: $(STAMP)
	$(BIN)/python -m benchmarks.stress

bench-fanout: $(STAMP)
	$(BIN)/python -m benchmarks.fanout

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache

# jobgraph: `make run` to set up and serve with demo data, `make test` to run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run install migrate seed serve test test-postgres lint fmt typecheck schema check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/jobgraph migrate

seed: migrate
	$(BIN)/jobgraph seed --if-empty

serve: $(STAMP)
	$(BIN)/jobgraph serve

run: seed
	$(BIN)/jobgraph serve

test: $(STAMP)
	$(BIN)/python -m pytest

test-postgres: $(STAMP)
	JOBGRAPH_TEST_DATABASE_URL=$${JOBGRAPH_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/jobgraph export-schema --output schema.graphql

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python -m benchmarks.import_seed
	$(BIN)/python -m benchmarks.queries

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache

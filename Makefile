# Two commands on a fresh machine: `make run` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test test-unit lint schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	# badx12 ships the X12 guides' sample files the billing tests read; its pinned click==7
	# would downgrade uvicorn's, and no code imports it, so it comes without dependencies.
	$(BIN)/python -m pip install --quiet --no-deps badx12==0.2.2
	touch $@ $(VENV)/.installed

## run: install, migrate the SQLite database, seed demo data, serve GraphiQL on :8000
run: $(VENV)/.installed
	$(BIN)/practice migrate
	$(BIN)/practice seed --demo
	$(BIN)/practice serve

## test: lint, type-check, and run the suite on SQLite and on embedded PostgreSQL
test: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest

## test-unit: only the DB-free unit tests (tests/unit): pure functions, seconds
test-unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/unit

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## schema: regenerate the checked-in SDL (schema.graphql)
schema: $(VENV)/.installed
	$(BIN)/practice schema > schema.graphql

## bench: print SQL statement counts and timing ratios (each benchmark's ratio on its last line)
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.nested_patients
	$(BIN)/python -m bench.slots
	$(BIN)/python -m bench.durability
	$(BIN)/python -m bench.key_rotation
	$(BIN)/python -m bench.day_view_sql
	$(BIN)/python -m bench.day_view
	$(BIN)/python -m bench.patient_detail
	$(BIN)/python -m bench.fanout

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Archiver's everyday commands. `make serve` and `make test` each do the whole set-up on a fresh
# clone: a virtual environment in .venv, the package, a Chromium for Playwright, the migrations.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: help setup chromium migrate serve test lint format clean demo

help:
	@echo "make serve   run Archiver on http://127.0.0.1:8000 (SQLite in data/, screenshots/)"
	@echo "make test    run the test suite (PostgreSQL tests need ARCHIVER_TEST_DATABASE_URL)"
	@echo "make demo    capture demo posts from a local platform emulator (no internet needed)"
	@echo "make lint    ruff, ruff format --check, mypy --strict, import-linter"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) chromium

chromium: $(STAMP)
	@$(BIN)/python -m archiver.chromium

migrate: $(STAMP)
	$(BIN)/archiver migrate

serve: setup migrate
	$(BIN)/archiver serve

demo: setup
	$(BIN)/archiver demo

# Two pytest processes (pytest-xdist, each test file kept on one), then the tests marked
# `serial` alone: Schemathesis gives each API operation of tests/test_fuzz.py the same test ID,
# and xdist would run one of them. Exit status 5 is "no test selected" (PYTEST_ARGS naming
# tests of one kind only).
TEST_WORKERS ?= 2
test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/python -m pytest -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis

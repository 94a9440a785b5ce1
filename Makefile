# Two commands: `make run` (install, migrate, import the registry, seed demo data, serve) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
REGISTRY_FILE := app/registry/data/hromadas.csv

.PHONY: run test install install-test lint format clean lock

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The exact versions come from the lock files (requirements/*.lock, written by `make lock`); the project itself is
# installed on top without resolving again.
$(VENV)/.installed: pyproject.toml requirements/run.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/run.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements/test.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/asc migrate
	$(BIN)/asc import-hromadas $(REGISTRY_FILE)
	$(BIN)/asc demo-seed
	$(BIN)/asc serve --banner

# axe-core for the browser journey's accessibility checks, from the npm registry (pinned by the lock file).
tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund || npm install --prefix tests/e2e --no-audit --no-fund
	touch $@

test: install-test tests/e2e/node_modules/axe-core/axe.min.js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Write the lock files again from pyproject.toml's ranges (newest versions that fit); commit them with the change.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --no-header --annotation-style line -q -o requirements/run.lock
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --no-header --annotation-style line -q \
		-o requirements/test.lock

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts tests/e2e/node_modules

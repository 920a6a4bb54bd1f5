# The two commands a newcomer runs: `make serve` and `make test`. Each sets itself up first.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export NO_MKDOCS_2_WARNING := 1
export SITE_URL ?= http://$(HOST):$(PORT)/
STAMP := $(VENV)/.installed

.PHONY: help setup build serve test lint typecheck format test-unit test-integration test-browser send-pending purge-local clean
.DEFAULT_GOAL := help

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

setup: $(STAMP) ## Make the virtual environment from the pinned requirements

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
	@# The project's folder on the venv's import path, as an editable install does: the MkDocs hooks, tools/ and
	@# the tests import `functions` like any installed package, never by a file path of their own.
	$(BIN)/python -c 'import pathlib, site; pathlib.Path(site.getsitepackages()[0], "send-mediation.pth").write_text(str(pathlib.Path.cwd()) + "\n")'
	@touch $@

build: $(STAMP) ## Build the site into site/
	$(BIN)/mkdocs build --strict

serve: build ## Build the site and serve it with working forms on http://127.0.0.1:8000
	$(BIN)/python devserver.py --host $(HOST) --port $(PORT)

lint: $(STAMP) ## Check the Python code: style (ruff), types (mypy) and the back end's layers (lint-imports)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

typecheck: $(STAMP) ## Check the Python code's types only (mypy; what it checks is in pyproject.toml)
	$(BIN)/mypy

format: $(STAMP) ## Reformat the Python code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) lint check-content ## Run every test
	$(BIN)/python -m pytest

test-unit: $(STAMP) ## Run the unit tests (tests/unit: quick, no server, no browser)
	$(BIN)/python -m pytest tests/unit -q -p no:cacheprovider

test-integration: $(STAMP) ## Run the integration tests (tests/integration: the AWS adapters against a moto server)
	$(BIN)/python -m pytest tests/integration -q -p no:cacheprovider

test-browser: $(STAMP) ## Run the browser tests (tests/browser: Debian's Chromium, with axe)
	$(BIN)/python -m pytest tests/browser -q -p no:cacheprovider

send-pending: $(STAMP) ## Email any stored submission that has not been sent yet
	$(BIN)/python -m functions.forms send-pending

clean: ## Remove the built site and the virtual environment
	rm -rf site $(VENV)

-include mk/*.mk

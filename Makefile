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

.PHONY: help setup build serve test lint format test-unit test-integration test-browser send-pending purge-local clean
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

lint: $(STAMP) ## Check the Python code's style
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Reformat the Python code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) lint check-content ## Run every test
	$(BIN)/python -m pytest

send-pending: $(STAMP) ## Email any stored submission that has not been sent yet
	$(BIN)/python -m functions.forms send-pending

clean: ## Remove the built site and the virtual environment
	rm -rf site $(VENV)

-include mk/*.mk

# Complaint Desk developer entry points.
#   make run      the whole system locally: embedded Postgres + Temporal dev server, worker, API
#   make test     the test suite (extra pytest arguments: make test PYTEST_ARGS="-k policy -x")
#   make install  create .venv and install the project (re-run when pyproject.toml changes)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run test

install: $(STAMP)

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(VENV_PYTHON) -m devstack.run

test: install
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

# Complaint Desk developer entry points.
#   make run      the whole system locally: embedded Postgres + Temporal dev server, worker, API
#   make test     the test suite (extra pytest arguments: make test PYTEST_ARGS="-k policy -x")
#   make install  create .venv and install the project (re-run when pyproject.toml changes)
#   make bench    the benchmark (bench/results/latest.md); smaller: make bench BENCH_ARGS="--complaints 50"

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
BENCH_ARGS ?=
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: install run test bench

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

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(VENV_PYTHON) -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

# Not part of make test: it starts its own servers and runs for minutes (tests/bench
# only smoke-runs it). Results: bench/results/latest.md and latest.json.
bench: install $(BENCH_STAMP)
	$(VENV_PYTHON) -m bench $(BENCH_ARGS)

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

.PHONY: install run test bench browser

# The console's browser tests (tests/console) drive Debian's chromium, with CJK fonts for
# the Chinese pages' screenshots. Installed where apt-get exists and they are missing
# (apt-get update first only when the package lists were never fetched, or are too old to
# install from); elsewhere, install Chromium yourself and put it on PATH, or those tests
# skip and say so.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || $$SUDO apt-get update -qq; \
	    APT="$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk"; \
	    $$APT >/dev/null 2>&1 || { $$SUDO apt-get update -qq && $$APT >/dev/null; } \
	      || echo "could not install chromium: the console's browser tests will skip"; \
	  else \
	    echo "no apt-get: install Chromium and put it on PATH for the console's browser tests"; \
	  fi; \
	fi

install: $(STAMP)

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(VENV_PYTHON) -m devstack.run

test: install browser
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(VENV_PYTHON) -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

# Not part of make test: it starts its own servers and runs for minutes (tests/bench
# only smoke-runs it). Results: bench/results/latest.md and latest.json.
bench: install $(BENCH_STAMP)
	$(VENV_PYTHON) -m bench $(BENCH_ARGS)

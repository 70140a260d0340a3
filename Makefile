# The two commands everyone uses. Needs only Python 3.11 with pip and venv.
#
#   make run    start the dashboard (first start loads the example data)
#   make test   run the whole test suite; output under test-output/
#
# Browser and PostgreSQL tests need Debian packages (chromium, fonts-noto-cjk, postgresql);
# without them they are skipped locally and FAIL under CI=true (.ci/run installs them).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
OUT := test-output
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="tests/test_store.py -x"`
PYTEST_ARGS ?=
# Extra arguments for streamlit, e.g. `make run STREAMLIT_ARGS="--server.port 8600"`
STREAMLIT_ARGS ?=
# Address to listen on. Empty: 127.0.0.1 while there are no users (single-user mode, whoever
# opens the page is the administrator), every interface once users exist. See launcher.py.
ADDRESS ?=
# pip prints one harmless "WARNING: Location '...' is ignored" per configured extra index.
PIP_QUIET := { grep -v "WARNING: Location" || true; }

.PHONY: help run test lint lock venv clean

help:
	@echo "make run    start the dashboard (http://localhost:8501)"
	@echo "make test   run ruff and the tests (output in $(OUT)/)"
	@echo "make lock   regenerate requirements*.lock after editing requirements*.txt"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a lock file changes. The lock files (every package, exact
# version and hash) are generated from the human-edited requirements*.txt by `make lock`.
$(VENV)/.runtime: requirements.lock | $(PY)
	$(PY) -m pip install -q --require-hashes -r requirements.lock 2>&1 | $(PIP_QUIET)
	touch $@

$(VENV)/.dev: requirements.lock requirements-dev.lock | $(PY)
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock 2>&1 | $(PIP_QUIET)
	touch $(VENV)/.runtime $@

venv: $(VENV)/.runtime

run: $(VENV)/.runtime
	$(PY) launcher.py $(if $(ADDRESS),--address $(ADDRESS)) $(STREAMLIT_ARGS)

# ruff first (a finding fails the target before any test runs), then pytest.
# pytest's own exit code is kept in $(OUT)/pytest-exit-code (make itself exits 2 on failure).
test: $(VENV)/.dev
	mkdir -p $(OUT)
	$(VENV)/bin/ruff check .
	rc=0; $(PY) -m pytest -q -p no:cacheprovider --timeout=600 --junitxml=$(OUT)/junit.xml \
		$(PYTEST_ARGS) 2>&1 | tee $(OUT)/pytest.log || rc=$$?; \
	echo $$rc > $(OUT)/pytest-exit-code; exit $$rc

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

# Regenerate the lock files after editing requirements*.txt (needs PyPI; uv is pinned in requirements-dev.txt).
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--index-url https://pypi.org/simple --custom-compile-command "make lock"
lock: $(VENV)/.dev
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

clean:
	rm -rf $(OUT) .hypothesis

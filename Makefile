# The whole set-up on a fresh machine is `make run` or `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STORE  := data/demo.duckdb
PORT   ?= 8501
# This machine only. `make run HOST=0.0.0.0` serves others: set up sign-in first (README, Sign-in), else the app
# refuses every write.
HOST   ?= 127.0.0.1

.PHONY: run test test-fast lint bench bench-load shots audit clean

run: $(VENV)/.installed-run $(STORE)
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(dir $(PY))lint-imports
	$(PY) -m pytest

# The unit tests alone (no app, no browser): the quick loop while changing analytics.
test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -m unit tests/unit

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(VENV)/.installed-dev
	$(PY) -m benchmarks

# N Chromium sessions against one server (1, 5, 10, 20) and a 500-setting soak: needs the system Chromium.
bench-load: $(VENV)/.installed-dev
	$(PY) -m benchmarks.load

# Known advisories in the pinned requirements; where the advisory database cannot be reached, skipped with a line
# that says so. A pin the database does not know (not yet published there) is listed, not fatal.
audit: $(VENV)/.installed-dev
	@log=$$(mktemp); $(PY) -m pip_audit --progress-spinner off -r requirements.txt -r requirements-dev.txt >$$log 2>&1; \
	status=$$?; if [ $$status -ne 0 ] && grep -qiE "connection|resolve|timed out|unreachable" $$log; \
	then echo "make audit: skipped, the advisory database cannot be reached from this machine"; status=0; \
	else cat $$log; fi; rm -f $$log; exit $$status

shots: $(VENV)/.installed-dev $(STORE)
	$(PY) ../shared/tools/shoot.py

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Quarterdeck needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.installed-run $@

# Built only when missing: an existing store (with your imports in it) is never replaced by `make run`.
$(STORE): | $(VENV)/.installed-run
	$(PY) -m analytics demo --db $(STORE)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

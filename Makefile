# The whole set-up on a fresh machine is `make run` or `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STORE  := data/demo.duckdb
PORT   ?= 8501
# Tests write bytecode even where the shell says not to (PYTHONDONTWRITEBYTECODE): otherwise every pytest worker and
# every served app of the browser tests compiles the project, and rewrites the tests' assertions, from scratch
# (about 2.6 CPU-s a process; make test-fast 53.5 -> 48.2 s).
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest
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
	$(PYTEST)

# The unit tests alone (no app, no browser, no child process, no render): the quick loop while changing analytics.
test-fast: $(VENV)/.installed-dev
	$(PYTEST) -m unit tests/unit

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(VENV)/.installed-dev
	$(PY) -m benchmarks

# N Chromium sessions against one server (1, 5, 10, 20) and a 500-setting soak: needs the system Chromium.
bench-load: $(VENV)/.installed-dev
	$(PY) -m benchmarks.load

# Known advisories in the pinned requirements: fails when a pin has one. Nothing can be audited where the advisory
# database cannot be reached, or knows none of the pinned versions (they come from a wheelhouse ahead of PyPI): one
# line says which, and the target passes. A pin the database does not know, beside pins it knows, is listed.
define AUDIT_SUMMARY
import json, sys
pins = json.load(open(sys.argv[1]))["dependencies"]
audited = [p for p in pins if "skip_reason" not in p]
found = [f"{p['name']} {p['version']}: {v['id']}, fixed in {', '.join(v['fix_versions']) or 'no release yet'}"
         for p in audited for v in p["vulns"]]
if not audited:
    sys.exit(print(f"make audit: skipped, the advisory database knows none of the {len(pins)} pinned versions"))
for line in found + [f"not audited: {p['skip_reason']}" for p in pins if "skip_reason" in p]:
    print(line)
print(f"make audit: {len(audited)} of {len(pins)} pins audited, {len(found)} known vulnerabilities")
sys.exit(1 if found else 0)
endef
export AUDIT_SUMMARY

audit: $(VENV)/.installed-dev
	@log=$$(mktemp); report=$$(mktemp); \
	$(PY) -m pip_audit --progress-spinner off --format json --output $$report \
		-r requirements.txt -r requirements-dev.txt >$$log 2>&1; status=$$?; \
	if [ $$status -ne 0 ] && ! grep -q "known vulnerabilit" $$log && grep -qiE "connection|resolve|timed out|unreachable" $$log; \
	then echo "make audit: skipped, the advisory database cannot be reached from this machine"; status=0; \
	elif [ -s $$report ]; then $(PY) -c "$$AUDIT_SUMMARY" $$report; status=$$?; \
	else cat $$log; fi; rm -f $$log $$report; exit $$status

# Every page and tab, plain and presented, at 1920x1080 on the demo store: SHOTS_DB, SHOTS_OUT and SHOTS_SIZE change it.
SHOTS_DB   ?= $(STORE)
SHOTS_OUT  ?= /tmp/quarterdeck-shots
SHOTS_SIZE ?= 1920x1080
shots: $(VENV)/.installed-dev $(STORE)
	$(PY) -m tools.shots --db $(SHOTS_DB) --out $(SHOTS_OUT) --size $(SHOTS_SIZE)

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

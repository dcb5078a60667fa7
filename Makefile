# The two commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests run with DEBUG off, as production does, over plain HTTP on the test client.
TEST_ENV := DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-test-only-key-0123456789abcdefghijklmnopqrstuvwxyz} DJANGO_HTTPS=false
DEMO_ENV := DJANGO_DEBUG=true

.PHONY: demo test coverage install install-test lock assets worker beat lint migrations-check format benchmark-pages benchmark-load clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Every package installed, direct or not, is the version in a lock file and
# must match one of its hashes (README, "Dependencies"); the portal itself
# adds no package (pyproject.toml) and is built with the locked setuptools.
$(VENV)/.installed: requirements.lock | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements.lock
	$(PIP) install --quiet --no-deps --no-build-isolation .
	touch $@

$(VENV)/.installed-test: requirements-test.lock | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements-test.lock
	$(PIP) install --quiet --no-deps --no-build-isolation .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Regenerate the lock files from pyproject.toml, from PyPI alone (not any local
# pip configuration), keeping every pin that still fits; add
# LOCK_ARGS=--upgrade to move everything to the newest allowed versions. The
# test lock is held to the runtime lock's versions, so the two agree.
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.6.2
LOCK_ARGS ?=
PIP_COMPILE := PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= CUSTOM_COMPILE_COMMAND="make lock" \
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --all-build-deps \
	--strip-extras --index-url https://pypi.org/simple $(LOCK_ARGS)

$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet "$(PIP_TOOLS)"

lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra test --constraint requirements.lock \
	  --output-file requirements-test.lock pyproject.toml
	$(PIP_COMPILE) --extra bench --constraint requirements.lock \
	  --output-file requirements-bench.lock pyproject.toml

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json
	npm run --silent build

demo: install assets
	$(DEMO_ENV) $(PY) manage.py migrate --no-input
	$(DEMO_ENV) $(PY) manage.py load_demo --reset-passwords --site-url http://$(HOST):$(PORT)/
	@echo "Serving the portal on http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Tests in two runs: those that need no Celery worker in TEST_PROCESSES
# processes (pytest-xdist), and the `worker` ones (a live worker, a private
# Redis on fixed ports, the chaos test) one at a time. The worker tests mostly
# wait (for a worker, for convergence), so with a broker of their own,
# WORKER_CELERY_BROKER_URL (a Redis database no other run uses: .ci/run sets
# one), they run alongside the first run, at normal priority while the first
# runs niced, their output kept in $(WORKER_LOG) and printed after it; without
# one they run after it, on CELERY_BROKER_URL, as before (a run sharing the
# broker would read the queues and debounce keys the first run fills). A run
# that selects no test (exit 5, e.g. PYTEST_ARGS naming one file) is not a
# failure by itself. Both runs measure line and branch coverage
# ([tool.coverage] in pyproject.toml), the worker run into its own file
# ($(WORKER_COVERAGE): coverage's name for parallel files is .coverage.*,
# which the first run combines and erases), combined into .coverage after
# both; then `coverage` checks the floors, unless PYTEST_ARGS ran part of the
# suite.
TEST_PROCESSES ?= 2
COVERAGE_ARGS := --cov --cov-report=
WORKER_LOG := .worker-tests.log
WORKER_COVERAGE := .coverage-worker
WORKER_RUN := COVERAGE_FILE=$(WORKER_COVERAGE) $(TEST_ENV) $(PY) -m pytest -m worker $(COVERAGE_ARGS) $(PYTEST_ARGS)
test: install-test assets
	$(MAKE) --no-print-directory lint
	@rm -f $(WORKER_COVERAGE) $(WORKER_LOG)
	@if [ -n "$${WORKER_CELERY_BROKER_URL:-}" ]; then \
	  echo "The worker tests run alongside, on $$WORKER_CELERY_BROKER_URL; their output follows this run's."; \
	  CELERY_BROKER_URL="$$WORKER_CELERY_BROKER_URL" CELERY_RESULT_BACKEND="$${WORKER_CELERY_RESULT_BACKEND:-}" \
	    $(WORKER_RUN) >$(WORKER_LOG) 2>&1 & worker=$$!; \
	fi; \
	$(TEST_ENV) nice -n 5 $(PY) -m pytest -n $(TEST_PROCESSES) -m "not worker" $(COVERAGE_ARGS) $(PYTEST_ARGS); \
	first=$$?; \
	if [ -n "$${worker:-}" ]; then \
	  echo; echo "== The worker tests (run alongside the above)"; \
	  wait $$worker; second=$$?; cat $(WORKER_LOG); \
	else \
	  $(WORKER_RUN); second=$$?; \
	fi; \
	[ $$first -eq 0 ] || [ $$first -eq 5 ] || exit $$first; \
	[ $$second -eq 0 ] || [ $$second -eq 5 ] || exit $$second; \
	if [ -f $(WORKER_COVERAGE) ]; then $(PY) -m coverage combine --quiet --append $(WORKER_COVERAGE); fi
ifeq ($(strip $(PYTEST_ARGS)),)
	$(MAKE) --no-print-directory coverage
else
	$(PY) -m coverage html --quiet
	@echo "Coverage floors not checked: PYTEST_ARGS ran part of the suite. Report: htmlcov/index.html"
endif

# Coverage floors (docs/architecture.md, "Tests"): the modules that decide who
# may do what and what is counted, in groups, each held to its floor (today's
# figure rounded down, never below 90 %) by coverage's own --fail-under. A
# group is "name=floor=patterns": coverage's file patterns, comma-separated;
# "*/services.py" is every services module at any depth, so a module moved
# into a new package is still counted. Reads the .coverage of the last
# `make test`; writes the HTML report to htmlcov/ (`coverage report` prints
# every file in the terminal).
COVERAGE_FLOORS := \
	permissions=97=programmes/permissions.py,programmes/access.py,programmes/roles.py,programmes/twofactor/policy.py \
	services=93=*/services.py \
	selectors=96=*/selectors.py \
	rollups=98=savings/rollups.py,savings/outbox.py
coverage: install-test
	$(PY) -m coverage html --quiet
	@echo "Line and branch coverage of the apps: $$($(PY) -m coverage report --format=total)% (htmlcov/index.html)"
	@set -f; failed=""; \
	for group in $(COVERAGE_FLOORS); do \
	  name=$${group%%=*}; rest=$${group#*=}; floor=$${rest%%=*}; include=$${rest#*=}; \
	  echo; echo "Coverage of $$name (floor $$floor %):"; \
	  $(PY) -m coverage report --include="$$include" --fail-under=$$floor || failed="$$failed $$name"; \
	done; \
	[ -z "$$failed" ] || { echo "Coverage below its floor:$$failed"; exit 2; }

# One worker reading every queue, for development; production runs one per
# queue (docs/worker.md, "Queues").
worker: install
	q=$${CELERY_QUEUE:-productivity}; $(PY) -m celery -A productivity worker --loglevel=INFO \
	  --queues=$$q.rollups,$$q.notices,$$q.printing,$$q.housekeeping

beat: install
	$(PY) -m celery -A productivity beat --loglevel=INFO

# The code checks itself: lint, format, the layer contract (import-linter,
# pyproject.toml; docs/architecture.md, "Layers"), types (mypy with
# django-stubs, on every app; tests/ is not type-checked) and migrations.
# `make test` runs these first, so CI does.
lint: install-test
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(TEST_ENV) $(VENV)/bin/mypy productivity programmes applications savings manage.py
	$(MAKE) --no-print-directory migrations-check

# A model change without its migration fails here (and so fails CI), instead
# of on the first deployment that migrates.
migrations-check: install
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

# Benchmarks (README, "Benchmarks"): each resets its own PostgreSQL database.
# BENCH_ARGS passes options, e.g. BENCH_ARGS=--quick or BENCH_ARGS="--minutes 2".
BENCH_PAGES_DB ?= postgres://postgres@127.0.0.1:5432/productivity_bench_pages
BENCH_LOAD_DB ?= postgres://postgres@127.0.0.1:5432/productivity_bench_load
BENCH_ARGS ?=
benchmark-pages: install
	BENCH_DATABASE_URL=$(BENCH_PAGES_DB) $(PY) benchmarks/pages.py $(BENCH_ARGS)

benchmark-load: install
	$(PIP) install --quiet --require-hashes -r requirements-bench.lock
	BENCH_DATABASE_URL=$(BENCH_LOAD_DB) $(PY) benchmarks/load.py $(BENCH_ARGS)

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) $(LOCK_VENV) node_modules assets-build staticfiles htmlcov .coverage .coverage.*

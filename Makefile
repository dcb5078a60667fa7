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

.PHONY: demo test install install-test assets worker beat lint migrations-check format benchmark clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json
	npm run --silent build

demo: install assets
	$(DEMO_ENV) $(PY) manage.py migrate --no-input
	$(DEMO_ENV) $(PY) manage.py load_demo --reset-passwords
	@echo "Serving the portal on http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Tests in two runs: those that need no Celery worker in TEST_PROCESSES
# processes (pytest-xdist), then the `worker` ones (a live worker, a private
# Redis on fixed ports, the chaos test) one at a time. A run that selects no
# test (exit 5, e.g. PYTEST_ARGS naming one file) is not a failure by itself.
TEST_PROCESSES ?= 2
test: install-test assets
	$(VENV)/bin/ruff check --quiet .
	$(MAKE) --no-print-directory migrations-check
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_PROCESSES) -m "not worker" $(PYTEST_ARGS); \
	  status=$$?; [ $$status -eq 0 ] || [ $$status -eq 5 ] || exit $$status
	$(TEST_ENV) $(PY) -m pytest -m worker $(PYTEST_ARGS); \
	  status=$$?; [ $$status -eq 0 ] || [ $$status -eq 5 ] || exit $$status

worker: install
	$(PY) -m celery -A productivity worker --loglevel=INFO --queues=$${CELERY_QUEUE:-productivity}

beat: install
	$(PY) -m celery -A productivity beat --loglevel=INFO

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory migrations-check

# A model change without its migration fails here (and so fails CI), instead
# of on the first deployment that migrates.
migrations-check: install
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules assets-build staticfiles

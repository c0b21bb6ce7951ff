# The two commands: `make run` (set up everything and start the product) and `make test-all`
# (every test; `make test` is the quick default run).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test test-all test-fast setup deps deps-test assets lint typecheck format clean messages

run: deps assets
	@echo "==> Preparing the database (var/db.sqlite3 unless DATABASE_URL is set)"
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py collectstatic --noinput -v 0
	@echo "==> Loading the demo curriculum (curriculum/demo/) and the demo users and class"
	@$(PY) manage.py load_curriculum curriculum/demo
	@$(PY) manage.py seed_demo
	@# Prints the address when /healthz answers "ok"; Ctrl-C stops everything and exits 0.
	@$(PY) -m config.launch

# `make test`: the quick default run (under 3 minutes here): everything but the slow and the
# browser tests (`tests/conftest.py`'s SLOW list and the `browser` marker); pytest prints how many
# it deselected. `make test-all` runs every test, as CI does.
test: deps-test assets
	$(PY) -m config.embedded_redis run -- $(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)
	@echo "==> make test left out the slow and the browser tests (the count deselected is above); make test-all runs them all"

test-all: deps-test assets
	$(PY) -m config.embedded_redis run -- $(PY) -m pytest $(PYTEST_ARGS)

# The old name of the quick run.
test-fast: test

setup: deps assets

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	@echo "==> Creating the virtual environment $(VENV)"
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip

$(VENV)/.deps-run: requirements.txt | $(VENV)/bin/python
	@echo "==> Installing the Python packages (Django, Celery, SymPy, PyTorch for the CPU, ...)"
	@echo "    into $(VENV): the first time takes about 3-4 minutes and prints nothing meanwhile"
	@$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.deps-test: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	@echo "==> Installing the Python packages and the test tools into $(VENV)"
	@echo "    (the first time takes about 3-4 minutes and prints nothing meanwhile)"
	@$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.deps-run

deps: $(VENV)/.deps-run
deps-test: $(VENV)/.deps-test

node_modules/.package-lock.json: package.json package-lock.json
	@echo "==> Installing the browser assets with npm (KaTeX, MathLive, axe-core; under a minute)"
	@npm ci --no-audit --no-fund --loglevel=error

static/vendor/.built: node_modules/.package-lock.json scripts/copy-vendor.mjs
	@npm run --silent build
	@touch $@

assets: static/vendor/.built

# Interface translations (docs/i18n.md): collect the strings into locale/*/django.po (Django's
# makemessages needs GNU gettext: apt-get install gettext), then compile the .mo files in pure
# Python (committed, so nothing else needs gettext).
messages:
	$(PY) manage.py makemessages -l es --no-location --ignore=.venv --ignore=node_modules \
		--ignore=static --ignore=staticfiles --ignore=var --ignore=tests --ignore=inference/tutor_model
	$(PY) scripts/messages.py compile

# Lint: ruff (rules and formatting), then the type check. CI runs `make lint` (.ci/run).
lint: deps-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@$(MAKE) --no-print-directory typecheck

# mypy, strict on the pure cores (curriculum/answers, tutor/adaptive, inference/sambay and
# inference/steps; pyproject.toml [tool.mypy]): about 20 s from a cold cache, under 1 s warm.
typecheck: deps-test
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles

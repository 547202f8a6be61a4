# Sanqu Survey: `make run` serves the demo, `make test` runs the whole suite.
# Works on a fresh Debian machine with Python 3.11+; system packages come from apt when missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Debian's packages the tests need: a browser for Playwright, poppler for PDF checks,
# postgresql-client for backups of PostgreSQL (pg_dump, pg_restore), nginx for the front,
# LibreOffice's Writer (no GUI) to check that the Word reports convert cleanly.
TEST_DEBS := chromium poppler-utils postgresql-client nginx libreoffice-writer-nogui
# pytest-xdist workers for `make test` (auto: one a core); TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= auto
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run serve test test-fast install install-dev system-deps serve-deps db demo check lint bench drill clean messages

# The report worker (PDF reports, the daily purge) runs beside the app server and stops with it.
run: install db demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C stops; the report worker runs alongside)"
	@$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn --workers 2 --worker-class gthread --threads 4 --bind $(HOST):$(PORT) \
	  --access-logfile - --graceful-timeout 5 --no-control-socket wsgi:app

# The production shape on this machine: nginx in front of gunicorn (deploy/nginx/), so tablets
# on a slow network cannot hold the app's workers; the same demo database as `make run`.
serve: install serve-deps db demo
	$(BIN)/python -m deploy.front --port $(PORT)

test: install-dev system-deps node_modules/.installed
	$(BIN)/ruff check survey_app tests scripts benchmarks deploy
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Everything but the slow browser and benchmark-sized tests.
test-fast: install-dev
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# Test-only JavaScript (axe-core for the accessibility checks), from package-lock.json.  Used by
# `make test` only: the app never serves it and `make run` needs no npm.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "installing with apt: npm"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui"; \
	if [ -n "$$missing" ]; then \
	  echo "installing with apt:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

serve-deps:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "installing with apt: nginx"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx >/dev/null; }

db: install
	$(FLASK) db upgrade
	@# A bad questionnaire file is reported and refused; the others are still loaded and served.
	-$(FLASK) questionnaires load

demo: install
	$(FLASK) seed-demo --if-empty

check: install
	$(FLASK) questionnaires check

lint: install-dev
	$(BIN)/ruff check survey_app tests scripts benchmarks deploy
	$(BIN)/mypy

# Reliability drills (issue 16): bounded, loopback only, a few minutes; figures to docs/BENCHMARKS.md
drill: install-dev system-deps
	$(BIN)/python benchmarks/drill.py --write-docs

bench: install-dev
	$(BIN)/python benchmarks/ingest.py --write-docs
	$(BIN)/python benchmarks/form_weight.py --write-docs
	$(BIN)/python benchmarks/stats.py --write-docs
	$(BIN)/python benchmarks/recordings.py --write-docs
	$(BIN)/python benchmarks/sync.py --write-docs

clean:
	rm -rf $(VENV) instance .pytest_cache

# After editing survey_app/translations/*/LC_MESSAGES/messages.po (tests check the .mo is current).
messages: install
	$(BIN)/pybabel compile -d survey_app/translations

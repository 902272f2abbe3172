# Two commands: `make run` (set up and serve on http://127.0.0.1:5000) and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed
TRANSLATIONS := coalition_app/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core poppler-utils

.PHONY: pdf-libs install run serve test test-postgres lint format-check typecheck translations extract-messages vendor chromium clean bench

install: pdf-libs $(STAMP) $(MO_FILES)

# The versions come from constraints.txt (the same set on every machine); ranges in pyproject.toml.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

# Catalogues are compiled at install time; the .mo binaries are not committed.
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile -i $< -o $@ --statistics 2>&1 | tail -n 1

translations: $(MO_FILES)

extract-messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --width 100 .
	$(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete --width 100

run: install
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production serving: settings from the environment only (COALITION_ENV=production,
# SECRET_KEY, DATABASE_URL, BASE_URL, RATELIMIT_STORAGE_URI=redis://...,
# NETWORK_CACHE_URL=redis://...).
WORKERS ?= 4
BIND ?= 127.0.0.1:8000
serve: install
	COALITION_ENV=production $(FLASK) db upgrade
	COALITION_ENV=production $(VENV)/bin/gunicorn --workers $(WORKERS) --threads 2 \
	  --bind $(BIND) --access-logfile - --graceful-timeout 20 wsgi:app

# The suite runs one test file per worker, a worker per core (PYTEST_WORKERS=0: in this process).
PYTEST_WORKERS ?= auto
# PYTEST_ARGS adds options (.ci/run: `-m "not layout"` on PostgreSQL); the slowest tests are listed.
PYTEST_ARGS ?=
PYTEST := $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15 $(PYTEST_ARGS)

test: install chromium
	$(PYTEST)

# The same suite on PostgreSQL (started by .ci/run when it is not running).
test-postgres: install chromium
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/coalition_test} $(PYTEST)

lint: install
	$(VENV)/bin/ruff check .

format-check: install
	$(VENV)/bin/ruff format --check .

# The models, the use cases and core/ (the files and settings are in pyproject.toml).
typecheck: install
	$(VENV)/bin/mypy

# Browser tests drive Debian's Chromium; Playwright cannot download its own browser here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# The PDFs of the agenda and positions (WeasyPrint) need Pango, HarfBuzz and a font from Debian;
# the tests read them back with poppler's pdftotext. Installed only when one is missing.
pdf-libs:
	@missing=$$(for p in $(PDF_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian's $$missing for the PDFs"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing >/dev/null; fi; \
	fi

vendor:
	./scripts/vendor-assets.sh

# Benchmarks print figures and ratios measured in one run (BENCH=name runs one of them).
bench: install chromium
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache test-output

# Two commands do all set-up: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := portal/locales
PYTEST_ARGS ?=

LOCK := requirements/lock.txt
UV_LOCK := requirements/uv.txt
UV := VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/uv pip

.PHONY: demo test check install system-deps lock test-deps catalogs compile-catalogs bench bench-data clean

# Everything comes from the hashed lock (runtime, test extra and the build
# requirements setuptools and babel); then the project itself, with no deps.
# --no-build-isolation: an isolated build would fetch setuptools and babel
# again, unhashed and at whatever version is newest; this way the build uses
# the locked ones just installed. `pip check` fails when pyproject.toml names a
# dependency that the lock lacks (run `make lock`). uv installs the lock (its
# own version hashed in UV_LOCK): on a fresh clone about 2 s against pip's 45,
# most of which was CI's time before the first test. --compile-bytecode: the packages' .pyc written
# once here, because a machine with PYTHONDONTWRITEBYTECODE set (this kind of machine has it) otherwise
# compiles every module again in every process: a test worker's imports took 8.1 s instead of 3.5.
$(STAMP): $(LOCK) $(UV_LOCK) pyproject.toml setup.py
	@$(MAKE) --no-print-directory system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(UV_LOCK)
	$(UV) install --quiet --require-hashes --compile-bytecode -r $(LOCK)
	$(UV) install --quiet --no-deps --no-build-isolation -e .
	$(UV) check --quiet
	touch $(STAMP)

# Regenerate the lock after changing dependencies in pyproject.toml (keeps the
# versions already locked when they still fit; `make lock LOCK_ARGS=--upgrade`
# moves everything to the newest allowed).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/pip-compile || $(BIN)/python -m pip install --quiet pip-tools
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	  --allow-unsafe --strip-extras --extra test --build-deps-for editable \
	  --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) --output-file $(LOCK) pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	  --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) --output-file $(UV_LOCK) requirements/uv.in

install: $(STAMP) compile-catalogs

# What WeasyPrint needs of the system to render decisions and receipts as PDF/A (casework/documents.py):
# Pango (with its FreeType backend) and a font that has Latvian and Russian letters. Debian's Chromium
# pulls them in already; a machine without them gets them from Debian.
system-deps:
	@missing=""; \
	ldconfig -p | grep -q 'libpango-1.0.so.0' || missing="$$missing libpango-1.0-0"; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing="$$missing libpangoft2-1.0-0"; \
	fc-list 2>/dev/null | grep -q 'DejaVu Sans' || missing="$$missing fonts-dejavu-core fontconfig"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The portal with a fresh demo database and the demo eID provider; Ctrl+C stops both.
demo: install
	$(BIN)/portal demo

# Debian's Chromium and its driver for the browser tests, a Java runtime for the
# Nu HTML Checker, poppler's pdftotext and pdfinfo for the tests of the PDF documents,
# and from npm axe-core, the checker itself and oidc-provider (the
# certified eID provider of tests/eid/test_certified_provider.py) (package-lock.json).
test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	{ command -v pdftotext && command -v pdfinfo; } >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@test -f node_modules/axe-core/axe.min.js -a -f node_modules/vnu-jar/build/dist/vnu.jar \
	  -a -f node_modules/oidc-provider/package.json \
	  || npm ci --no-audit --no-fund --loglevel=error

# Lint (ruff) and types (mypy); CI runs this before the tests.
check: $(STAMP)
	$(BIN)/ruff check portal tests bench
	$(BIN)/mypy

# The tests run in parallel, a worker per core: each worker has a database of its own (a SQLite
# file; on PostgreSQL one created beside the database named, e.g. test_gw0).
PYTEST_WORKERS ?= auto

test: install test-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Extract messages from Python and templates, and merge them into the lv, ru and en catalogs. The msgids
# are English: a new message's English is its source until someone writes better English in the en catalog.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output \
	  -o $(LOCALES)/messages.pot portal
	for locale in lv ru en; do \
	  if [ -f $(LOCALES)/$$locale/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete \
	      -i $(LOCALES)/messages.pot -d $(LOCALES) -l $$locale; \
	  else \
	    $(BIN)/pybabel init -i $(LOCALES)/messages.pot -d $(LOCALES) -l $$locale; \
	  fi; \
	done
	$(BIN)/python -m portal.english_catalog

# Every catalog in portal/locales (lv, ru, en); compiled catalogs are build products (not committed) and
# `pip install .` compiles them too.
compile-catalogs: $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po))

# A catalog is compiled when its .po changed (so two `make test` at once, as .ci/run starts them, do not
# write the same .mo while the other's tests read it).
$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d $(LOCALES) -l $*

# Every page's figures at demo size and at national volume side by side, against bare Starlette, in one
# run of about 4 minutes (bench/README.md). National volume needs `make bench-data` once; without it, demo only.
bench: install
	$(BIN)/python -m bench

# A country's worth of data (100,000 people, 2 million time entries) in the local PostgreSQL database
# bench_national, in about 2 minutes; it drops that database's schema first. `make bench` measures a copy of it.
bench-data: install
	$(BIN)/python -m bench.national

clean:
	rm -rf $(VENV) var build *.egg-info node_modules

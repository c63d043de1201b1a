# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv and install on first use; nothing is expected pre-installed
# beyond Python >= 3.11 (and, for the browser tests, Debian's chromium).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test test-fast bench load load-ci fuzz lint format messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nuanxin demo

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --create-db $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not browser" $(PYTEST_ARGS)

# schemathesis over the API for two roles, against a throwaway city (tests/fuzz_api.py).
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz_api

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench

# Field workers and officers at once against `nuanxin serve` on PostgreSQL (bench/load.py):
# the 1,000,000-person city, five minutes, one gunicorn worker killed on the way.
# NUANXIN_DATABASE_URL (or LOAD_PG_URL) names the server; default postgres@127.0.0.1.
load: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,load]'
	$(BIN)/python -m bench.load

# The short form the test suite runs on PostgreSQL (tests/test_load.py): 2,000 people, 30 s of load.
load-ci: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,load]'
	$(BIN)/python -m bench.load --short

lint: $(STAMP)
	$(BIN)/ruff check nuanxin tests bench
	$(BIN)/ruff format --check nuanxin tests bench
	$(BIN)/nuanxin makemigrations --check --dry-run
	NUANXIN_DEBUG=0 NUANXIN_SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-enough-value-for-django \
		NUANXIN_ALLOWED_HOSTS=nuanxin.example $(BIN)/nuanxin check --deploy --fail-level WARNING

format: $(STAMP)
	$(BIN)/ruff format nuanxin tests bench
	$(BIN)/ruff check --fix nuanxin tests bench

# Regenerate translations after changing strings; the compiled .mo files are
# committed so that a fresh machine needs no gettext tools.
messages: $(STAMP)
	cd nuanxin && ../$(BIN)/nuanxin makemessages -l zh_Hans -l en --no-obsolete --ignore 'static/*'
	cd nuanxin && ../$(BIN)/nuanxin compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

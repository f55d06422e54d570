# Two commands matter: `make demo` (the whole flow on loopback) and `make test`.
# Both set up what they need first: a virtualenv with the project, and Chromium for tests.
# `make bench` runs the benchmarks against PostgreSQL and Redis on loopback (started if
# needed; DATABASE_URL and REDIS_URL choose others).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint browser clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

browser:
	@sh scripts/ensure-chromium.sh

demo: install
	$(BIN)/python -m devkit.demo

test: install browser
	$(BIN)/pytest

bench: install
	@sh scripts/ensure-services.sh
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check app devkit tests bench wsgi.py gunicorn.conf.py

clean:
	rm -rf $(VENV) instance .pytest_cache

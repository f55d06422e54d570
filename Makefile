# Two commands matter: `make demo` (the whole flow on loopback) and `make test`.
# Both set up what they need first: a virtualenv with the project, and Chromium for tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint browser clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

browser:
	@sh scripts/ensure-chromium.sh

demo: install
	$(BIN)/python -m devkit.demo

test: install browser
	$(BIN)/pytest
	$(BIN)/bandit --quiet --recursive app wsgi.py
	$(BIN)/python scripts/dependency_audit.py

lint: install
	$(BIN)/ruff check app devkit tests bench wsgi.py

clean:
	rm -rf $(VENV) instance .pytest_cache

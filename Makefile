# Two commands matter: `make demo` (the whole flow on loopback) and `make test`.
# Both set up what they need first: a virtualenv with the project, and Chromium for tests.
# `make bench` runs the benchmarks against PostgreSQL and Redis on loopback (started if
# needed; DATABASE_URL and REDIS_URL choose others).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NODE_STAMP := node_modules/.installed

.PHONY: install demo test bench lint browser clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

browser: $(NODE_STAMP)
	@sh scripts/ensure-debian-package.sh chromium chromium "the browser tests"

# axe-core, injected into pages by the accessibility tests; pinned by package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	@sh scripts/ensure-debian-package.sh npm npm "the accessibility tests"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

demo: install
	$(BIN)/python -m devkit.demo

test: install browser
	$(BIN)/pytest
	$(BIN)/bandit --quiet --recursive app wsgi.py
	$(BIN)/python scripts/dependency_audit.py

# Launch throughput and latency, chooser search (python -m bench), then the tool's peak
# memory while a 1 GB upload streams through it.
bench: install
	@sh scripts/ensure-services.sh
	$(BIN)/python -m bench
	$(BIN)/python -m bench.upload_memory

lint: install
	$(BIN)/ruff check app devkit tests bench wsgi.py gunicorn.conf.py

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules

# Vigil — developer entry points. `make run` and `make test` are the quickstart.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: install run test test-fast fuzz bench lint fmt clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,ray,s3]'
	touch $(STAMP)

# The peers the benchmarks run against (python-threatexchange, FAISS) and their corpora's packages.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,ray,s3,bench]'
	touch $(BENCH_STAMP)

# The embedded default (SQLite in ./data): hash the demo images, migrate, seed a benign demo list and
# demo users (their tokens, and the demo analyst's console password and TOTP secret, are printed once),
# then serve the API on http://127.0.0.1:8000/api/docs and the console on /console.
run: install
	$(BIN)/vigil demo
	$(BIN)/vigil db upgrade
	$(BIN)/vigil demo-seed
	@echo "Console: http://127.0.0.1:8000/console (demo-analyst: the password and TOTP secret demo-seed printed on its first run)"
	$(BIN)/vigil serve

# axe-core for the browser tests' accessibility checks, from the lock file (without npm they are skipped,
# or fail under CI).
AXE_STAMP := tests/browser/node_modules/.installed
$(AXE_STAMP): tests/browser/package-lock.json
	if command -v npm >/dev/null; then (cd tests/browser && npm ci --no-audit --no-fund >/dev/null) && touch $@; \
	else echo "npm not found: the browser tests cannot check accessibility"; fi

test: install $(AXE_STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# Everything but the tests marked slow (over about 2 s each: subprocesses, servers, large images).
test-fast: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not slow"

# The long fuzz run (docs/fuzzing.md): exits non-zero on any finding, inputs kept in fuzz-findings/.
FUZZ_ARGS ?= --images 10000 --lists 2000 --requests 1000 --jobs 2
fuzz: install
	$(BIN)/python -m tests.fuzz $(FUZZ_ARGS)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist

# Two commands set everything up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install build validate serve test lint bench bench-endpoints bench-scale clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/spacecoop build

validate: $(STAMP)
	$(BIN)/spacecoop validate

serve: $(STAMP)
	$(BIN)/spacecoop serve

test: $(STAMP)
	$(BIN)/python -m pytest

# ruff (rules in pyproject.toml) on the code, the tests and the scripts; mypy --strict on the package
lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python scripts/bench_build.py

# The endpoint against Virtuoso, a bare pyoxigraph server and rdflib-endpoint
# (needs wrk and virtuoso-opensource from Debian); ARGS="--triples 1000000" for synthetic data.
bench-endpoints: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python scripts/bench/run.py $(ARGS)

# spacecoop build over 100k and 1M synthetic triples, then a server started on each release.
bench-scale: $(STAMP)
	$(BIN)/python scripts/bench/build_scale.py $(ARGS)

clean:
	rm -rf dist .dist-* .pytest_cache

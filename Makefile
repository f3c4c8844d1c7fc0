# Two commands set everything up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install build validate serve test bench clean

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

bench: $(STAMP)
	$(BIN)/python scripts/bench_build.py

clean:
	rm -rf dist .dist-* .pytest_cache

# Two commands do everything on a fresh machine:  make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: install demo test test-fast bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# the tour, then the service and its web console with a demo agency (Ctrl-C stops it)
demo: $(STAMP)
	$(BIN)/orbitwatch demo
	$(BIN)/orbitwatch demo --serve

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

# Benchmarks beside their peers (about 10 minutes; peers come from the optional 'bench' extra)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/propagation.py
	$(BIN)/python benchmarks/sgp4_throughput.py
	$(BIN)/python benchmarks/screening.py
	$(BIN)/python benchmarks/pc.py
	$(BIN)/python benchmarks/respond.py
	$(BIN)/python benchmarks/store_import.py

# ruff over the code, the tests and the benchmarks (part of `make test`)
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .hypothesis

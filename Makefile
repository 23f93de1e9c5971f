# Set-up and everyday commands. Each target installs what it needs.
# Python 3.12 or newer is required (Mesa 3.4+). PYTHON may be set by hand;
# otherwise the first 3.12+ interpreter found on the PATH or under pyenv is used.
PYTHON ?= $(shell for p in python3.12 python3.13 python3; do \
	  if $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$p; exit 0; fi; done; \
	  for p in $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3; do \
	  if [ -x "$$p" ]; then echo $$p; exit 0; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer was not found; install it or run 'make PYTHON=/path/to/python3.12'."; exit 2; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,calibrate]'
	@touch $(STAMP)

## Run the baseline scenario ensemble; tables and plots land under outputs/.
run: $(STAMP)
	$(BIN)/sim run scenario=status_quo_2024 replicates=200 workers=2

## Run the whole test suite (statistical checks included).
test: $(STAMP)
	$(BIN)/python -m pytest

## The suite without the slow statistical checks.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m 'not slow'

## Print speed figures for the baseline scenario.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ensemble.py

clean:
	rm -rf $(VENV) build *.egg-info

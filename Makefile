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
# Every dependency, direct or not, pinned to the versions the project is tested with; `make lock`
# writes it. Installing against it rebuilds the same environment on another machine.
CONSTRAINTS := constraints.txt
EXTRAS := test,calibrate,explore
LOCK_VENV := .lock-venv
# The browser the page tests drive (Debian's package; Playwright downloads none).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: run test test-fast lint bench bench-sweep clean explore browser lock readme-figures baseline-update mutation

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer was not found; install it or run 'make PYTHON=/path/to/python3.12'."; exit 2; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[$(EXTRAS)]'
	@touch $(STAMP)

## Re-resolve every dependency to the newest versions pyproject.toml allows, in a scratch
## environment, and pin them all in constraints.txt. Run it on purpose, then run the tests.
lock:
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer was not found; install it or run 'make PYTHON=/path/to/python3.12'."; exit 2; fi
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e '.[$(EXTRAS)]'
	{ echo "# Every package of the project's environment, pinned. Written by 'make lock' from pyproject.toml"; \
	  echo "# (extras: $(EXTRAS)) with $$($(LOCK_VENV)/bin/python -c 'import platform; print("Python", platform.python_version(), "on", platform.system(), platform.machine())')."; \
	  echo "# The Makefile installs with: pip install -c $(CONSTRAINTS) -e '.[$(EXTRAS)]'"; \
	  $(LOCK_VENV)/bin/python -m pip freeze --all --exclude-editable; } > $(CONSTRAINTS).tmp
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS)
	rm -rf $(LOCK_VENV)

## Run the baseline scenario ensemble into outputs/make_run/<date-time>/ (tables, maps, plots, manifest),
## then write its report beside it: outputs/make_run/<date-time>.html.
run: $(STAMP)
	@run_dir=outputs/make_run/$$(date +%Y-%m-%d_%H-%M-%S); \
	$(BIN)/sim run replicates=200 workers=2 out=$$run_dir && $(BIN)/sim report $$run_dir

## Lint with ruff (the rules are in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .

## Lint, then run the whole test suite (statistical checks included).
test: $(STAMP) browser lint
	$(BIN)/python -m pytest

## Lint, then the suite without the slow statistical checks.
test-fast: $(STAMP) browser lint
	$(BIN)/python -m pytest -m 'not slow'

## Re-pin the regression baseline (tests/baseline/regression.json) to the results of the code as it is.
## Only on purpose: the commit that does it says why the numbers moved.
baseline-update: $(STAMP)
	$(BIN)/python -m sim.regression write tests/baseline/regression.json

## Mutation testing (outside CI: about ten minutes on two cores): apply each mutant of tools/mutants.py and
## each generated rate mutant to a copy of the project, run the tests that guard it (the slow tier too
## for those the fast tier misses), and write outputs/mutation/results.json.
mutation: $(STAMP)
	nice -n 15 $(BIN)/python tools/mutation.py --workers 2 --slow

## Print speed figures: the engine beside the pinned earlier one, memory over ensemble sizes, branching.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_memory.py --replicates 1000 10000
	$(BIN)/python benchmarks/bench_branching.py
	$(BIN)/python benchmarks/bench_ensemble.py

## Print speed figures for a 1,200-run sweep with local processes and Dask.
bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/bench_sweep.py

## Start the scenario explorer page in the browser and print its address.
explore: $(STAMP) browser
	$(BIN)/sim explore

## Install Debian's Chromium for the browser tests when it is missing (as root, or through sudo).
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else echo "Chromium is not at $(CHROMIUM) and cannot be installed without root: run 'sudo apt-get install -y chromium' (or set CHROMIUM=/path/to/chromium). The browser tests are skipped until then."; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then echo "Chromium is not at $(CHROMIUM) and this system has no apt-get: install Chromium and set CHROMIUM=/path/to/chromium. The browser tests are skipped until then."; exit 0; fi; \
	echo "Installing Debian's chromium for the browser tests"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

## Remake the README's figures from the baseline run of `make run`, written to outputs/readme_baseline
## (the fan chart is copied unchanged; the map with its colours reduced, docs/readme_figures.py).
readme-figures: $(STAMP)
	rm -rf outputs/readme_baseline
	$(BIN)/sim run replicates=200 workers=2 out=outputs/readme_baseline
	$(BIN)/python docs/readme_figures.py outputs/readme_baseline

clean:
	rm -rf $(VENV) $(LOCK_VENV) build *.egg-info

# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/scrutiny demo

# The suite in $(WORKERS) worker processes, a whole test file to each, the longest files first
# (tests/support/scheduling.py); most tests wait on servers and subprocesses, so three share
# two cores well. `make test WORKERS=0` runs it in one process, as `$(BIN)/pytest` alone does.
WORKERS ?= 3
test: $(STAMP)
	$(BIN)/pytest -n $(WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench.pipeline

clean:
	rm -rf $(VENV) .scrutiny .pytest_cache

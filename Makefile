# Two commands set everything up on a fresh Debian machine with Python 3.11:
#   make demo   - create .venv, install, start the kiosk on the demo school
#   make test   - the same set-up, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint setup system-deps bench clean

demo: setup
	$(BIN)/kiosk run --demo

# Two test workers per CPU: a Pilot test spends much of its time waiting on the event
# loop (timers, workers), and a second worker uses that time (measured: a third faster).
test: setup lint
	$(BIN)/python -m pytest -n $$(( $$(nproc) * 2 )) --dist worksteal

# Lint and format, the import contracts (kiosk over models over printing, no Textual below
# kiosk, no cycles), and the types of the domain and printing: all in pyproject.toml.
lint: setup
	$(BIN)/ruff check kiosk models printing tests benchmarks
	$(BIN)/ruff format --check kiosk models printing tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks

setup: system-deps $(STAMP)

system-deps:
	@PYTHON=$(PYTHON) sh .ci/system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

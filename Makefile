# Two commands: `make run` (set up + demo) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean setup

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/sitewarden demo

test: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools

bench: $(STAMP)
	$(BIN)/python bench/domains.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/render_bench.py
	$(BIN)/python bench/inventory.py

clean:
	rm -rf var

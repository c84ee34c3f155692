# ATMP Pathways — one-command dev loop. `make help` lists the targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test check-rules scenarios lint schema catalogue screenshot bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install pinned dependencies

run: $(STAMP) ## Run the wizard at http://localhost:8501
	$(BIN)/streamlit run app.py

check-rules: $(STAMP) ## Load and lint rules/ (every problem as file:line)
	$(BIN)/python -m atmp_pathways check rules

scenarios: $(STAMP) ## Run the YAML scenarios and print coverage
	$(BIN)/python -m atmp_pathways test --scenarios tests/scenarios

lint: $(STAMP) ## ruff, ruff format --check, mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) ## Everything: rules check, lint, pytest (incl. AppTest and browser test)
	$(BIN)/python -m atmp_pathways check rules
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

schema: $(STAMP) ## Write JSON Schemas of the rule files into schema/
	$(BIN)/python -m atmp_pathways schema --out schema

catalogue: $(STAMP) ## Regenerate the catalogue section of rules/README.md
	$(BIN)/python -m atmp_pathways catalogue --write-readme rules/README.md

screenshot: $(STAMP) ## Retake docs/screenshot-results.png with the real-browser test
	UPDATE_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/test_browser.py -k screenshot

bench: $(STAMP) ## Benchmarks (not part of test); writes BENCHMARKS.md
	$(BIN)/python -m bench

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

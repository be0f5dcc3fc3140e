# relatie_lab: run `make` (or `make help`) to see what each target does.
# The two commands of the README: `make report` and `make test`. Both build .venv themselves.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := data/raw/demo_survey.sav
REPORT_DIR := reports/demo

.PHONY: help venv report test lint lab benchmark fixtures demo-data lock browser-deps clean

help: ## Show this list
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv with the pinned packages (done automatically by the other targets)

report: $(STAMP) ## Full report on the shipped demo data -> reports/demo/rapport.html
	$(BIN)/relatie-lab report $(DEMO) --out $(REPORT_DIR)

test: $(STAMP) browser-deps ## Lint and run every test (notebooks and browser tests included)
	$(BIN)/ruff check relatie_lab tests benchmarks
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff only
	$(BIN)/ruff check relatie_lab tests benchmarks

lab: $(STAMP) ## Open JupyterLab on the notebooks (also as root, e.g. in WSL or Docker)
	$(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

benchmark: $(STAMP) ## Print speed figures (benchmarks/)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

demo-data: $(STAMP) ## Regenerate the shipped demo data in data/raw (deterministic, seeded)
	$(BIN)/python -m relatie_lab.simulate --write

fixtures: ## Regenerate lavaan reference values (needs R: apt-get install r-cran-lavaan r-cran-semtools r-cran-psych)
	Rscript tests/fixtures/lavaan/make_fixtures.R

lock: ## Re-resolve requirements.lock from pyproject.toml (then update environment.yml)
	rm -rf /tmp/relatie-lock && $(PYTHON) -m venv /tmp/relatie-lock && /tmp/relatie-lock/bin/pip install -q .[dev] \
	  && /tmp/relatie-lock/bin/pip freeze --exclude relatie_lab > requirements.lock.new && mv requirements.lock.new requirements.lock

browser-deps: ## Headless Chromium for the lecture-notebook browser tests (apt-get, when missing)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) \
	      || { echo "WARNING: could not install chromium; the browser tests will fail in CI, be skipped elsewhere."; \
	           [ -z "$$CI" ] || exit 1; }; \
	  else echo "WARNING: chromium missing and not root; run: sudo apt-get install chromium (browser tests skipped)"; fi; }

clean: ## Remove .venv, caches and reports (never data/raw)
	rm -rf $(VENV) .pytest_cache .ruff_cache reports test-output

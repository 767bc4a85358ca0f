# Two commands on a fresh machine: `make run` (the app with the demo data) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck bench loadtest demo clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

## run: start the dashboard on http://localhost:8501 with the demo province (SQLite under data/)
run: $(STAMP)
	ASSESSMENT_DEMO=$${ASSESSMENT_DEMO-1} $(BIN)/python -m assessment demo --if-empty
	$(BIN)/python -m assessment snapshots rebuild --quiet  # after an upgrade: not by the first viewer
	ASSESSMENT_DEMO=$${ASSESSMENT_DEMO-1} $(BIN)/streamlit run server.py --server.port $${PORT:-8501}

## test: lint, type check and the whole suite (PostgreSQL tests skip with a reason when no server is reachable)
test: lint typecheck
	$(BIN)/python -m pytest

## test-fast: the unit layer only (pure core, no files or database; under 30 s)
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

## lint: ruff lint and format check
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## typecheck: mypy on the core (assessment/)
typecheck: $(STAMP)
	$(BIN)/mypy

## bench: speed figures (medians), printed, not asserted
bench: $(STAMP)
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

## loadtest: 10, 30, 60 simulated users through HAProxy to two replicas on PostgreSQL (bench/loadtest.py;
## loopback only, bounded by LOADTEST_BUDGET seconds, default 900; LOADTEST_DATA=demo for the small demo;
## users are websocket clients of Streamlit's protocol, LOADTEST_DRIVER=browser for Chromium contexts)
loadtest: $(STAMP)
	$(BIN)/python bench/loadtest.py

demo: $(STAMP)
	$(BIN)/python -m assessment demo

clean:
	rm -rf data/*.db data/*.db-wal data/*.db-shm

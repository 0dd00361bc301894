# Microloan. `make run` and `make test` work on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1:8000
N      ?= 100000
ARGS   ?=

.PHONY: run test lint format bench bench-eod bench-schedules bench-risk bench-origination \
        bench-contracts bench-disbursement worker sweeper migrate clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/microloan migrate --noinput

run: migrate
	$(BIN)/microloan demo --if-empty
	$(BIN)/microloan runserver $(HOST)

test: $(STAMP)
	$(BIN)/pytest -n 2

# Then the architecture contracts in .importlinter (layers, private models; docs/architecture.md).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: migrate
	$(BIN)/microloan db_worker

# Delivers notifications whose worker died mid-send (the task queue only hears of new ones).
sweeper: migrate
	$(BIN)/microloan notifications deliver --loop

bench: bench-schedules bench-risk bench-origination bench-disbursement bench-eod

bench-schedules: $(STAMP)
	$(BIN)/python -m benchmarks.bench_schedules

bench-risk: $(STAMP)
	$(BIN)/python -m benchmarks.bench_risk

bench-origination: $(STAMP)
	$(BIN)/python -m benchmarks.bench_origination

bench-contracts: $(STAMP)
	$(BIN)/python -m benchmarks.bench_contracts

# Loans from signed contract to active through the simulated bank, then PDFs rendered and sealed.
bench-disbursement: $(STAMP)
	$(BIN)/python -m benchmarks.bench_disbursement
	$(BIN)/python -m benchmarks.bench_contracts

bench-eod: $(STAMP)
	$(BIN)/python -m benchmarks.bench_eod --loans $(N) $(ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3*

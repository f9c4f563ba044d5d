# Front door. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 3
DEMO_RESPONSES ?= 2000
# Two pytest processes: the suite waits on servers and browsers as much as on the CPU.
PYTEST_ARGS ?= -n 2
# Printed links and QR codes point here unless PUBLIC_BASE_URL is set.
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format bench soak install install-dev translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime translations
install-dev: $(VENV)/.dev translations

# Interface translations are kept as .po text; the binary catalogues are built here.
translations: $(VENV)/.runtime
	@if [ -d app/translations ]; then $(BIN)/pybabel compile -d app/translations -f >/dev/null; fi

run: install
	@mkdir -p instance
	@test -s instance/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key
	$(FLASK) setup --demo-responses $(DEMO_RESPONSES)
	@# No access log: it would record families' addresses beside their survey links.
	$(BIN)/gunicorn --workers $(WORKERS) --worker-class sync --bind $(HOST):$(PORT) wsgi:app

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

soak: install-dev
	SOAK=1 $(BIN)/python -m pytest tests/reliability tests/reports/test_privacy_oracle.py -m "slow or not slow" $(PYTEST_ARGS)

# mypy reads its files and settings from pyproject.toml ([tool.mypy]).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Two commands matter: `make dev` and `make test`. Everything else supports them.
SHELL := /bin/bash
PY_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
export PYTHONPATH := $(CURDIR)

.PHONY: setup dev test unit integration infra-test e2e lint typecheck synth deploy bench clean \
        bench-classifier

$(STAMP): pyproject.toml requirements/lock.txt
	@test -x $(PY) || $(PY_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/lock.txt -e '.[dev]'
	@touch $(STAMP)

## setup: create .venv and install everything (idempotent)
setup: $(STAMP)

## dev: run the whole system locally on an embedded AWS (moto) at http://127.0.0.1:$(PORT)
dev: setup
	$(PY) -m local.devserver --port $(PORT)

## test: lint, types, unit, integration, infra and end-to-end tests
test: setup lint typecheck
	$(PY) -m pytest -q -n 2 --dist loadfile

lint: setup
	$(VENV)/bin/ruff check .

typecheck: setup
	$(VENV)/bin/mypy layers/domain/aftersales functions infra local

unit: setup
	$(PY) -m pytest -q tests/unit

integration: setup
	$(PY) -m pytest -q tests/integration

## synth: CloudFormation into cdk.out, no AWS credentials, no Docker
synth: setup
	$(PY) -m infra.app

## deploy: cdk deploy with your own AWS credentials (see docs/deploy.md)
deploy: synth
	npx --yes aws-cdk@2 deploy --app cdk.out --all --require-approval broadening

## bench: every benchmark; figures go to bench/latest.json
bench: bench-classifier

bench-classifier: setup
	$(PY) bench/classifier.py

clean:
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache

# The participation hub: `make run` starts the platform locally, `make test` runs the whole test suite, fast tier first.
PYTHON ?= python3
VENV   := .venv
PORT   ?= 8000
PACKAGES := lib/hubkit $(wildcard services/*) gateway
EDITABLES := $(foreach package,$(PACKAGES),$(if $(wildcard $(package)/pyproject.toml),-e $(package)))

.PHONY: run test install services test-tools bench clean

run: install services
	HUB_PORT=$(PORT) $(VENV)/bin/python dev/run.py

# The unit tier first, stopping at its first failure (no server; two processes at once: tests/unit_tier.sh), then
# the integration, end-to-end and browser tiers; exit status 5 (PYTEST_ARGS selected no test of a tier) is not a
# failure.
test: install test-tools
	bash dev/ensure-services.sh --for-tests
	UNIT_TIER_PYTHON=$(VENV)/bin/python bash tests/unit_tier.sh $(PYTEST_ARGS)
	$(VENV)/bin/python -m pytest -m "not unit" $(PYTEST_ARGS) || test $$? -eq 5

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt $(wildcard */*/pyproject.toml) lib/hubkit/pyproject.toml gateway/pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade "pip<27"
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt $(EDITABLES)
	touch $@

services:
	bash dev/ensure-services.sh

test-tools:
	bash dev/ensure-test-tools.sh

bench: install services
	$(VENV)/bin/python bench/run_bench.py

clean:
	rm -rf $(VENV) var

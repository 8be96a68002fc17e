# The two commands: `make dev` runs Inlet locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test bench lint clean deploy destroy package

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt pyproject.toml
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

dev: $(STAMP)
	$(BIN)/python -m inlet.local.stack

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

lint: $(STAMP)
	$(BIN)/python -m mypy app.py chalicelib

# Deploy to AWS (README, "Deploy to AWS"): make deploy STAGE=prod MAIL_DOMAIN=mail.example.com
STAGE ?= dev
deploy: $(STAMP)
	$(BIN)/inlet deploy --stage $(STAGE) $(if $(MAIL_DOMAIN),--mail-domain $(MAIL_DOMAIN)) $(if $(ALARM_EMAIL),--alarm-email $(ALARM_EMAIL))

destroy: $(STAMP)
	$(BIN)/inlet destroy --stage $(STAGE) $(if $(KEEP_DATA),--keep-data)

package: $(STAMP)
	$(BIN)/inlet package --stage $(STAGE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache

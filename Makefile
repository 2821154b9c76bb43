# faqbot: `make run` runs the bot, `make test` runs every test. Both set up what is missing first.
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup run run-scaled test unit lint bench eval eval-sparse calibrate demo-history

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/python scripts/run.py

# README "Scale-out mode": 2 Rasa + 2 action servers behind HAProxy, PostgreSQL, Redis
run-scaled: setup
	@env_file=$$(mktemp); trap 'rm -f "$$env_file"' EXIT; \
	bash scripts/scale-services.sh >"$$env_file" && source "$$env_file" && \
	.venv/bin/python scripts/run_scaled.py

test: setup
	.venv/bin/ruff check bot actions handoff tests scripts channels faqbot.py
	.venv/bin/mypy
	.venv/bin/python -m pytest

unit: setup
	.venv/bin/python -m pytest -m "not integration"

lint:
	.venv/bin/ruff check bot actions handoff tests scripts channels faqbot.py
	.venv/bin/ruff format --check bot actions handoff tests scripts channels faqbot.py
	.venv/bin/mypy

eval: setup
	.venv/bin/python scripts/e2e_eval.py

eval-sparse: setup
	.venv/bin/python scripts/e2e_eval.py --sparse

calibrate: setup
	.venv/bin/faqbot faq calibrate

demo-history: setup  # eight weeks of demo traffic in .faqbot/demo/ (README "Insights (leads)")
	.venv/bin/faqbot demo history --weeks 8

bench: setup
	.venv/bin/python scripts/bench.py

# Flipside's front door. Every target installs what it is missing first.
.PHONY: install demo test test-unit up down status bench contracts topics

# uv as a module of the machine's Python: found wherever pip put it, whatever PATH says.
UV ?= python3 -m uv
STATE_DIR ?= .run/stack

install:
	@bash scripts/bootstrap.sh

demo: install
	$(UV) run --frozen python -m demo

test: install
	$(UV) run --frozen pytest

test-unit: install
	$(UV) run --frozen pytest shared/tests/unit services/*/tests/unit

up: install
	$(UV) run --frozen python -m flipside_shared.testing.launch up --state-dir $(STATE_DIR)

down:
	$(UV) run --frozen python -m flipside_shared.testing.launch down --state-dir $(STATE_DIR)

status:
	$(UV) run --frozen python -m flipside_shared.testing.launch status --state-dir $(STATE_DIR)

bench: install
	$(UV) run --frozen python -m benchmarks

contracts: install
	$(UV) run --frozen python -m flipside_shared.contracts write

topics: install
	$(UV) run --frozen python -m flipside_shared.topic_plan apply

# Flipside's front door. Every target installs what it is missing first.
.PHONY: install lint demo test test-unit test-browser chaos up down status bench contracts topics

# uv as a module of the machine's Python: found wherever pip put it, whatever PATH says.
UV ?= python3 -m uv
STATE_DIR ?= .run/stack
CHAOS_ENROLMENTS ?= 5000
# Test files run on this many processes, each with its own broker and database: most of a test waits on them.
TEST_WORKERS ?= 2

install:
	@bash scripts/bootstrap.sh

# Lint and types: what CI runs before the tests (the settings are in pyproject.toml).
lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy

demo: install
	$(UV) run --frozen python -m demo

test: install
	$(UV) run --frozen pytest -n $(TEST_WORKERS) --dist loadfile

test-unit: install
	$(UV) run --frozen pytest shared/tests/unit services/*/tests/unit

# Pages in Debian's Chromium, checked with axe-core; screenshots in tests/browser/artifacts (FLIPSIDE_BROWSER_ARTIFACTS).
test-browser: install
	$(UV) run --frozen pytest tests/browser

# The chaos suite at full size; FLIPSIDE_CHAOS_SEED=<n> repeats a run.
# A run of 5,000 takes about ten minutes on two busy cores: past the suite's usual 600 s per test.
chaos: install
	FLIPSIDE_CHAOS_ENROLMENTS=$(CHAOS_ENROLMENTS) FLIPSIDE_CHAOS_RESULTS=tests/chaos/results/latest.json \
		$(UV) run --frozen pytest --timeout 3600 tests/chaos

up: install
	$(UV) run --frozen python -m flipside_devstack.launch up --state-dir $(STATE_DIR)

down:
	$(UV) run --frozen python -m flipside_devstack.launch down --state-dir $(STATE_DIR)

status:
	$(UV) run --frozen python -m flipside_devstack.launch status --state-dir $(STATE_DIR)

bench: install
	$(UV) run --frozen python -m benchmarks

contracts: install
	$(UV) run --frozen python -m flipside_operations.contracts write

topics: install
	$(UV) run --frozen python -m flipside_operations.topic_plan apply

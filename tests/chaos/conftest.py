"""The chaos suite's run fixture, its seed in the header, and its results table at the end."""

import asyncio
import os
from pathlib import Path

import pytest

from tests.chaos.harness import ENROLMENTS, RECOVERY_BOUND_SECONDS, SEED, CohortRun
from tests.chaos.report import markdown_table, write_results

RESULTS: list[dict] = []


def pytest_report_header(config):
    return f"chaos: seed {SEED} (FLIPSIDE_CHAOS_SEED), {ENROLMENTS} enrolments per run (FLIPSIDE_CHAOS_ENROLMENTS)"


@pytest.fixture
async def cohort(stack, tmp_path, request):
    """A cohort run of this test's own: fresh sandbox, SMTP server and four services."""
    # Built in a thread: setting up a sandbox runs an event loop of its own.
    run = await asyncio.to_thread(CohortRun, stack, tmp_path / "logs", request.node.name)
    yield run
    await run.close()
    if run.result is not None:
        RESULTS.append(run.result)


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    terminalreporter.write_sep("=", f"chaos results (seed {SEED}, recovery bound {RECOVERY_BOUND_SECONDS:.0f} s)")
    terminalreporter.write_line(markdown_table(RESULTS))
    if path := os.environ.get("FLIPSIDE_CHAOS_RESULTS"):
        write_results(RESULTS, Path(path))
        terminalreporter.write_line(f"written to {path}")

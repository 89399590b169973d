"""Each service stopped with SIGTERM mid-stream, in turn: it finishes and commits what it holds before it exits."""

import asyncio
import signal

import pytest

from tests.chaos.harness import SERVICES, TEST_TIMEOUT_SECONDS

pytestmark = pytest.mark.timeout(TEST_TIMEOUT_SECONDS)


async def test_services_stopped_mid_stream_commit_what_they_handled_before_exiting(cohort):
    await cohort.begin()
    redelivered_after_restart = {}
    for service in SERVICES:
        await cohort.when_progressed(service, 0.1, 0.5)
        cohort.fault()
        process = cohort.platform[service]
        # uvicorn raises the signal again once its shutdown is complete, so a clean stop ends "terminated by
        # SIGTERM" (143 in a shell); one still running after 40 s would be killed and report nothing.
        assert await asyncio.to_thread(process.stop) == -signal.SIGTERM, process.log_tail()
        assert "service stopped" in process.log_tail(5), "shut down through its lifespan, not cut off"
        # Every record it handled is below its group's committed offsets: none is delivered again.
        assert await cohort.handled_beyond_commit(service) == [], f"{service} exited with handled records uncommitted"
        await cohort.restart(process)
    await cohort.settle("each service stopped in turn", "SIGTERM at a seeded share of its work, started again at once")
    for service in SERVICES:
        redelivered_after_restart[service] = cohort.events_counted(cohort.platform[service], "duplicate").total()
    cohort.result["inbox_duplicates_after_restart"] = redelivered_after_restart
    print(f"records the restarted processes met again (inbox duplicates): {redelivered_after_restart}")

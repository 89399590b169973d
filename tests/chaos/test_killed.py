"""Each service in turn killed with SIGKILL at a seeded moment mid-stream and started again: nothing lost, nothing twice."""

import pytest

from tests.chaos.harness import SERVICES, TEST_TIMEOUT_SECONDS

pytestmark = pytest.mark.timeout(TEST_TIMEOUT_SECONDS)


async def test_each_service_killed_mid_stream_loses_and_duplicates_nothing(cohort):
    await cohort.begin()
    for service in SERVICES:
        await cohort.when_progressed(service, 0.1, 0.6)
        cohort.fault()
        cohort.platform[service].kill()
        await cohort.restart(cohort.platform[service])
    await cohort.settle("each service killed in turn", "SIGKILL at a seeded share of its work, started again at once")

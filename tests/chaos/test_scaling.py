"""Matching and scheduling scaled from one process to three and back mid-stream: each group rebalances twice."""

import asyncio
import signal
from collections import Counter

import pytest

from tests.chaos.harness import TEST_TIMEOUT_SECONDS

pytestmark = pytest.mark.timeout(TEST_TIMEOUT_SECONDS)

SCALED = ("matching", "scheduling")


async def test_services_scaled_out_to_three_replicas_and_back_mid_stream(cohort):
    # Half the cohort first, the rest once the new processes are in: they join a stream in full flow.
    await cohort.begin(share=0.5)
    await cohort.when_progressed("matching", 0.05, 0.3)
    cohort.fault()
    added = await asyncio.gather(*(cohort.add_replica(name) for name in SCALED for _ in range(2)))
    await cohort.publish_rest()
    await cohort.when_progressed("scheduling", 0.5, 0.8)
    for name in SCALED:
        handled = sum((cohort.events_counted(replica, "handled") for replica in added if replica.name == name), Counter())
        assert handled.total() > 0, f"the added {name} processes took a share of the stream"
    cohort.fault()
    exits = await asyncio.gather(*(asyncio.to_thread(replica.stop) for replica in added))
    assert exits == [-signal.SIGTERM] * len(added), "each stopped cleanly"
    await cohort.settle(
        "matching and scheduling scaled 1 -> 3 -> 1", "two more processes of each at a seeded moment, stopped (SIGTERM) at another"
    )

"""Matching and scheduling scaled from one process to three and back mid-stream: each group rebalances twice."""

import asyncio
import signal
import time
from collections import Counter

import pytest

from tests.chaos.harness import RECOVERY_BOUND_SECONDS, TEST_TIMEOUT_SECONDS

pytestmark = pytest.mark.timeout(TEST_TIMEOUT_SECONDS)

SCALED = ("matching", "scheduling")


async def test_services_scaled_out_to_three_replicas_and_back_mid_stream(cohort):
    # Half the cohort first, the rest once the new processes are in: they join a stream in full flow.
    await cohort.begin(share=0.5)
    await cohort.when_progressed("matching", 0.05, 0.3)
    members = {name: await cohort.stable_group_size(name) for name in SCALED}
    cohort.fault()
    added = await asyncio.gather(*(cohort.add_replica(name) for name in SCALED for _ in range(2)))
    # Publishing the rest only once each group has rebalanced onto three processes gives the new ones partitions of it.
    for name in SCALED:
        await cohort.stable_group_size(name, at_least=3 * members[name])
    await cohort.publish_rest()
    deadline = time.monotonic() + RECOVERY_BOUND_SECONDS
    for name in SCALED:
        while not await asyncio.to_thread(handled_by, cohort, [r for r in added if r.name == name]):
            assert time.monotonic() < deadline, f"the added {name} processes took a share of the stream"
            await asyncio.sleep(0.2)
    await cohort.when_progressed("scheduling", 0.5, 0.8)
    cohort.fault()
    exits = await asyncio.gather(*(asyncio.to_thread(replica.stop) for replica in added))
    assert exits == [-signal.SIGTERM] * len(added), "each stopped cleanly"
    await cohort.settle(
        "matching and scheduling scaled 1 -> 3 -> 1",
        "two more processes of each at a seeded moment, stopped (SIGTERM) at another",
    )


def handled_by(cohort, replicas) -> int:
    """Records the replicas handled since they started."""
    return sum((cohort.events_counted(replica, "handled") for replica in replicas), Counter()).total()

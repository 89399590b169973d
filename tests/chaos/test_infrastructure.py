"""The broker and the database restarted mid-stream: services retry, then catch up with nothing lost or doubled."""

import asyncio

import pytest

from tests.chaos.harness import TEST_TIMEOUT_SECONDS

pytestmark = pytest.mark.timeout(TEST_TIMEOUT_SECONDS)


async def test_broker_restarted_mid_stream(cohort, stack):
    assert stack.kafka is not None, (
        "restarting the broker needs the local stack, not an external KAFKA_BOOTSTRAP_SERVERS"
    )
    await cohort.begin()
    await cohort.when_progressed("matching", 0.1, 0.6)
    cohort.fault()
    await asyncio.to_thread(stack.kafka.restart)
    await cohort.settle(
        "Kafka broker restarted", "stopped (SIGTERM) at a seeded moment, started on the same port and data"
    )


async def test_postgres_restarted_mid_stream(cohort, stack):
    assert stack.postgres is not None, "restarting PostgreSQL needs the local stack, not an external DATABASE_URL"
    await cohort.begin()
    await cohort.when_progressed("matching", 0.1, 0.6)
    cohort.fault()
    await asyncio.to_thread(stack.postgres.restart)
    await cohort.settle(
        "PostgreSQL restarted", "pg_ctl stop -m fast at a seeded moment, started on the same port and data"
    )

"""The raw loops `make bench` measures the services against: what they are timed for is really done.

Both run at a tiny size against the real broker and database; what is checked is what they stored, published and
committed, never how fast.
"""

import json

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from benchmarks import baseline
from benchmarks.progress import committed
from benchmarks.services import raw_burst, raw_place
from flipside_devstack.kafka_io import TopicReader
from flipside_shared.subscriber import BATCH_MAX_RECORDS

LOOPS = [baseline.BatchedCeiling, baseline.PerRecordLoop]
# More than one of the services' consumer batches, so the ceiling handles several.
EVENTS = BATCH_MAX_RECORDS + 50
REDELIVERED = 20


@pytest.mark.parametrize("loop_type", LOOPS, ids=lambda loop: loop.label)
async def test_every_record_is_stored_once_published_and_committed(sandbox, loop_type):
    place = raw_place(sandbox, f"bench_{loop_type.__name__.lower()}")
    burst = raw_burst(EVENTS)
    # Records again, as after a crash before the commit: right behind themselves (so in the same batch) and at the
    # end; the inbox turns them into no-ops.
    records = [*burst[:REDELIVERED], *burst[:REDELIVERED], *burst[REDELIVERED:], *burst[:REDELIVERED]]
    topic = burst[0].topic(place.topic_prefix)

    rate = await baseline.events_per_second(loop_type, place, records)

    assert rate > 0
    conn = await asyncpg.connect(place.database_url)
    try:
        inbox = {row["event_id"] for row in await conn.fetch(f"SELECT event_id FROM {place.schema}.inbox")}
        states = [json.loads(row["body"]) for row in await conn.fetch(f"SELECT body FROM {place.schema}.state")]
        outbox = await conn.fetch(f"SELECT body, sent_at FROM {place.schema}.outbox")
    finally:
        await conn.close()
    assert inbox == {record.id for record in burst}
    assert sorted(state["pair_id"] for state in states) == sorted(str(record.event.pair_id) for record in burst)
    assert sorted(row["body"] for row in outbox) == sorted(record.body() for record in burst)
    assert all(row["sent_at"] is not None for row in outbox)

    admin = AIOKafkaAdminClient(bootstrap_servers=place.bootstrap_servers)
    await admin.start()
    try:
        assert await committed(admin, place.group, topic) == len(records)
    finally:
        await admin.close()

    async with TopicReader(place.bootstrap_servers, [place.output_topic(topic)]) as reader:
        published = await reader.read_until(lambda seen: len(seen) >= EVENTS)
        await reader.drain(1)
    assert sorted(record.value for record in published) == sorted(record.body() for record in burst)


async def test_a_loop_that_fails_stops_the_measurement_with_its_error(sandbox):
    place = raw_place(sandbox, "bench_missing_table")
    burst = raw_burst(3)

    class LosesItsTable(baseline.BatchedCeiling):
        async def step(self, consumer, producer, pool):
            await pool.execute(f"DROP TABLE IF EXISTS {place.schema}.outbox")
            await super().step(consumer, producer, pool)

    with pytest.raises(asyncpg.UndefinedTableError):
        await baseline.events_per_second(LosesItsTable, place, burst)

"""A consumed event whose handler would emit an event too big for its topic: dead-lettered as rejected at the first
attempt, its transaction rolled back, and the next record handled. On the real database."""

import pytest
from aiokafka.structs import ConsumerRecord

from flipside_devstack.dead_letters import RecordedDeadLetters
from flipside_devstack.factories import enrolled
from flipside_devstack.fixtures import migrated_pool
from flipside_devstack.kafka_io import envelope
from flipside_shared.consumer import EventHandlers, EventProcessor
from flipside_shared.events import ParticipantEnrolled, ParticipantUpdated
from flipside_shared.unit_of_work import UnitOfWorkFactory, record_bytes

SCHEMA = "sizes"


@pytest.fixture(scope="module")
async def pool(sandbox, tmp_path_factory):
    async with migrated_pool(sandbox, SCHEMA, tmp_path_factory.mktemp("no-migrations-of-its-own")) as pool:
        yield pool


def as_record(event: ParticipantEnrolled, offset: int) -> ConsumerRecord:
    sent = envelope(event)
    return ConsumerRecord(
        topic="t.participants",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=sent.subject.encode(),
        value=sent.body(),
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=sent.headers(),
    )


async def test_an_effect_too_big_for_its_topic_is_a_rejected_dead_letter_without_retries(pool):
    small, big = enrolled(), enrolled(interests=["x" * 200] * 50)
    limit = (
        record_bytes(envelope(ParticipantUpdated(participant_id=small.participant_id, profile=small.profile)))
        + record_bytes(envelope(ParticipantUpdated(participant_id=big.participant_id, profile=big.profile)))
    ) // 2
    handlers, attempts = EventHandlers(), []

    @handlers.handles(ParticipantEnrolled)
    async def echo_as_update(uow, event):
        attempts.append(event.participant_id)
        uow.emit(ParticipantUpdated(participant_id=event.participant_id, profile=event.profile))

    dead_letters = RecordedDeadLetters()
    processor = EventProcessor(
        handlers, UnitOfWorkFactory(pool, "/flipside/test", "t.", lambda conn: conn, limit), dead_letters, "t."
    )
    await processor.process_batch([as_record(big, 0), as_record(small, 1)])

    ((record, reason),) = dead_letters.sent
    assert record.offset == 0
    assert reason.startswith(f"rejected: {ParticipantUpdated.ce_type} would be a Kafka record of")
    assert reason.endswith(f"over the {limit} its topic accepts")
    assert attempts.count(big.participant_id) == 2, "once in the batch, once on its own: never retried"
    async with pool.acquire() as conn:
        stored = await conn.fetch(f"SELECT key FROM {SCHEMA}.outbox")
    assert [row["key"] for row in stored] == [str(small.participant_id)], "the big one left nothing behind"

"""A handler of many events on the real broker and database: records read from Kafka as a batch, duplicates stored
once, and a poison record dead-lettered on the broker while the rest of its batch commits."""

import pytest
from aiokafka.structs import ConsumerRecord

from flipside_devstack.factories import enrolled
from flipside_devstack.fixtures import migrated_pool
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_shared.consumer import EventHandlers, EventProcessor, RejectedEvent
from flipside_shared.deadletter import DeadLetters, dead_letter_topic
from flipside_shared.events import PARTICIPANTS, ParticipantEnrolled, ParticipantUpdated
from flipside_shared.kafka import reliable_producer
from flipside_shared.settings import KafkaSettings
from flipside_shared.unit_of_work import UnitOfWorkFactory

SCHEMA = "many"


@pytest.fixture(scope="module")
async def pool(sandbox, tmp_path_factory):
    async with migrated_pool(sandbox, SCHEMA, tmp_path_factory.mktemp("no-migrations-of-its-own")) as pool:
        await pool.execute("CREATE TABLE enrolments (participant_id uuid PRIMARY KEY)")
        yield pool


def storing_enrolments(calls: list[int]) -> EventHandlers:
    """Enrolments stored in one statement per batch, each echoed as an update; a poisoned profile refused."""
    handlers = EventHandlers()

    @handlers.handles_many(ParticipantEnrolled)
    async def enrolments(uow, events):
        calls.append(len(events))
        if any(event.profile.interests == ["poison"] for event in events):
            raise RejectedEvent("a poisoned profile")
        await uow.conn.execute(
            "INSERT INTO enrolments SELECT unnest($1::uuid[])", [event.participant_id for event in events]
        )
        for event in events:
            uow.caused_by(event).emit(ParticipantUpdated(participant_id=event.participant_id, profile=event.profile))

    return handlers


async def test_duplicates_in_a_batch_are_stored_once_and_a_poison_record_is_dead_lettered_alone(sandbox, pool):
    people = [enrolled() for _ in range(6)]
    poison = enrolled(interests=["poison"])
    sent = [envelope(person) for person in people]
    burst = [*sent[:3], sent[1], envelope(poison), *sent[3:], sent[4]]  # two redeliveries and a poison record
    participants = PARTICIPANTS.topic(sandbox.topic_prefix)
    dead_letters_topic = dead_letter_topic(sandbox.topic_prefix, "many")

    async with TopicReader(sandbox.bootstrap_servers, [participants, dead_letters_topic]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, burst)
        batch: list[ConsumerRecord] = await reader.read_until(lambda records: len(records) == len(burst))

        producer = reliable_producer(KafkaSettings(bootstrap_servers=sandbox.bootstrap_servers), "many-dead-letters")
        await producer.start()
        calls: list[int] = []
        try:
            processor = EventProcessor(
                storing_enrolments(calls),
                UnitOfWorkFactory(pool, "/flipside/matching", sandbox.topic_prefix, lambda conn: conn),
                DeadLetters(producer, dead_letters_topic, "many"),
                sandbox.topic_prefix,
            )
            await processor.process_batch(list(batch))
        finally:
            await producer.stop()

        await reader.read_until(lambda records: len(records) == len(burst) + 1)
        (dead_letter,) = [r for r in reader.records if r.topic == dead_letters_topic]

    assert calls[0] == len(people) + 1, "the batch's first attempt: every first delivery at once"
    assert calls[1:] == [1] * (len(people) + 1), "then record by record, each first delivery in a list of one"
    assert dict(dead_letter.headers)["dlq_reason"] == b"rejected: a poisoned profile"
    assert dead_letter.key == str(poison.participant_id).encode()
    async with pool.acquire() as conn:
        stored = {row["participant_id"] for row in await conn.fetch(f"SELECT participant_id FROM {SCHEMA}.enrolments")}
        outbox = await conn.fetch(f"SELECT key FROM {SCHEMA}.outbox ORDER BY id")
        inbox = await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.inbox")
    assert stored == {person.participant_id for person in people}
    assert sorted(row["key"] for row in outbox) == sorted(str(person.participant_id) for person in people)
    assert inbox == len(people), "the poison record's inbox row rolled back with its refusal"


async def test_a_batch_of_handlers_of_one_event_stores_its_inbox_rows_in_one_statement(sandbox, pool):
    """Rows one statement inserted share its command id (`cmin`): one per batch, not one per record."""
    people = [enrolled() for _ in range(5)]
    updates = [envelope(ParticipantUpdated(participant_id=p.participant_id, profile=p.profile)) for p in people]
    participants = PARTICIPANTS.topic(sandbox.topic_prefix)
    handled: list[ParticipantUpdated] = []
    handlers = EventHandlers()

    @handlers.handles(ParticipantUpdated)
    async def updated(uow, event):
        handled.append(event)

    async with TopicReader(sandbox.bootstrap_servers, [participants]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, updates)
        ids = {str(update.id).encode() for update in updates}  # the topic also holds the other tests' records

        def ours(records):
            return [r for r in records if dict(r.headers).get("ce_id") in ids]

        batch = ours(await reader.read_until(lambda records: len(ours(records)) == len(updates)))
    producer = reliable_producer(KafkaSettings(bootstrap_servers=sandbox.bootstrap_servers), "many-one-statement")
    await producer.start()
    try:
        processor = EventProcessor(
            handlers,
            UnitOfWorkFactory(pool, "/flipside/matching", sandbox.topic_prefix, lambda conn: conn),
            DeadLetters(producer, dead_letter_topic(sandbox.topic_prefix, "many"), "many"),
            sandbox.topic_prefix,
        )
        await processor.process_batch(list(batch))
    finally:
        await producer.stop()

    async with pool.acquire() as conn:
        commands = await conn.fetchval(
            f"SELECT count(DISTINCT cmin::text) FROM {SCHEMA}.inbox WHERE event_id = ANY($1::uuid[])",
            [update.id for update in updates],
        )
    assert sorted(event.participant_id for event in handled) == sorted(person.participant_id for person in people)
    assert commands == 1

"""What a service's durable step costs with no framework: raw aiokafka + asyncpg, two ways.

- **ceiling** (`BatchedCeiling`): the step done the way a hand-written pipeline would do it. Take a batch of
  records (`getmany`, as many as the services' own consumer batches and waiting as long for them), then in one
  transaction insert every record's inbox row (its `ce_id`; a record already there is skipped), a state row and an
  outbox row, each kind in one statement over arrays (`unnest`); publish the batch's outgoing records without
  awaiting each, flush once, mark the outbox rows sent in one statement, and commit the batch's offsets once.
  Every ratio `make bench` gives for a service's step is against this, measured in the same run.
- **per-record loop** (`PerRecordLoop`): the slowest way to use the same stack, kept beside it for reference. One
  record at a time: a transaction of its own, `send_and_wait`, an update of its outbox row, an offset commit.

Both store the same rows and publish the same records; `events_per_second` feeds either a burst of real events
(CloudEvents records as the services get them) and times it until its consumer group has committed the last offset, as the services' steps are timed.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord

from flipside_devstack.kafka_io import publish
from flipside_shared.envelope import Envelope
from flipside_shared.kafka import client_options, reliable_producer
from flipside_shared.settings import KafkaSettings
from flipside_shared.subscriber import BATCH_MAX_RECORDS
from flipside_shared.topics import ensure_topics

from .progress import committed, wait_for

# The services' consumers wait as long for a batch unless `FLIPSIDE_CONSUMER_BATCH_WAIT_MS` says otherwise.
BATCH_WAIT_MS = 10


@dataclass(frozen=True)
class Place:
    """Where a raw loop works: its broker, its database, its schema there and its topics' prefix."""

    bootstrap_servers: str
    database_url: str
    schema: str
    topic_prefix: str

    @property
    def settings(self) -> KafkaSettings:
        return KafkaSettings(bootstrap_servers=self.bootstrap_servers)

    @property
    def group(self) -> str:
        return f"{self.topic_prefix}{self.schema}"

    def output_topic(self, input_topic: str) -> str:
        return f"{input_topic}.{self.schema}"


async def prepare(database_url: str, schema: str) -> None:
    """An empty schema with the three tables a service writes in its step: inbox, state and outbox."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        await conn.execute(
            f"CREATE TABLE {schema}.inbox (event_id uuid PRIMARY KEY);"
            f"CREATE TABLE {schema}.state (id uuid PRIMARY KEY, body jsonb NOT NULL);"
            f"CREATE TABLE {schema}.outbox (id bigserial PRIMARY KEY, body bytea NOT NULL, sent_at timestamptz)"
        )
    finally:
        await conn.close()


def event_id(record: ConsumerRecord) -> UUID:
    """The record's CloudEvents id, the key of its inbox row, as the services' inbox takes it."""
    return UUID(dict(record.headers)["ce_id"].decode())


class RawLoop(ABC):
    """Consumes one topic and does the durable step for every record until cancelled."""

    label: str

    def __init__(self, place: Place, topic: str) -> None:
        self._place = place
        self._topic = topic
        self._schema = place.schema
        self.assigned = asyncio.Event()

    async def run(self) -> None:
        pool = await asyncpg.create_pool(self._place.database_url, min_size=1, max_size=2)
        producer = reliable_producer(self._place.settings, self._place.group)
        consumer = AIOKafkaConsumer(
            self._topic,
            **client_options(self._place.settings),
            group_id=self._place.group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await producer.start()
        await consumer.start()
        try:
            while not consumer.assignment():
                await asyncio.sleep(0.05)
            self.assigned.set()
            while True:
                await self.step(consumer, producer, pool)
        finally:
            await consumer.stop()
            await producer.stop()
            await pool.close()

    @abstractmethod
    async def step(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, pool: asyncpg.Pool) -> None:
        """Take what the consumer has next and make it durable, published and committed."""


class BatchedCeiling(RawLoop):
    label = "ceiling"

    async def step(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, pool: asyncpg.Pool) -> None:
        batches = await consumer.getmany(timeout_ms=BATCH_WAIT_MS, max_records=BATCH_MAX_RECORDS)
        records = [record for partition in batches.values() for record in partition]
        if not records:
            return
        outbox = await self._store(pool, records)
        output = self._place.output_topic(self._topic)
        deliveries = [await producer.send(output, record.value, key=record.key) for record in outbox.values()]
        await producer.flush()
        await asyncio.gather(*deliveries)  # flushed: these are done, and any failure is raised here
        await pool.execute(
            f"UPDATE {self._schema}.outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", list(outbox)
        )
        await consumer.commit()

    async def _store(self, pool: asyncpg.Pool, records: Sequence[ConsumerRecord]) -> dict[int, ConsumerRecord]:
        """One transaction for the batch; returns the outbox rows written, by id, for the records not handled
        before (the inbox skips the others)."""
        async with pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetch(
                f"INSERT INTO {self._schema}.inbox SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id",
                [event_id(record) for record in records],
            )
            new_ids = {row["event_id"] for row in inserted}
            fresh = []
            for record in records:  # a record twice in one batch is new only the first time
                if event_id(record) in new_ids:
                    new_ids.remove(event_id(record))
                    fresh.append(record)
            await conn.execute(
                f"INSERT INTO {self._schema}.state SELECT * FROM unnest($1::uuid[], $2::jsonb[])",
                [uuid4() for _ in fresh],
                [record.value.decode() for record in fresh],
            )
            rows = await conn.fetch(
                f"INSERT INTO {self._schema}.outbox (body) SELECT unnest($1::bytea[]) RETURNING id",
                [record.value for record in fresh],
            )
        return {row["id"]: record for row, record in zip(rows, fresh, strict=True)}


class PerRecordLoop(RawLoop):
    label = "per-record loop"

    async def step(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, pool: asyncpg.Pool) -> None:
        record = await consumer.getone()
        async with pool.acquire() as conn, conn.transaction():
            first = await conn.fetchval(
                f"INSERT INTO {self._schema}.inbox VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id",
                event_id(record),
            )
            if first is None:
                row_id = None
            else:
                await conn.execute(f"INSERT INTO {self._schema}.state VALUES ($1, $2)", uuid4(), record.value.decode())
                row_id = await conn.fetchval(
                    f"INSERT INTO {self._schema}.outbox (body) VALUES ($1) RETURNING id", record.value
                )
        if row_id is not None:
            await producer.send_and_wait(self._place.output_topic(self._topic), record.value, key=record.key)
            await pool.execute(f"UPDATE {self._schema}.outbox SET sent_at = now() WHERE id = $1", row_id)
        await consumer.commit()


def all_committed(
    admin: AIOKafkaAdminClient, group: str, topic: str, count: int, loop: asyncio.Task[None]
) -> Callable[[], Awaitable[bool]]:
    """Whether `group` has committed `count` records of `topic`; a loop that stopped raises what stopped it."""

    async def predicate() -> bool:
        if loop.done():
            loop.result()
            raise RuntimeError("the raw loop stopped before committing every record")
        return await committed(admin, group, topic) >= count

    return predicate


async def events_per_second(loop_type: type[RawLoop], place: Place, envelopes: Sequence[Envelope]) -> float:
    """Records per second `loop_type` makes durable: `envelopes` (all of one stream) published in a burst to the
    loop, already in its group, timed from the first publish until its group has committed the last offset."""
    topic = envelopes[0].topic(place.topic_prefix)
    loop = loop_type(place, topic)
    await prepare(place.database_url, place.schema)
    await ensure_topics(place.settings, [topic, place.output_topic(topic)])
    admin = AIOKafkaAdminClient(**client_options(place.settings))
    await admin.start()
    task = asyncio.create_task(loop.run())
    try:
        # Same shape as the services: the consumer has joined its group before the burst arrives.
        await asyncio.wait_for(loop.assigned.wait(), timeout=60)
        started = time.monotonic()
        await publish(place.bootstrap_servers, place.topic_prefix, envelopes)
        await wait_for(all_committed(admin, place.group, topic, len(envelopes), task), timeout=300)
        return len(envelopes) / (time.monotonic() - started)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await admin.close()

"""The outbox relay parks a row the broker will never take and goes on, on the real broker and database."""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from prometheus_client import REGISTRY

from flipside_devstack.kafka_io import TopicReader
from flipside_devstack.waiting import wait_for, wait_for_rows
from flipside_shared.kafka import reliable_producer
from flipside_shared.migrations import migrate
from flipside_shared.outbox import OutboxRelay
from flipside_shared.settings import KafkaSettings
from flipside_shared.topics import ensure_topics

# The operator command names services, so the shared tables are made under one's name, in this module's database.
SCHEMA = "matching"
TWO_MIB = 2 * 1024 * 1024
EVENT_TYPE = "flipside.test.parking.v1"


@pytest.fixture(scope="module")
async def outbox_db(sandbox, tmp_path_factory) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(sandbox.database_url)
    await migrate(conn, SCHEMA, tmp_path_factory.mktemp("no-service-migrations"))
    yield conn
    await conn.close()


async def insert(conn: asyncpg.Connection, topic: str, key: str, payload: bytes) -> int:
    event_id = uuid4()
    return await conn.fetchval(
        f"INSERT INTO {SCHEMA}.outbox (event_id, topic, key, headers, payload) VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id",
        event_id,
        topic,
        key,
        json.dumps([["ce_type", EVENT_TYPE], ["ce_id", str(event_id)]]),
        payload,
    )


@asynccontextmanager
async def running_relay(sandbox, wrap=lambda producer: producer, **options) -> AsyncIterator[OutboxRelay]:
    settings = KafkaSettings(bootstrap_servers=sandbox.bootstrap_servers)
    relay = OutboxRelay(
        sandbox.database_url,
        SCHEMA,
        lambda: wrap(reliable_producer(settings, "parking-tests")),
        poll_seconds=0.1,
        **options,
    )
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        relay.stop()
        await asyncio.wait_for(task, 10)


def metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


async def flipside(sandbox, *arguments: str) -> subprocess.CompletedProcess:
    """The operator command, on a thread: the relay and the topic reader go on meanwhile."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "flipside_operations.cli", *arguments],
        env={**os.environ, **sandbox.env()},
        capture_output=True,
        text=True,
        timeout=60,
    )


def values(records) -> list[bytes]:
    """Each record's value once, in offset order: a reader that rejoins its group may read some again."""
    return [value for _, value in sorted({(r.partition, r.offset): r.value for r in records}.items())]


async def test_a_row_too_large_for_the_broker_is_parked_and_the_rows_after_it_are_published(sandbox, outbox_db):
    topic = f"{sandbox.topic_prefix}parking"
    parkings = metric("flipside_outbox_parkings_total")
    async with TopicReader(sandbox.bootstrap_servers, [topic]) as reader:
        await insert(outbox_db, topic, "person-1", b'{"n": 1}')
        too_large = await insert(outbox_db, topic, "person-1", b"x" * TWO_MIB)
        await insert(outbox_db, topic, "person-1", b'{"n": 3}')
        # Sent rows are deleted at once, so what is left in the table is what was not sent.
        async with running_relay(sandbox, keep_sent_seconds=0.0):
            records = await reader.read_until(lambda records: len(values(records)) >= 2, timeout=30)
            assert values(records) == [b'{"n": 1}', b'{"n": 3}'], "the rows after the parked one go on, in order"
            await wait_for_rows(outbox_db, f"SELECT 1 WHERE (SELECT count(*) FROM {SCHEMA}.outbox) = 1")
            [parked] = await outbox_db.fetch(f"SELECT id, sent_at, parked_at, park_reason FROM {SCHEMA}.outbox")
            assert parked["id"] == too_large and parked["sent_at"] is None and parked["parked_at"] is not None
            assert "MessageSizeTooLargeError" in parked["park_reason"] and "bytes" in parked["park_reason"]
            assert metric("flipside_outbox_parkings_total") == parkings + 1
            await wait_for(lambda: metric("flipside_outbox_parked") == 1)
            assert metric("flipside_outbox_backlog") == 0 and metric("flipside_outbox_oldest_seconds") == 0

            listing = await flipside(sandbox, "outbox", "--service", SCHEMA)
            assert listing.returncode == 0, listing.stderr
            assert (
                "1 parked" in listing.stdout
                and "outbox empty, everything published, but for parked rows" in listing.stdout
            )
            [line] = [line for line in listing.stdout.splitlines() if line.strip().startswith(f"id {too_large} ")]
            for shown in (topic, "key person-1", EVENT_TYPE, f"{TWO_MIB} bytes", "MessageSizeTooLargeError"):
                assert shown in line
            everyone = await flipside(sandbox, "outbox", "list")
            assert everyone.returncode == 0 and f"id {too_large} " in everyone.stdout
            assert "scheduling: no outbox in this database" in everyone.stdout

            # Re-queued while still too large: tried again at its place, and parked again.
            requeued = await flipside(sandbox, "outbox", "retry", "--service", SCHEMA, str(too_large))
            assert requeued.returncode == 0 and f"matching: re-queued 1 parked rows ({too_large})" in requeued.stdout
            await wait_for(lambda: metric("flipside_outbox_parkings_total") == parkings + 2)
            assert await outbox_db.fetchval(f"SELECT parked_at > $1 FROM {SCHEMA}.outbox", parked["parked_at"])

            # Made small enough, re-queued: published, then cleaned up like any sent row.
            await outbox_db.execute(f"UPDATE {SCHEMA}.outbox SET payload = $1 WHERE id = $2", b'{"n": 2}', too_large)
            assert (await flipside(sandbox, "outbox", "retry", "--all")).returncode == 0
            records = await reader.read_until(lambda records: len(values(records)) >= 3, timeout=30)
            assert values(records)[2] == b'{"n": 2}'
            await wait_for_rows(outbox_db, f"SELECT 1 WHERE NOT EXISTS (SELECT FROM {SCHEMA}.outbox)")
            await wait_for(lambda: metric("flipside_outbox_parked") == 0)


async def test_a_row_over_a_topic_limit_lowered_later_is_parked_alone(sandbox, outbox_db):
    topic = f"{sandbox.topic_prefix}small-records"
    await ensure_topics(
        KafkaSettings(bootstrap_servers=sandbox.bootstrap_servers), [topic], {topic: {"max.message.bytes": "2000"}}
    )
    async with TopicReader(sandbox.bootstrap_servers, [topic]) as reader, running_relay(sandbox):
        await insert(outbox_db, topic, "person-4", b'{"n": 0}')
        await reader.read_until(lambda records: len(records) >= 1, timeout=30)
        # The producer refuses nothing here (the record is well under its limit): the broker refuses the
        # batch the record travels in, with the rows around it, after the producer has numbered it.
        async with outbox_db.transaction():
            for payload in (b'{"n": 1}', b"x" * 5000, b'{"n": 3}'):
                await insert(outbox_db, topic, "person-4", payload)
        await insert(outbox_db, topic, "person-4", b'{"n": 4}')
        records = await reader.read_until(lambda records: len(values(records)) >= 4, timeout=30)
        assert values(records) == [b'{"n": 0}', b'{"n": 1}', b'{"n": 3}', b'{"n": 4}']
        # The round marks what it parked once all its rows are sent: a reader may see them before the mark.
        [parked] = await wait_for_rows(
            outbox_db,
            f"SELECT payload, park_reason FROM {SCHEMA}.outbox WHERE parked_at IS NOT NULL AND topic = $1",
            topic,
        )
        assert parked["payload"] == b"x" * 5000 and "MessageSizeTooLargeError" in parked["park_reason"]


async def test_rows_to_a_topic_the_broker_will_not_have_are_parked_after_one_wait(sandbox, outbox_db):
    good, illegal = f"{sandbox.topic_prefix}good", f"{sandbox.topic_prefix}no spaces allowed!"
    async with TopicReader(sandbox.bootstrap_servers, [good]) as reader:
        async with outbox_db.transaction():
            first = await insert(outbox_db, illegal, "person-5", b'{"n": 1}')
            await insert(outbox_db, good, "person-5", b'{"n": 2}')
            second = await insert(outbox_db, illegal, "person-5", b'{"n": 3}')
        started = asyncio.get_running_loop().time()
        async with running_relay(sandbox):
            records = await reader.read_until(lambda records: len(records) >= 1, timeout=90)
            parked = await wait_for_rows(
                outbox_db,
                f"SELECT id, park_reason FROM {SCHEMA}.outbox WHERE parked_at IS NOT NULL AND topic = $1 ORDER BY id",
                illegal,
                count=2,
            )
        # The producer waits out its metadata timeout (30 s) for the first row only: the topic's refusal holds for the round.
        assert asyncio.get_running_loop().time() - started < 55
        assert values(records) == [b'{"n": 2}']
        assert [row["id"] for row in parked] == [first, second]
        assert all("UnknownTopicOrPartitionError" in row["park_reason"] for row in parked)


async def test_retry_names_what_it_cannot_re_queue(sandbox, outbox_db):
    sent = await insert(outbox_db, f"{sandbox.topic_prefix}parking-retry", "person-2", b"{}")
    await outbox_db.execute(f"UPDATE {SCHEMA}.outbox SET sent_at = now() WHERE id = $1", sent)
    not_parked = await flipside(sandbox, "outbox", "retry", "--service", SCHEMA, str(sent))
    assert not_parked.returncode == 1 and f"matching has no parked row {sent}: nothing re-queued" in not_parked.stderr
    without_service = await flipside(sandbox, "outbox", "retry", str(sent))
    assert without_service.returncode == 2 and "name it with --service" in without_service.stderr
    neither = await flipside(sandbox, "outbox", "retry", "--service", SCHEMA)
    assert neither.returncode == 2 and "outbox ids or --all" in neither.stderr
    elsewhere = await flipside(sandbox, "outbox", "retry", "--service", "feedback", str(sent))
    assert (
        elsewhere.returncode == 1 and "feedback has no outbox in this database: nothing re-queued" in elsewhere.stderr
    )


class FailingFirst:
    """The relay's producers, but their first sends fail as a stopped broker makes them fail."""

    def __init__(self, failures: int, at_delivery: bool) -> None:
        self.failures = failures
        self._at_delivery = at_delivery
        self._producer = None

    def wrapping(self, producer) -> "FailingFirst":
        self._producer = producer
        return self

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, *args, **kwargs) -> asyncio.Future:
        if not self.failures:
            return await self._producer.send(*args, **kwargs)
        self.failures -= 1
        if not self._at_delivery:
            raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 9092)]")
        delivery = asyncio.get_running_loop().create_future()
        delivery.set_exception(KafkaTimeoutError())
        return delivery


@pytest.mark.parametrize("at_delivery", [False, True], ids=["broker-unreachable-at-send", "delivery-timed-out"])
async def test_a_transient_failure_is_retried_and_never_parks(sandbox, outbox_db, at_delivery):
    topic = f"{sandbox.topic_prefix}transient-{at_delivery}"
    parkings = metric("flipside_outbox_parkings_total")
    async with TopicReader(sandbox.bootstrap_servers, [topic]) as reader:
        row = await insert(outbox_db, topic, "person-3", b'{"n": 1}')
        flaky = FailingFirst(failures=3, at_delivery=at_delivery)
        async with running_relay(sandbox, wrap=flaky.wrapping):
            records = await reader.read_until(lambda records: len(records) >= 1, timeout=30)
        assert values(records) == [b'{"n": 1}'] and flaky.failures == 0
        state = await outbox_db.fetchrow(f"SELECT sent_at, parked_at FROM {SCHEMA}.outbox WHERE id = $1", row)
        assert state["sent_at"] is not None and state["parked_at"] is None
        assert metric("flipside_outbox_parkings_total") == parkings

"""How a service listens to a topic: faststream subscriber, raw records in, commit after the transactions.

Records arrive in batches (in partition order) and are handled in one transaction,
each with its own inbox row (record by record, a transaction each, when one of them
fails); the batch's offsets are committed once that has committed. A crash
mid-batch redelivers the whole batch, and the inbox turns the records already
handled into no-ops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy

from .metrics import CONSUMER_LAG


class RecordProcessor(Protocol):
    async def process_batch(self, records: Sequence[ConsumerRecord]) -> None: ...


log = structlog.get_logger(__name__)

BATCH_MAX_RECORDS = 200
# Each of a service's streams is a member of its group, so a starting replica rebalances the group once per stream,
# and every rebalance waits until the other members hear of it at their next heartbeat: at aiokafka's 3 s, joining
# took about 10 s of a service's start (four services: 21 s to ready, 11.6 s at 0.5 s).
HEARTBEAT_INTERVAL_MS = 500


async def keep_raw_headers(
    records: tuple[ConsumerRecord, ...],
    default_parser: Callable[[tuple[ConsumerRecord, ...]], Awaitable[StreamMessage[tuple[ConsumerRecord, ...]]]],
) -> StreamMessage[tuple[ConsumerRecord, ...]]:
    """faststream decodes every header as UTF-8 and would fail the whole batch, again at each redelivery, on one
    record whose header is not: it is shown none, and the envelope reads the records' own headers instead."""
    message = await default_parser(tuple(replace(record, headers=()) for record in records))
    message.raw_message = records
    return message


async def keep_raw_bodies(message: StreamMessage[tuple[ConsumerRecord, ...]]) -> list[bytes | None]:
    """faststream would parse JSON itself and fail before our dead-letter path; the envelope decodes instead."""
    return [record.value for record in message.raw_message]


def subscribe(
    broker: KafkaBroker,
    topics: tuple[str, ...],
    group_id: str,
    processor: RecordProcessor,
    event_types: dict[str, tuple[str, ...]],
    batch_wait_ms: int,
) -> None:
    """`event_types`: the types handled on each of the `topics`, for the AsyncAPI document.

    `batch_wait_ms`: how long a fetch waits for records; faststream then sleeps as long after an empty fetch, so a record
    reaching an idle consumer waits up to that much more (the setting `FLIPSIDE_CONSUMER_BATCH_WAIT_MS`)."""

    @broker.subscriber(
        *topics,
        group_id=group_id,
        auto_offset_reset="earliest",
        batch=True,
        max_records=BATCH_MAX_RECORDS,
        batch_timeout_ms=batch_wait_ms,
        # Commit after the batch's transaction (or every record's); on an unexpected exit, rewind to the batch's start.
        ack_policy=AckPolicy.NACK_ON_ERROR,
        parser=keep_raw_headers,
        decoder=keep_raw_bodies,
        max_poll_interval_ms=600_000,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        title=f"{group_id}:{','.join(topics)}",
        description="; ".join(
            f"{topic}: CloudEvents (binary mode) of types: " + ", ".join(types) for topic, types in event_types.items()
        )
        or None,
    )
    async def consume(bodies: list[bytes | None], message: KafkaMessage) -> None:
        try:
            await processor.process_batch(message.raw_message)
        except Exception:
            # The broker runs without faststream's logger: without this line a partition stuck on a record is silent.
            log.exception("batch failed: it is delivered again from its first record", topics=topics)
            raise
        if isinstance(message.consumer, AIOKafkaConsumer):  # in-memory test brokers have no partitions' ends
            _record_lag(message.consumer, message.raw_message)


async def stop_consuming(broker: KafkaBroker, graceful_timeout: float, batch_wait_ms: int) -> None:
    """Stop taking records, let every batch under way finish and commit, then leave the group.

    A service's subscribers are members of one consumer group: the first to leave rebalances the
    group, and a batch another one is still handling could no longer commit its offsets, so the
    restarted service would meet those records again. So no subscriber leaves before all are idle.
    """
    # `running` and `lock` are faststream internals: shared/pyproject.toml holds faststream to the minor that has them.
    for subscriber in broker.subscribers:
        subscriber.running = False
    # A fetch under way returns within the batch wait, and its records are then handled: let it land.
    await asyncio.sleep(4 * batch_wait_ms / 1000)
    await asyncio.gather(
        *(
            subscriber.lock.wait_release(graceful_timeout)
            for subscriber in broker.subscribers
            if hasattr(subscriber.lock, "wait_release")  # started subscribers only
        )
    )
    await broker.stop()


def _record_lag(consumer: AIOKafkaConsumer, records: tuple[ConsumerRecord, ...]) -> None:
    last_offsets = {(r.topic, r.partition): r.offset for r in records}
    for (topic, partition), offset in last_offsets.items():
        highwater = consumer.highwater(TopicPartition(topic, partition))
        if highwater is not None:
            CONSUMER_LAG.labels(topic, str(partition)).set(max(0, highwater - offset - 1))

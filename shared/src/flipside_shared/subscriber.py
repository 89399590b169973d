"""How a service listens to a topic: faststream subscriber, raw bytes in, commit after the transaction."""

from __future__ import annotations

from typing import Protocol

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy


class RecordProcessor(Protocol):
    async def process(self, record: ConsumerRecord) -> None: ...


async def keep_raw_body(message: StreamMessage[ConsumerRecord]) -> bytes:
    """faststream would parse JSON itself and fail before our dead-letter path; the envelope decodes instead."""
    return message.body


def subscribe(
    broker: KafkaBroker, topic: str, group_id: str, processor: RecordProcessor, event_types: tuple[str, ...] = ()
) -> None:
    @broker.subscriber(
        topic,
        group_id=group_id,
        auto_offset_reset="earliest",
        # Commit after `process` returns, i.e. after the handler's transaction; on an
        # unexpected exit, rewind to the record so it is handled again.
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=keep_raw_body,
        max_poll_interval_ms=600_000,
        title=f"{group_id}:{topic}",
        description="CloudEvents (binary mode) of types: " + ", ".join(event_types) if event_types else None,
    )
    async def consume(body: bytes, message: KafkaMessage) -> None:
        await processor.process(message.raw_message)

"""Poison messages go to the service's dead-letter topic, with the reason, and the consumer moves on."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

log = structlog.get_logger(__name__)


def dead_letter_bytes(max_message_bytes: int) -> int:
    """A dead letter is its record plus the dlq_* headers (up to about 4 KB), so it must fit where the record
    barely did: dead-letter topics and the producer allow twice the other topics' limit."""
    return 2 * max_message_bytes


# What a dead letter adds to the record's own headers, as AsyncAPI documents describe it.
DEAD_LETTER_HEADERS = {
    "dlq_original_topic": "the topic the record was read from",
    "dlq_original_partition": "its partition",
    "dlq_original_offset": "its offset",
    "dlq_reason": "why it could not be handled",
    "dlq_service": "the service that could not handle it",
    "dlq_failed_at": "when (ISO 8601, UTC)",
}


def dead_letter_topic(topic_prefix: str, service: str) -> str:
    return f"{topic_prefix}{service}.dead-letter"


class DeadLetters:
    def __init__(self, producer: AIOKafkaProducer, topic: str, service: str) -> None:
        self._producer = producer
        self.topic = topic
        self._service = service

    async def send(self, record: ConsumerRecord, reason: str) -> None:
        """Publish the record unchanged plus `dlq_*` headers; return once the broker has it."""
        added = {
            "dlq_original_topic": record.topic,
            "dlq_original_partition": str(record.partition),
            "dlq_original_offset": str(record.offset),
            "dlq_reason": reason[:4000],
            "dlq_service": self._service,
            "dlq_failed_at": datetime.now(UTC).isoformat(),
        }
        headers = list(record.headers or ()) + [(name, value.encode()) for name, value in added.items()]
        await self._producer.send_and_wait(self.topic, value=record.value, key=record.key, headers=headers)
        log.warning(
            "message dead-lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason[:300],
        )

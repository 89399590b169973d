"""Events in, events out: how tests talk to Flipside over the real broker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from uuid import uuid4

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from flipside_shared.envelope import Envelope, decode
from flipside_shared.events import Event
from flipside_shared.kafka import client_options, publish_envelopes
from flipside_shared.settings import KafkaSettings
from flipside_shared.topics import ensure_topics


def _kafka_settings(broker: str | KafkaSettings) -> KafkaSettings:
    """A broker named by its bootstrap servers is the local stack's, spoken to in PLAINTEXT."""
    return KafkaSettings(bootstrap_servers=broker) if isinstance(broker, str) else broker


async def publish(broker: str | KafkaSettings, topic_prefix: str, envelopes: Iterable[Envelope]) -> None:
    await publish_envelopes(_kafka_settings(broker), topic_prefix, envelopes, "flipside-tests")


def envelope(event: Event, source: str | None = None) -> Envelope:
    """`event` as its producer sends it: the first service that emits it, else the first outside system that may."""
    return Envelope.caused_by(None, event, source or (event.sources + event.inbound_sources)[0])


class TopicReader:
    """Reads whole topics from the start, as a subscriber outside Flipside would."""

    def __init__(self, broker: str | KafkaSettings, topics: Sequence[str]) -> None:
        self._settings = _kafka_settings(broker)
        self._topics = list(topics)
        self._consumer = AIOKafkaConsumer(
            *topics,
            **client_options(self._settings),
            group_id=f"test-reader-{uuid4()}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.records: list[ConsumerRecord] = []

    async def __aenter__(self) -> TopicReader:
        await ensure_topics(self._settings, self._topics)
        await self._consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def read_until(self, done, timeout: float = 60.0) -> list[ConsumerRecord]:
        """Read until `done(records)` is true; fail with what was seen after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done(self.records):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met after {timeout}s; {len(self.records)} records read")
            batch = await self._consumer.getmany(timeout_ms=int(min(remaining, 0.5) * 1000))
            for records in batch.values():
                self.records.extend(records)
        return self.records

    async def drain(self, seconds: float) -> list[ConsumerRecord]:
        """Keep reading for `seconds`: room for anything wrong, such as a duplicate, to show up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            batch = await self._consumer.getmany(timeout_ms=int(min(remaining, 0.5) * 1000))
            for records in batch.values():
                self.records.extend(records)
        return self.records

    def events(self, event_type: type[Event] | None = None) -> list[Envelope]:
        decoded = [decode(r.headers, r.value) for r in self.records if not _is_dead_letter(r) and r.value is not None]
        return [e for e in decoded if event_type is None or isinstance(e.event, event_type)]


def count_of(event_type: type[Event]):
    """A `done` predicate helper: how many decodable records of `event_type` were read."""
    ce_type = event_type.ce_type.encode()

    def count(records: list[ConsumerRecord]) -> int:
        return sum(1 for r in records if dict(r.headers or ()).get("ce_type") == ce_type)

    return count


def _is_dead_letter(record: ConsumerRecord) -> bool:
    return any(name == "dlq_reason" for name, _ in record.headers or ())

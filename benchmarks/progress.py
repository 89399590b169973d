"""How far a consumer group has got: what every service step is timed by."""

from __future__ import annotations

import asyncio
import time

from aiokafka.admin import AIOKafkaAdminClient

from flipside_shared.events import Event
from flipside_shared.testing.kafka_io import envelope, publish


async def committed(admin: AIOKafkaAdminClient, group: str, topic: str) -> int:
    offsets = await admin.list_consumer_group_offsets(group)
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def wait_committed(admin: AIOKafkaAdminClient, group: str, topic: str, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while await committed(admin, group, topic) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{group} committed fewer than {count} records of {topic} in {timeout}s")
        await asyncio.sleep(0.05)


async def burst_per_second(
    admin: AIOKafkaAdminClient, bootstrap_servers: str, prefix: str, service: str, events: list[Event],
) -> float:
    """Publish `events` (all of one stream) in a burst; events per second until `service`'s group has committed the last."""
    group, topic = f"{prefix}{service}", f"{prefix}{events[0].stream.name}"
    before = await committed(admin, group, topic)
    started = time.monotonic()
    await publish(bootstrap_servers, prefix, [envelope(event) for event in events])
    await wait_committed(admin, group, topic, before + len(events))
    return len(events) / (time.monotonic() - started)

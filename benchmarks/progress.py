"""How far a step has got: a consumer group's committed offsets, or any condition polled until it holds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiokafka.admin import AIOKafkaAdminClient

from flipside_devstack.kafka_io import envelope, publish
from flipside_shared.events import Event


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 600, poll_seconds: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark step did not finish in time")
        await asyncio.sleep(poll_seconds)


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
    admin: AIOKafkaAdminClient,
    bootstrap_servers: str,
    prefix: str,
    service: str,
    events: list[Event],
) -> float:
    """Publish `events` (all of one stream) in a burst; events per second until `service`'s group has committed the last."""
    group, topic = f"{prefix}{service}", f"{prefix}{events[0].stream.name}"
    before = await committed(admin, group, topic)
    started = time.monotonic()
    await publish(bootstrap_servers, prefix, [envelope(event) for event in events])
    await wait_committed(admin, group, topic, before + len(events))
    return len(events) / (time.monotonic() - started)

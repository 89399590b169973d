"""How far a consumer group has got: what every service step is timed by."""

from __future__ import annotations

import asyncio
import time

from aiokafka.admin import AIOKafkaAdminClient


async def committed(admin: AIOKafkaAdminClient, group: str, topic: str) -> int:
    offsets = await admin.list_consumer_group_offsets(group)
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def wait_committed(admin: AIOKafkaAdminClient, group: str, topic: str, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while await committed(admin, group, topic) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{group} committed fewer than {count} records of {topic} in {timeout}s")
        await asyncio.sleep(0.05)

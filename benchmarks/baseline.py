"""The ceiling: raw aiokafka + asyncpg doing the same durable step as a service, with no framework.

Consume a record, then in one transaction insert the inbox row, a state row and an outbox row,
publish an output record, and commit the offset: the least any Flipside service must do.
"""

from __future__ import annotations

import asyncio
import json
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

SCHEMA = "bench_baseline"


async def prepare(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
        await conn.execute(
            f"CREATE TABLE {SCHEMA}.inbox (event_id uuid PRIMARY KEY);"
            f"CREATE TABLE {SCHEMA}.state (id uuid PRIMARY KEY, body jsonb NOT NULL);"
            f"CREATE TABLE {SCHEMA}.outbox (id bigserial PRIMARY KEY, body bytea NOT NULL, sent_at timestamptz)"
        )
    finally:
        await conn.close()


class BaselineConsumer:
    """Handles records one durable step each, counting them as it commits."""

    def __init__(self, bootstrap_servers: str, database_url: str, topic: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._database_url = database_url
        self._topic = topic
        self.committed = 0
        self.assigned = asyncio.Event()

    async def run(self) -> None:
        pool = await asyncpg.create_pool(self._database_url, min_size=1, max_size=2)
        producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap_servers, enable_idempotence=True, acks="all")
        consumer = AIOKafkaConsumer(
            self._topic,
            bootstrap_servers=self._bootstrap_servers,
            group_id=f"bench-baseline-{uuid4()}",
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
                record = await consumer.getone()
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(f"INSERT INTO {SCHEMA}.inbox VALUES ($1) ON CONFLICT DO NOTHING", uuid4())
                    await conn.execute(
                        f"INSERT INTO {SCHEMA}.state VALUES ($1, $2)", uuid4(), json.dumps({"offset": record.offset})
                    )
                    row_id = await conn.fetchval(
                        f"INSERT INTO {SCHEMA}.outbox (body) VALUES ($1) RETURNING id", record.value
                    )
                await producer.send_and_wait(f"{self._topic}.out", record.value, key=record.key)
                await pool.execute(f"UPDATE {SCHEMA}.outbox SET sent_at = now() WHERE id = $1", row_id)
                await consumer.commit()
                self.committed += 1
        finally:
            await consumer.stop()
            await producer.stop()
            await pool.close()

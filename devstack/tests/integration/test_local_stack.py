"""The local stack is the real thing: idempotent producer, group commits, a database that survives a restart."""

from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from flipside_devstack.fixtures import unique_prefix


async def test_idempotent_producer_and_committed_group_offsets(stack):
    topic = f"{unique_prefix()}stack-check"
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap_servers, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        futures = [await producer.send(topic, str(n).encode(), key=str(n % 7).encode()) for n in range(1000)]
        for future in futures:
            await future
    finally:
        await producer.stop()

    group = f"group-{uuid4()}"
    first = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.bootstrap_servers,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await first.start()
    seen = []
    try:
        while len(seen) < 1000:
            for records in (await first.getmany(timeout_ms=1000)).values():
                seen += [int(r.value) for r in records]
        await first.commit()
    finally:
        await first.stop()
    assert sorted(seen) == list(range(1000))

    second = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.bootstrap_servers,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await second.start()
    try:
        assert sum(len(r) for r in (await second.getmany(timeout_ms=2000)).values()) == 0
    finally:
        await second.stop()


async def test_data_survives_a_postgres_restart(stack):
    conn = await asyncpg.connect(stack.database_url)
    table = f"stack_check_{uuid4().hex[:8]}"
    await conn.execute(f"CREATE TABLE {table} (n int); INSERT INTO {table} VALUES (42)")
    await conn.close()
    stack.postgres.restart()
    conn = await asyncpg.connect(stack.database_url)
    try:
        assert await conn.fetchval(f"SELECT n FROM {table}") == 42
    finally:
        await conn.execute(f"DROP TABLE {table}")
        await conn.close()

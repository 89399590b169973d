"""Scheduling at program scale: pairs booked per second and timers fired per second, with one replica
and then two, over a backlog of 100,000 pending timers, against raw loops measured in the same run.

- **pairs**: `PairCreated` published in a burst; timed until the scheduling group has committed the last
  (every kickoff, its timers and its `SessionScheduled` committed). Against the ceiling: the raw batched
  consume -> transaction -> publish -> commit loop of `baseline.py`, measured by the caller in the same run.
- **timers**: 100,000 pending timers, of which a batch falls due at once; timed from the moment they are due
  until every one is settled and its event is on the broker. Baseline: a raw asyncpg + aiokafka loop that
  claims due rows with `FOR UPDATE SKIP LOCKED`, publishes them and marks them fired in one transaction.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import pair_created
from flipside_devstack.fixtures import Sandbox
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.stack import LocalStack

from .memory import peak_rss_of
from .progress import burst_per_second, wait_for

PENDING = 100_000
DUE_PER_STEP = 20_000
REMINDERS_PER_SESSION = 10


async def load_backlog(database_url: str, first_due: datetime, second_due: datetime) -> None:
    """Sessions ten reminders each: two batches of them at the two instants (brought forward when measured),
    the rest a month later, all for sessions further ahead still."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO scheduling.sessions (session_id, pair_id, program_id, kind, starts_at, duration_minutes,"
            " mentor_id, mentee_id, mentor_time_zone, mentee_time_zone)"
            " SELECT gen_random_uuid(), gen_random_uuid(), 'bench', 'check_in', $1, 45, gen_random_uuid(), gen_random_uuid(),"
            " 'Europe/Berlin', 'America/New_York' FROM generate_series(1, $2)",
            first_due + timedelta(days=60),
            PENDING // REMINDERS_PER_SESSION,
        )
        await conn.execute(
            "INSERT INTO scheduling.timers (session_id, kind, due_at, minutes_before)"
            " SELECT s.session_id, 'reminder',"
            "   CASE WHEN row_number() OVER () <= $2 THEN $3::timestamptz WHEN row_number() OVER () <= 2 * $2 THEN $4::timestamptz ELSE $3::timestamptz + interval '30 days' END,"
            "   n * 60"
            " FROM scheduling.sessions s CROSS JOIN generate_series(1, $1) n WHERE s.program_id = 'bench'",
            REMINDERS_PER_SESSION,
            DUE_PER_STEP,
            first_due,
            second_due,
        )
    finally:
        await conn.close()


async def timers_fired_per_second(database_url: str, batch: datetime) -> float:
    """Bring one batch of the backlog forward to a few seconds from now, and time it from then."""
    conn = await asyncpg.connect(database_url)
    due = datetime.now(UTC) + timedelta(seconds=3)
    await conn.execute("UPDATE scheduling.timers SET due_at = $2 WHERE due_at = $1 AND status = 'pending'", batch, due)

    async def settled_and_published() -> bool:
        left = await conn.fetchval(
            "SELECT (SELECT count(*) FROM scheduling.timers WHERE status = 'pending' AND due_at <= $1)"
            " + (SELECT count(*) FROM scheduling.outbox WHERE sent_at IS NULL)",
            due,
        )
        return left == 0

    try:
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        started = time.monotonic()
        await wait_for(settled_and_published)
        return DUE_PER_STEP / (time.monotonic() - started)
    finally:
        await conn.close()


async def pairs_booked_per_second(stack: LocalStack, admin: AIOKafkaAdminClient, prefix: str, count: int) -> float:
    events = [pair_created(program_id="bench") for _ in range(count)]
    return await burst_per_second(admin, stack.bootstrap_servers, prefix, "scheduling", events)


async def raw_timer_baseline(stack: LocalStack, admin: AIOKafkaAdminClient, database_url: str) -> float:
    """The least a timer worker does per timer: claim it, publish it, mark it fired, in one transaction."""
    topic = f"bench-raw-timers-{int(time.time())}"
    await admin.create_topics([NewTopic(topic, num_partitions=4, replication_factor=1)])
    conn = await asyncpg.connect(database_url)
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap_servers, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await conn.execute(
            "DROP TABLE IF EXISTS bench_raw_timers;"
            "CREATE TABLE bench_raw_timers (id bigserial PRIMARY KEY, due_at timestamptz NOT NULL, status text NOT NULL DEFAULT 'pending');"
            "CREATE INDEX ON bench_raw_timers (due_at) WHERE status = 'pending'"
        )
        await conn.execute(
            "INSERT INTO bench_raw_timers (due_at) SELECT CASE WHEN n <= $1 THEN now() ELSE now() + interval '30 days' END"
            " FROM generate_series(1, $2) n",
            DUE_PER_STEP,
            PENDING,
        )
        started = time.monotonic()
        while True:
            async with conn.transaction():
                due = await conn.fetch(
                    "SELECT id FROM bench_raw_timers WHERE status = 'pending' AND due_at <= now()"
                    " ORDER BY due_at LIMIT 200 FOR UPDATE SKIP LOCKED"
                )
                if not due:
                    break
                sent = [await producer.send(topic, str(row["id"]).encode()) for row in due]
                await asyncio.gather(*sent)
                await conn.execute(
                    "UPDATE bench_raw_timers SET status = 'fired' WHERE id = ANY($1::bigint[])", [r["id"] for r in due]
                )
        return DUE_PER_STEP / (time.monotonic() - started)
    finally:
        await producer.stop()
        await conn.close()


async def _measure(stack: LocalStack, sandbox: Sandbox, logs: Path, count: int) -> dict[str, float]:
    database_url, prefix = sandbox.database_url, sandbox.topic_prefix
    env = sandbox.env(FLIPSIDE_SCHEDULING_TIMER_POLL_SECONDS="0.05")
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap_servers)
    await admin.start()
    first = ServiceProcess("scheduling", env, logs).start()
    second = ServiceProcess("scheduling", env, logs)
    try:
        httpx.put(f"{first.url}/programs/bench/schedule", json={}, headers=admin_headers()).raise_for_status()
        figures = {"timers_raw_baseline_per_second": await raw_timer_baseline(stack, admin, database_url)}
        batches = [datetime.now(UTC) + timedelta(days=7, minutes=n) for n in (1, 2)]
        await load_backlog(database_url, *batches)
        figures["pairs_scheduled_per_second_1_replica"] = await pairs_booked_per_second(stack, admin, prefix, count)
        figures["timers_fired_per_second_1_replica"] = await timers_fired_per_second(database_url, batches[0])
        second.start()
        await asyncio.sleep(10)  # the consumer group has rebalanced over both
        figures["pairs_scheduled_per_second_2_replicas"] = await pairs_booked_per_second(stack, admin, prefix, count)
        figures["timers_fired_per_second_2_replicas"] = await timers_fired_per_second(database_url, batches[1])
        figures["timers_pending"] = PENDING
        figures["peak_rss_mib_replica_1"] = peak_rss_of(first)
        figures["peak_rss_mib_replica_2"] = peak_rss_of(second)
        return figures
    finally:
        second.stop()
        first.stop()
        await admin.close()


def measure(stack: LocalStack, logs: Path, count: int) -> dict[str, float]:
    return asyncio.run(_measure(stack, Sandbox.on(stack), logs, count))


def table(figures: dict[str, float], ceiling_events_per_second: float) -> str:
    """Pairs against the ceiling of the services' step, timers against the raw timer loop."""
    raw_timers = figures["timers_raw_baseline_per_second"]
    rows = [
        ("pairs scheduled/s, 1 replica", figures["pairs_scheduled_per_second_1_replica"], ceiling_events_per_second),
        ("pairs scheduled/s, 2 replicas", figures["pairs_scheduled_per_second_2_replicas"], ceiling_events_per_second),
        ("timers fired/s, 1 replica", figures["timers_fired_per_second_1_replica"], raw_timers),
        ("timers fired/s, 2 replicas", figures["timers_fired_per_second_2_replicas"], raw_timers),
        ("timers fired/s, raw loop", raw_timers, raw_timers),
    ]
    lines = [
        f"Scheduling, {figures['timers_pending']:,} timers pending, {DUE_PER_STEP:,} due per timer step:",
        "| step | per second | vs its baseline |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {value:,.0f} | {value / base:.0%} |" for label, value, base in rows]
    lines.append(
        f"Peak RSS: {figures['peak_rss_mib_replica_1']:,.0f} MiB (first replica), "
        f"{figures['peak_rss_mib_replica_2']:,.0f} MiB (second)."
    )
    return "\n".join(lines)

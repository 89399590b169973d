"""Killed between the two steps of a half-done job: the outbox relay, and scheduling's timer worker.

The moment is made, not hoped for: the test holds a lock the job's second step needs, waits until the
job's database session is seen waiting on it (so its first step is done), kills the service with
SIGKILL and ends that orphaned session as the server would once it noticed, then lets go.
"""

import asyncio
import time
from collections.abc import Awaitable

import asyncpg
import pytest

from tests.chaos.harness import TEST_TIMEOUT_SECONDS

pytestmark = pytest.mark.timeout(TEST_TIMEOUT_SECONDS)

HELD_ROWS = 50


async def session_waiting(conn: asyncpg.Connection, condition: str, *args, timeout: float = 60.0) -> int:
    """The pid of the database session that waits on a lock and meets `condition` (SQL on pg_stat_activity `a`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Within a transaction the activity view is a snapshot taken once: take a fresh one each time.
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        pid = await conn.fetchval(
            "SELECT a.pid FROM pg_stat_activity a WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'"
            f" AND {condition} LIMIT 1",
            *args,
        )
        if pid is not None:
            return pid
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no session waited on the lock with {condition} within {timeout}s")


async def hold_unsent(conn: asyncpg.Connection, topic: str, more: Awaitable, timeout: float = 60.0) -> list:
    """Lock the oldest unsent outbox rows of `topic` as soon as some exist; awaiting `more` makes new ones come."""
    coming = asyncio.ensure_future(more)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # A plain read by the relay does not wait on these locks; its marking them sent does.
        held = await conn.fetch(
            "SELECT id, event_id FROM matching.outbox WHERE sent_at IS NULL AND topic = $1 ORDER BY id LIMIT $2 FOR UPDATE",
            topic,
            HELD_ROWS,
        )
        if held:
            await coming
            return held
    coming.cancel()
    raise TimeoutError(f"the relay marked every row of {topic} sent before one could be held, for {timeout}s")


async def test_relay_killed_after_publishing_before_marking_sent_republishes_without_a_second_effect(cohort):
    # Half the cohort first, the rest once the test watches the outbox: new unsent pairs are bound to come.
    await cohort.begin(share=0.5)
    await cohort.when_progressed("matching", 0.05, 0.4)
    conn = await asyncpg.connect(cohort.sandbox.database_url)
    try:
        async with conn.transaction():
            held = await hold_unsent(conn, f"{cohort.sandbox.topic_prefix}pairs", cohort.publish_rest())
            relay = await session_waiting(conn, "a.query LIKE 'UPDATE outbox SET sent_at%'")
            cohort.fault()
            cohort.platform["matching"].kill()
            await conn.execute("SELECT pg_terminate_backend($1)", relay)
    finally:
        await conn.close()
    await cohort.restart(cohort.platform["matching"])
    await cohort.settle(
        "outbox relay killed between publish and mark", "SIGKILL while its mark-sent waited on rows the test locked"
    )
    # The relay's round held some of these rows (those committed after it read waited for the next round):
    # published before the kill and again after it, the half-done step really happened, and was absorbed.
    assert any(cohort.ledger.copies[row["event_id"]] >= 2 for row in held)


async def test_timer_worker_killed_after_claiming_before_settling_fires_each_timer_once(cohort):
    await cohort.begin()
    await cohort.when_progressed("scheduling", 0.1, 0.4)
    conn = await asyncpg.connect(cohort.sandbox.database_url)
    try:
        async with conn.transaction():
            # A round claims due timers, marks them and writes their events to the outbox, in one transaction:
            # with the outbox locked, a round that found due timers waits with them claimed.
            await conn.execute("LOCK TABLE scheduling.outbox IN SHARE MODE")
            worker = await session_waiting(
                conn,
                "EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.granted"
                " AND l.relation = 'scheduling.timers'::regclass AND l.mode = 'RowShareLock')",
                # Bookings wait on the lock too: the next round to claim anything is one whose reminders fall due
                # on the simulated clock, which can take longer than a minute on a loaded machine.
                timeout=240.0,
            )
            pending = {
                r["timer_id"]
                for r in await conn.fetch("SELECT timer_id FROM scheduling.timers WHERE status = 'pending'")
            }
            free = {
                r["timer_id"]
                for r in await conn.fetch(
                    "SELECT timer_id FROM scheduling.timers WHERE status = 'pending' FOR UPDATE SKIP LOCKED"
                )
            }
            claimed = pending - free
            assert claimed, "the waiting round holds due timers"
            cohort.fault()
            cohort.platform["scheduling"].kill()
            await conn.execute("SELECT pg_terminate_backend($1)", worker)
            fired_with_round = await conn.fetch(
                "SELECT s.session_id FROM scheduling.timers t JOIN scheduling.sessions s USING (session_id)"
                " WHERE t.timer_id = ANY($1::bigint[])",
                list(claimed),
            )
    finally:
        await conn.close()
    await cohort.restart(cohort.platform["scheduling"])
    await cohort.settle(
        "timer worker killed between claim and settle",
        "SIGKILL while its round waited, timers claimed, on the outbox the test locked",
    )
    # The claimed timers fired after the restart, each once (the account counts second check-ins as duplicates).
    assert all(len(cohort.ledger.check_ins[row["session_id"]]) == 1 for row in fired_with_round)

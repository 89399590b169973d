"""A round of the timer worker on the real database: however many timers are due, one statement claims them, one
writes their events to the outbox and one marks them settled, all in the round's one transaction."""

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from uuid import uuid4

import asyncpg

from flipside_devstack.factories import pair_created
from flipside_devstack.fake_units import fake_unit_of_work
from flipside_devstack.kafka_io import envelope
from flipside_scheduling.app import MIGRATIONS
from flipside_scheduling.domain.policy import SchedulingPolicy
from flipside_scheduling.handlers import Scheduler
from flipside_scheduling.repository import SchedulingRepository
from flipside_scheduling.timers import TimerWorker
from flipside_shared.clock import FixedClock
from flipside_shared.migrations import migrate
from flipside_shared.unit_of_work import UnitOfWorkFactory

MONDAY_MORNING = datetime(2027, 8, 2, 7, 0, tzinfo=UTC)
# Past every kickoff's reminders and check-in: the reminders are dropped (their sessions have begun), the check-ins fire.
MONTHS_LATER = MONDAY_MORNING + timedelta(days=90)
ROUND = 1000  # more than any size below: one round takes every due timer


async def one_round(sandbox, pairs: int) -> tuple[list[str], dict[str, int], int]:
    """Book `pairs` kickoffs, then fire their timers in one round: the round's statements, the timers by status
    afterwards, and the outbox rows the round wrote."""
    schema = f"t{uuid4().hex[:8]}"
    statements: list[str] = []
    recording = False

    def record(query: asyncpg.connection.LoggedQuery) -> None:
        if recording:
            statements.append(query.query)

    async def init(conn: asyncpg.Connection) -> None:
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        conn.add_query_logger(record)

    pool = await asyncpg.create_pool(
        sandbox.database_url, min_size=1, max_size=1, init=init, server_settings={"search_path": schema}
    )
    try:
        async with pool.acquire() as conn:
            await migrate(conn, schema, MIGRATIONS)
            events = [pair_created(matched_at=MONDAY_MORNING) for _ in range(pairs)]
            async with conn.transaction():
                uow = fake_unit_of_work(SchedulingRepository(conn), causes=[envelope(event) for event in events])
                await Scheduler(FixedClock(MONDAY_MORNING), SchedulingPolicy()).pairs_created(uow, events)
            outbox_before = await conn.fetchval("SELECT count(*) FROM outbox")
        units = UnitOfWorkFactory(pool, "/flipside/scheduling", sandbox.topic_prefix, SchedulingRepository)
        recording = True
        claimed = await TimerWorker(FixedClock(MONTHS_LATER), 1.0, ROUND).fire_due(SimpleNamespace(units=units))
        recording = False
        async with pool.acquire() as conn:
            by_status = dict(await conn.fetch("SELECT status, count(*) FROM timers GROUP BY status"))
            written = await conn.fetchval("SELECT count(*) FROM outbox") - outbox_before
        assert claimed == sum(by_status.values())
        return statements, by_status, written
    finally:
        await pool.close()


async def test_a_round_settles_every_due_timer_in_the_same_statements_however_many(sandbox):
    counts = []
    for pairs in (2, 8, 32):
        statements, by_status, written = await one_round(sandbox, pairs)
        # Each kickoff has its check-in, which fires, and reminders, dropped once the session has begun.
        assert by_status["fired"] == written == pairs
        assert by_status["dropped"] >= pairs
        assert "pending" not in by_status
        assert sum("FOR UPDATE OF t SKIP LOCKED" in s for s in statements) == 1, "claimed in one statement"
        assert sum(s.startswith("INSERT INTO outbox") for s in statements) == 1, "their events in one statement"
        assert sum(s.startswith("UPDATE timers") for s in statements) == 1, "settled in one statement"
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2], counts

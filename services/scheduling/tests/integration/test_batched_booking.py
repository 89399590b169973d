"""A batch of new pairs, people shared across them, booked on the real database in one transaction: the same
sessions, series, attendees and events as booking them one transaction each, and a number of statements that does
not grow with the batch."""

import json
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg

from flipside_devstack.factories import pair_created
from flipside_devstack.fake_units import fake_unit_of_work
from flipside_devstack.kafka_io import envelope
from flipside_scheduling.app import MIGRATIONS
from flipside_scheduling.domain.policy import SchedulingPolicy
from flipside_scheduling.handlers import Scheduler
from flipside_scheduling.repository import SchedulingRepository
from flipside_shared.clock import FixedClock
from flipside_shared.events import PairCreated
from flipside_shared.migrations import migrate

MONDAY_MORNING = datetime(2027, 8, 2, 7, 0, tzinfo=UTC)


def pairs_sharing_people(count: int) -> list[PairCreated]:
    """`count` pairs among few mentors, one pair twice: mentors are booked by several pairs of the batch."""
    mentors = [pair_created(matched_at=MONDAY_MORNING).mentor for _ in range(max(1, count // 4))]
    pairs = [pair_created(matched_at=MONDAY_MORNING, mentor=mentors[i % len(mentors)]) for i in range(count)]
    return [*pairs, pairs[0]]


async def schema(sandbox, name: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(sandbox.database_url, server_settings={"search_path": name})
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await migrate(conn, name, MIGRATIONS)
    return conn


async def book(conn: asyncpg.Connection, batches: list[list[PairCreated]]) -> list[tuple]:
    """Book each batch in a transaction of its own; what was announced, pair by pair."""
    scheduler = Scheduler(FixedClock(MONDAY_MORNING), SchedulingPolicy())
    announced = []
    for batch in batches:
        async with conn.transaction():
            uow = fake_unit_of_work(SchedulingRepository(conn), causes=[envelope(pair) for pair in batch])
            await scheduler.pairs_created(uow, batch)
        announced += [
            (e.event.pair_id, type(e.event).__name__, getattr(e.event, "starts_at", None)) for e in uow.emitted
        ]
    return announced


async def stored(conn: asyncpg.Connection) -> tuple:
    sessions = await conn.fetch(
        "SELECT pair_id, occurrence, starts_at, duration_minutes FROM sessions ORDER BY pair_id, occurrence"
    )
    timers = await conn.fetch(
        "SELECT s.pair_id, t.kind, t.due_at FROM timers t JOIN sessions s USING (session_id) ORDER BY 1, 2, 3"
    )
    series = await conn.fetch("SELECT pair_id, anchor_at, cadence, ends_at FROM series ORDER BY pair_id")
    attendees = await conn.fetch("SELECT * FROM attendees ORDER BY participant_id")
    return [tuple(r) for r in sessions], [tuple(r) for r in timers], [tuple(r) for r in series], attendees


async def test_a_batch_books_exactly_what_one_pair_at_a_time_would(sandbox):
    pairs = pairs_sharing_people(24)
    batched, one_by_one = await schema(sandbox, f"b{uuid4().hex[:8]}"), await schema(sandbox, f"o{uuid4().hex[:8]}")
    try:
        announced_batched = await book(batched, [pairs])
        announced_one_by_one = await book(one_by_one, [[pair] for pair in pairs])
        assert announced_batched == announced_one_by_one
        assert len(announced_batched) == len(pairs) - 1, "the pair given twice is booked once"
        assert await stored(batched) == await stored(one_by_one)
        busy = await batched.fetch(
            "SELECT a.session_id FROM sessions a JOIN sessions b ON a.session_id < b.session_id"
            " AND (a.mentor_id IN (b.mentor_id, b.mentee_id) OR a.mentee_id IN (b.mentor_id, b.mentee_id))"
            " AND a.starts_at < b.starts_at + make_interval(mins => b.duration_minutes)"
            " AND b.starts_at < a.starts_at + make_interval(mins => a.duration_minutes)"
        )
        assert busy == [], "no one is booked twice at once"
    finally:
        await batched.close()
        await one_by_one.close()


async def test_the_statements_of_a_batch_do_not_grow_with_it(sandbox):
    counts = []
    for size in (2, 8, 32):
        conn = await schema(sandbox, f"c{uuid4().hex[:8]}")
        statements: list[str] = []
        conn.add_query_logger(lambda record, into=statements: into.append(record.query))
        try:
            await book(conn, [pairs_sharing_people(size)])
        finally:
            await conn.close()
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2], counts

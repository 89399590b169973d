"""Enrolments taken a run at a time on the real database: each person stored once, as their last enrolment in the run
says, someone known before updated and keeping when they enrolled, with one statement for the run however long."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from flipside_devstack.factories import enrolled
from flipside_devstack.fixtures import migrated_pool
from flipside_devstack.kafka_io import envelope
from flipside_feedback.app import MIGRATIONS
from flipside_feedback.handlers import FeedbackLoop, build_handlers
from flipside_feedback.repository import FeedbackRepository
from flipside_feedback.settings import FeedbackSettings
from flipside_shared.clock import SystemClock
from flipside_shared.events import ParticipantEnrolled
from flipside_shared.unit_of_work import UnitOfWorkFactory

SCHEMA = "feedback"


@pytest.fixture(scope="module")
async def pool(sandbox):
    async with migrated_pool(sandbox, SCHEMA, MIGRATIONS, 2) as pool:
        yield pool


@pytest.fixture(scope="module")
def units(sandbox, pool):
    return UnitOfWorkFactory(pool, "/flipside/feedback", sandbox.topic_prefix, FeedbackRepository)


@pytest.fixture(scope="module")
def enrolments_taken():
    clock = SystemClock()
    many = build_handlers(FeedbackLoop(FeedbackSettings(), clock), clock).many_handler_for(enrolled(), inbound=False)
    assert many is not None
    return many


async def take(units, handler, events: list[ParticipantEnrolled], log: list[str] | None = None) -> None:
    async with units.begin_batch() as batch:
        if log is not None:
            batch.conn.add_query_logger(lambda query: log.append(query.query))
        await handler(batch.unit(causes=[envelope(event) for event in events]), events)


async def test_a_run_of_enrolments_stores_each_person_as_their_last_enrolment_says(pool, units, enrolments_taken):
    program = f"enrol-{uuid4().hex[:8]}"
    new, twice, known = uuid4(), uuid4(), uuid4()
    await take(units, enrolments_taken, [enrolled(known, program_id=program, department="Sales", grade=2)])
    async with pool.acquire() as conn:
        await conn.execute(
            f"UPDATE {SCHEMA}.participants SET enrolled_at = $2 WHERE participant_id = $1",
            known,
            datetime.now(UTC) - timedelta(days=30),
        )
    await take(
        units,
        enrolments_taken,
        [
            enrolled(new, program_id=program, role="mentee", department="Finance", grade=6),
            enrolled(twice, program_id=program, department="Legal", grade=1),
            enrolled(known, program_id=program, department="Marketing", grade=2),
            enrolled(twice, program_id=program, department="Design", grade=1),
        ],
    )
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT participant_id, role, department, enrolled_at < now() - interval '1 day' AS long_ago"
            f" FROM {SCHEMA}.participants WHERE program_id = $1",
            program,
        )
    stored = {row["participant_id"]: (row["role"], row["department"], row["long_ago"]) for row in rows}
    assert stored == {
        new: ("mentee", "Finance", False),
        twice: ("mentor", "Design", False),
        known: ("mentor", "Marketing", True),
    }


async def test_a_run_of_enrolments_costs_as_many_statements_for_ten_as_for_a_hundred(units, enrolments_taken):
    async def statements(count: int) -> int:
        log: list[str] = []
        await take(units, enrolments_taken, [enrolled(program_id="intake") for _ in range(count)], log)
        return len(log)

    await statements(3)  # the connection learns the types once
    assert 0 < await statements(10) == await statements(100)

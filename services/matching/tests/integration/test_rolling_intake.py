"""A batch of enrolments in a rolling program on the real Postgres: matched together, its newcomers make exactly the
pairs and notices that taking them one batch at a time makes, with a number of statements that does not grow with
the batch. Each run is rolled back, so both start from the same program."""

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast
from uuid import uuid4

import asyncpg
import pytest

from flipside_devstack.factories import enrolled, office_hours
from flipside_devstack.kafka_io import envelope
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_matching.domain.taxonomy import Taxonomy
from flipside_matching.matcher import Matcher
from flipside_matching.repository import MatchingRepository
from flipside_shared.clock import FixedClock
from flipside_shared.envelope import Envelope
from flipside_shared.events import PairCreated, ParticipantEnrolled
from flipside_shared.service import connect_pool
from flipside_shared.unit_of_work import UnitOfWork

PROGRAM = f"rolling-intake-{uuid4().hex[:8]}"
MATCHER = Matcher(Taxonomy.load(), FixedClock(datetime(2026, 3, 4, 10, tzinfo=UTC)))
TOPICS = ["strategy", "TikTok", "python", "negotiation", "design"]


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        configure_program(service.url, PROGRAM)
        yield service


@pytest.fixture
async def conn(sandbox, matching):
    pool = await connect_pool(sandbox.database_url, "matching", 1)
    async with pool.acquire() as conn:
        yield conn
    await pool.close()


def people(count: int, seed: int) -> list[ParticipantEnrolled]:
    """A mix that gives rolling matching all it does: pairs, ties, people no one enrolled could partner (too senior a
    mentor, hours no one shares, someone everyone excludes), later fits for them, reporting lines and capacity."""
    draw = random.Random(seed)
    made: list[ParticipantEnrolled] = []
    for index in range(count):
        role = draw.choice(["mentor", "mentee", "mentee", "either"])
        earlier = [p.participant_id for p in made]
        made.append(
            enrolled(
                program_id=PROGRAM,
                role=role,
                grade=draw.randrange(16),
                capacity=draw.choice([1, 1, 2, 3]),
                email=f"p{seed}-{index}@example.com",
                department=draw.choice(["Engineering", "Finance", "Sales"]),
                working_hours=office_hours(*draw.choice([(9, 17), (9, 17), (2, 5)])),
                skills=[{"name": draw.choice(TOPICS), "level": 4}],
                goals=[{"name": draw.choice(TOPICS), "priority": 4}],
                manager_id=draw.choice(earlier) if earlier and draw.random() < 0.2 else None,
                exclusions=[draw.choice(earlier)] if earlier and draw.random() < 0.2 else [],
            )
        )
    return made


async def enrol(conn: asyncpg.Connection, batches: Sequence[Sequence[Envelope]]) -> None:
    for batch in batches:
        await MATCHER.participants_enrolled(unit(conn, batch), [sent.event for sent in batch])


def unit(conn: asyncpg.Connection, batch: Sequence[Envelope]) -> UnitOfWork[MatchingRepository]:
    return UnitOfWork(
        conn=conn,
        source="/flipside/matching",
        repository=MatchingRepository(conn),
        causes={id(sent.event): sent for sent in batch},
    )


async def outcome(conn: asyncpg.Connection, batches: Sequence[Sequence[Envelope]]) -> dict:
    """What enrolling these batches in order emits and stores, the transaction then rolled back."""
    transaction = conn.transaction()
    await transaction.start()
    try:
        emitted = []
        for batch in batches:
            uow = unit(conn, batch)
            await MATCHER.participants_enrolled(uow, [sent.event for sent in batch])
            emitted += [
                (sent.causation_id, sent.event.model_dump(mode="json", exclude={"pair_id"})) for sent in uow.emitted
            ]
        return {
            "emitted": emitted,
            "pairs": await rows(
                conn,
                "SELECT mentor_id, mentee_id, score, reasons, breakdown, origin FROM pairs WHERE program_id = $1",
            ),
            "told": await rows(
                conn,
                "SELECT u.participant_id, u.run_id, u.reasons FROM unmatched u JOIN participants p USING (participant_id)"
                " WHERE p.program_id = $1",
            ),
            "room": await rows(conn, "SELECT participant_id, active_pairs FROM participants WHERE program_id = $1"),
        }
    finally:
        await transaction.rollback()


async def rows(conn: asyncpg.Connection, query: str) -> list[tuple]:
    return sorted(tuple(str(value) for value in row.values()) for row in await conn.fetch(query, PROGRAM))


async def test_a_batch_of_newcomers_makes_the_pairs_and_notices_that_one_at_a_time_makes(conn):
    already = people(30, seed=1)
    await enrol(conn, [[envelope(person)] for person in already])  # committed: the program they arrive in
    arriving = [envelope(person) for person in people(60, seed=2)]

    one_at_a_time = await outcome(conn, [[sent] for sent in arriving])
    together = await outcome(conn, [arriving])

    assert together == one_at_a_time
    kinds = ["paired" if "mentor" in event else "told" for _, event in together["emitted"]]
    assert kinds.count("paired") > 5 and kinds.count("told") > 0, kinds
    newcomers = {str(sent.event.participant_id) for sent in arriving}
    told_before = await rows(
        conn,
        "SELECT u.participant_id FROM unmatched u JOIN participants p USING (participant_id) WHERE p.program_id = $1",
    )
    assert told_before, "someone enrolled before the batch waits, told that no one could partner them"
    assert {told for (told,) in told_before} - {row[0] for row in together["told"]}, (
        "a newcomer who could partner someone told otherwise clears the notice"
    )
    assert newcomers & {row[0] for row in together["told"]}


class Counted:
    """A connection that counts the statements sent through it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.statements = 0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._conn, name)
        if name not in {"execute", "executemany", "fetch", "fetchrow", "fetchval"}:
            return found

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.statements += 1
            return await found(*args, **kwargs)

        return counted


async def test_a_batch_takes_as_many_statements_whatever_its_size(conn):
    counts = []
    for seed, size in ((3, 5), (4, 60)):
        batch = [envelope(person) for person in people(size, seed)]
        counted = Counted(conn)
        transaction = conn.transaction()
        await transaction.start()
        try:
            uow = unit(cast(asyncpg.Connection, counted), batch)
            await MATCHER.participants_enrolled(uow, [sent.event for sent in batch])
        finally:
            await transaction.rollback()
        assert any(isinstance(sent.event, PairCreated) for sent in uow.emitted)
        counts.append(counted.statements)
    assert counts[0] == counts[1], counts

"""A batch of enrolments in a rolling program on the real Postgres: matched together, its newcomers make exactly the
pairs and notices that taking them one batch at a time makes, with a number of statements that does not grow with
the batch. Each run is rolled back, so both start from the same program.

A replica keeps the standing a committed batch leaves for the next one: the next batch then makes what reading the
program makes, and the program is read again after anyone else wrote to it, or after the batch rolled back."""

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, cast
from uuid import uuid4

import asyncpg
import pytest

from flipside_devstack.factories import enrolled, office_hours
from flipside_devstack.kafka_io import envelope
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_matching.domain.rolling import ProgramStanding
from flipside_matching.domain.taxonomy import Taxonomy
from flipside_matching.matcher import Matcher
from flipside_matching.repository import MatchingRepository
from flipside_shared.clock import FixedClock
from flipside_shared.envelope import Envelope
from flipside_shared.events import (
    PairCreated,
    PairDissolved,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUpdated,
    ParticipantWithdrawn,
)
from flipside_shared.service import connect_pool
from flipside_shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

PROGRAM = f"rolling-intake-{uuid4().hex[:8]}"
CLOCK = FixedClock(datetime(2026, 3, 4, 10, tzinfo=UTC))
MATCHER = Matcher(Taxonomy.load(), CLOCK)
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


def people(count: int, seed: int, program: str = PROGRAM) -> list[ParticipantEnrolled]:
    """A mix that gives rolling matching all it does: pairs, ties, people no one enrolled could partner (too senior a
    mentor, hours no one shares, someone everyone excludes), later fits for them, reporting lines and capacity."""
    draw = random.Random(seed)
    made: list[ParticipantEnrolled] = []
    for index in range(count):
        role = draw.choice(["mentor", "mentee", "mentee", "either"])
        earlier = [p.participant_id for p in made]
        made.append(
            enrolled(
                program_id=program,
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


async def outcome(conn: asyncpg.Connection, batches: Sequence[Sequence[Envelope]], program: str = PROGRAM) -> dict:
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
        return {"emitted": emitted, **await stored(conn, program)}
    finally:
        await transaction.rollback()


async def stored(conn: asyncpg.Connection, program: str) -> dict:
    """The program's pairs, notices and everyone's room."""
    return {
        "pairs": await rows(
            conn,
            "SELECT mentor_id, mentee_id, score, reasons, breakdown, origin FROM pairs WHERE program_id = $1",
            program,
        ),
        "told": await rows(
            conn,
            "SELECT u.participant_id, u.run_id, u.reasons FROM unmatched u JOIN participants p USING (participant_id)"
            " WHERE p.program_id = $1",
            program,
        ),
        "room": await rows(
            conn, "SELECT participant_id, active_pairs FROM participants WHERE program_id = $1", program
        ),
    }


async def rows(conn: asyncpg.Connection, query: str, program: str = PROGRAM) -> list[tuple]:
    return sorted(tuple(str(value) for value in row.values()) for row in await conn.fetch(query, program))


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


READ: list[str] = []
"""The programs whose standing was read from the database, in order, by the replicas below."""


class ReadCounted(MatchingRepository):
    async def rolling_standing(self, program_id: str) -> ProgramStanding:
        READ.append(program_id)
        return await super().rolling_standing(program_id)


@pytest.fixture
async def replicas(sandbox, matching):
    """Two replicas of matching, each with its own pool and its own kept standings, counting what they read."""
    pools = [await connect_pool(sandbox.database_url, "matching", 2) for _ in range(2)]
    READ.clear()
    yield [
        (
            Matcher(Taxonomy.load(), CLOCK),
            UnitOfWorkFactory(pool, "/flipside/matching", sandbox.topic_prefix, ReadCounted),
        )
        for pool in pools
    ]
    for pool in pools:
        await pool.close()


Replica = tuple[Matcher, UnitOfWorkFactory[MatchingRepository]]


async def committed(conn: asyncpg.Connection, replica: Replica, batch: Sequence[Envelope], program: str) -> dict:
    """What the replica emits and stores enrolling the batch in a transaction of its own, committed."""
    matcher, units = replica
    async with units.begin_batch() as work:
        uow = work.unit(causes=batch)
        await matcher.participants_enrolled(uow, [sent.event for sent in batch])
    emitted = [(sent.causation_id, sent.event.model_dump(mode="json", exclude={"pair_id"})) for sent in uow.emitted]
    return {"emitted": emitted, **await stored(conn, program)}


async def read_and_kept(conn: asyncpg.Connection, replica: Replica, batch: Sequence[Envelope], program: str):
    """The batch's outcome reading the program (rolled back), then the replica's, committed."""
    return await outcome(conn, [batch], program), await committed(conn, replica, batch, program)


def new_program(service) -> str:
    program = f"rolling-kept-{uuid4().hex[:8]}"
    configure_program(service.url, program)
    return program


async def test_a_kept_standing_makes_what_reading_the_program_makes_batch_after_batch(conn, matching, replicas):
    program = new_program(matching)
    arriving = [envelope(person) for person in people(120, seed=6, program=program)]
    made = []
    for start in range(0, len(arriving), 20):
        read, kept = await read_and_kept(conn, replicas[0], arriving[start : start + 20], program)
        assert kept == read
        made += [event for _, event in kept["emitted"]]
    assert [program] == READ, "read for the first batch only"
    kinds = ["paired" if "mentor" in event else "told" for event in made]
    assert kinds.count("paired") > 20 and kinds.count("told") > 0, kinds


Write = Literal["enrolment", "update", "withdrawal", "erasure", "dissolution"]


@pytest.mark.parametrize("write", ["enrolment", "update", "withdrawal", "erasure", "dissolution"])
async def test_a_write_by_another_replica_between_two_batches_is_seen_by_the_next(
    conn, matching, replicas, write: Write
) -> None:
    program = new_program(matching)
    first = [envelope(person) for person in people(40, seed=7, program=program)]
    await committed(conn, replicas[0], first, program)
    other_matcher, other_units = replicas[1]
    some = [sent.event for sent in first[:15]]
    if write == "enrolment":
        await committed(
            conn, replicas[1], [envelope(person) for person in people(20, seed=8, program=program)], program
        )
    for person in some if write in ("update", "withdrawal", "erasure") else []:
        async with other_units.begin() as uow:
            if write == "update":  # room for more pairs
                profile = person.profile.model_copy(update={"capacity": 3})
                await other_matcher.participant_updated(
                    uow, ParticipantUpdated(participant_id=person.participant_id, profile=profile)
                )
            elif write == "withdrawal":
                await other_matcher.participant_withdrawn(
                    uow,
                    ParticipantWithdrawn(
                        participant_id=person.participant_id, program_id=program, withdrawn_at=CLOCK.now()
                    ),
                )
            else:
                await other_matcher.participant_erased(
                    uow, ParticipantErased(participant_id=person.participant_id, erased_at=CLOCK.now())
                )
        # A withdrawal's pairs end as its dissolutions are handled: here, before the next batch, and not whenever
        # the running service consumes them (it then finds them ended).
        for dissolved in [
            sent.event for sent in uow.emitted if isinstance(sent, Envelope) and isinstance(sent.event, PairDissolved)
        ]:
            async with other_units.begin() as then:
                await other_matcher.pair_dissolved(then, dissolved)
    if write == "dissolution":
        pairs = await conn.fetch("SELECT pair_id FROM pairs WHERE program_id = $1 AND status = 'active'", program)
        assert pairs
        for pair in pairs:
            async with other_units.begin() as uow:
                dissolved = PairDissolved(
                    pair_id=pair["pair_id"], program_id=program, reason="admin", rematch=False, dissolved_at=CLOCK.now()
                )
                await other_matcher.pair_dissolved(uow, dissolved)
    READ.clear()

    read, kept = await read_and_kept(
        conn, replicas[0], [envelope(p) for p in people(40, seed=9, program=program)], program
    )

    assert kept == read
    assert [program] == READ, "the program is read again once someone else wrote to it"
    assert any("mentor" in event for _, event in kept["emitted"])


async def failing_once_matched(replica: Replica, batch: Sequence[Envelope]) -> None:
    """The batch matched, and then its transaction failing: rolled back."""
    matcher, units = replica
    async with units.begin_batch() as work:
        uow = work.unit(causes=batch)
        await matcher.participants_enrolled(uow, [sent.event for sent in batch])
        assert any(isinstance(sent.event, PairCreated) for sent in uow.emitted)
        raise RuntimeError("the batch fails once matched")


async def test_a_batch_rolled_back_leaves_no_standing_to_keep(conn, matching, replicas):
    program = new_program(matching)
    await committed(conn, replicas[0], [envelope(person) for person in people(40, seed=10, program=program)], program)
    failing = [envelope(person) for person in people(40, seed=11, program=program)]
    with pytest.raises(RuntimeError, match="fails once matched"):
        await failing_once_matched(replicas[0], failing)
    READ.clear()

    read, kept = await read_and_kept(
        conn, replicas[0], [envelope(p) for p in people(40, seed=12, program=program)], program
    )

    assert kept == read
    assert [program] == READ, "the standing the rolled-back batch left is not kept"


async def test_a_pair_made_across_programs_after_a_batch_in_its_transaction_is_seen_by_the_next(
    conn, matching, replicas
):
    program, elsewhere = new_program(matching), f"rolling-kept-{uuid4().hex[:8]}"
    configure_program(matching.url, elsewhere, start="cohort_run")
    mentor = enrolled(program_id=elsewhere, role="mentor", grade=3, email=f"mentor-{elsewhere}@example.com")
    await committed(conn, replicas[0], [envelope(mentor)], elsewhere)
    matcher, units = replicas[0]
    batch = [envelope(person) for person in people(40, seed=13, program=program)]
    async with units.begin_batch() as work:
        await matcher.participants_enrolled(work.unit(causes=batch), [sent.event for sent in batch])
        waiting = await work.conn.fetchval(
            "SELECT participant_id FROM participants WHERE program_id = $1 AND active_pairs = 0 AND role <> 'mentor'"
            " ORDER BY participant_id LIMIT 1",
            program,
        )
        await matcher.pair_by_hand(work.unit(), elsewhere, mentor.participant_id, waiting, override=True)
    READ.clear()

    read, kept = await read_and_kept(
        conn, replicas[0], [envelope(p) for p in people(40, seed=14, program=program)], program
    )

    assert kept == read
    assert [program] == READ, "the pair made after the batch, in its transaction, stamped the program again"

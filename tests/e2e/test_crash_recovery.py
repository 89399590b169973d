"""Crashes and restarts mid-stream: numbered enrolments, every number accounted for exactly once."""

import asyncio
import random
from collections import Counter
from uuid import uuid4

import asyncpg
import pytest

from flipside_shared.events import PairCreated, SessionScheduled
from flipside_shared.testing.factories import mentor_and_mentee
from flipside_shared.testing.fixtures import Sandbox
from flipside_shared.testing.kafka_io import TopicReader, envelope, publish
from flipside_shared.testing.programs import configure_program
from flipside_shared.testing.service_process import ServiceProcess

COUPLES = 1000  # 2,000 numbered enrolments
RUN = uuid4().hex[:8]  # program ids of this run, so a reused database holds no surprises


@pytest.fixture
def services(stack, tmp_path):
    """Matching and scheduling in a sandbox of this test's own."""
    sandbox = Sandbox.on(stack)
    running = {name: ServiceProcess(name, sandbox.env(), tmp_path) for name in ("matching", "scheduling")}
    for service in running.values():
        service.start()
    yield sandbox, running
    for service in running.values():
        service.stop()


def numbered_cohort(services, program_id: str, couples: int):
    """Numbered couples of one new program, created in matching first."""
    configure_program(services[1]["matching"].url, program_id)
    return [event for index in range(couples) for event in mentor_and_mentee(program_id=program_id, index=index)]


async def wait_for_pairs(sandbox, program_id, expected, timeout=180.0):
    prefix = sandbox.topic_prefix
    async with TopicReader(sandbox.bootstrap_servers, [f"{prefix}pairs", f"{prefix}sessions"]) as reader:
        def done(_):
            pairs = {e.event.pair_id for e in reader.events(PairCreated) if e.event.program_id == program_id}
            sessions = {e.event.pair_id for e in reader.events(SessionScheduled) if e.event.program_id == program_id}
            return len(pairs) >= expected and len(sessions) >= expected

        await reader.read_until(done, timeout=timeout)
        await reader.drain(2)  # anything wrong, such as a second pair, would arrive now
        return reader.events(PairCreated), reader.events(SessionScheduled)


async def assert_every_number_once(sandbox, cohort, pair_events, session_events):
    program_id = cohort[0].profile.program_id
    ids = {e.participant_id for e in cohort}
    pairs = {e.event.pair_id: e.event for e in pair_events if e.event.program_id == program_id}
    paired = Counter(p for pair in pairs.values() for p in (pair.mentor.participant_id, pair.mentee.participant_id))
    assert set(paired) == ids and set(paired.values()) == {1}, "every participant in exactly one pair"
    sessions = Counter(e.event.pair_id for e in {e.id: e for e in session_events}.values() if e.event.program_id == program_id)
    assert set(sessions) == set(pairs) and set(sessions.values()) == {1}, "exactly one kickoff per pair"
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        stored = await conn.fetch(
            "SELECT participant_id, active_pairs FROM matching.participants WHERE program_id = $1", program_id
        )
        assert {r["participant_id"] for r in stored} == ids and {r["active_pairs"] for r in stored} == {1}
        assert await conn.fetchval("SELECT count(*) FROM matching.pairs WHERE program_id = $1", program_id) == len(ids) // 2
        kickoffs = await conn.fetchval(
            "SELECT count(*) FROM scheduling.sessions WHERE pair_id = ANY($1::uuid[])", list(pairs)
        )
        assert kickoffs == len(pairs)
    finally:
        await conn.close()


async def test_matching_killed_mid_stream_loses_and_duplicates_nothing(stack, services):
    sandbox, running = services
    cohort = numbered_cohort(services, f"sigkill-{RUN}", COUPLES)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(e) for e in cohort])
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        # Kill once a random share of the cohort is in, while the stream is still flowing.
        threshold = random.Random(3).randint(200, 1200)
        while await conn.fetchval("SELECT count(*) FROM matching.participants WHERE program_id = $1", f"sigkill-{RUN}") < threshold:
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    running["matching"].kill()
    running["matching"].start()
    pairs, sessions = await wait_for_pairs(sandbox, f"sigkill-{RUN}", COUPLES)
    await assert_every_number_once(sandbox, cohort, pairs, sessions)


async def test_postgres_restart_mid_stream_is_retried_and_loses_nothing(stack, services):
    sandbox, _ = services
    cohort = numbered_cohort(services, f"pg-restart-{RUN}", 250)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(e) for e in cohort])
    await asyncio.sleep(0.5)
    assert stack.postgres is not None, "restarting PostgreSQL needs the local stack, not an external DATABASE_URL"
    stack.postgres.restart()
    pairs, sessions = await wait_for_pairs(sandbox, f"pg-restart-{RUN}", 250)
    await assert_every_number_once(sandbox, cohort, pairs, sessions)


async def test_relay_crash_between_publish_and_mark_has_no_second_effect(stack, services):
    sandbox, _ = services
    cohort = numbered_cohort(services, f"relay-crash-{RUN}", 50)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(e) for e in cohort])
    await wait_for_pairs(sandbox, f"relay-crash-{RUN}", 50)
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        # The state a relay leaves when killed after publishing and before marking: published, unmarked.
        republished = await conn.fetchval(
            "WITH reset AS (UPDATE matching.outbox SET sent_at = NULL"
            " WHERE topic = $1 AND convert_from(payload, 'UTF8') LIKE '%' || $2 || '%' RETURNING 1) SELECT count(*) FROM reset",
            f"{sandbox.topic_prefix}pairs",
            f"relay-crash-{RUN}",
        )
        assert republished == 50
    finally:
        await conn.close()
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}pairs"]) as reader:
        await reader.read_until(
            lambda _: sum(e.event.program_id == f"relay-crash-{RUN}" for e in reader.events(PairCreated)) >= 100
        )
    pairs, sessions = await wait_for_pairs(sandbox, f"relay-crash-{RUN}", 50)
    assert sum(e.event.program_id == f"relay-crash-{RUN}" for e in pairs) == 100, "each PairCreated is on the topic twice"
    await assert_every_number_once(sandbox, cohort, pairs, sessions)

"""A pair that ends or a participant who is erased: their future sessions and timers are off, and people are told."""

from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import PairDissolved, ParticipantErased, SessionCancelled, SessionScheduled


@pytest.fixture(scope="module")
def scheduling(sandbox, tmp_path_factory):
    """On the real clock: kickoffs are days away, so nothing fires during the test."""
    with ServiceProcess("scheduling", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


async def test_dissolution_and_erasure_cancel_future_sessions_and_their_timers(sandbox, scheduling):
    ending, losing_one = pair_created(), pair_created()
    topics = [f"{sandbox.topic_prefix}sessions"]
    async with TopicReader(sandbox.bootstrap_servers, topics) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(ending), envelope(losing_one)])
        await reader.read_until(lambda _: len(reader.events(SessionScheduled)) >= 2)
        dissolved = PairDissolved(
            pair_id=ending.pair_id,
            program_id="pilot",
            reason="mismatch",
            dissolved_at=datetime.now(UTC),
        )
        erased = ParticipantErased(participant_id=losing_one.mentee.participant_id, erased_at=datetime.now(UTC))
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [envelope(dissolved), envelope(dissolved), envelope(erased)],
        )
        await reader.read_until(lambda _: len(reader.events(SessionCancelled)) >= 2)
        await reader.drain(2)
        cancelled = {e.event.pair_id: e.event for e in reader.events(SessionCancelled)}
        scheduled = {e.event.pair_id: e.event for e in reader.events(SessionScheduled)}
    assert len(reader.events(SessionCancelled)) == 2, "once each, although the dissolution came twice"
    assert cancelled[ending.pair_id].reason == "pair_dissolved"
    assert set(cancelled[ending.pair_id].participant_ids) == {
        ending.mentor.participant_id,
        ending.mentee.participant_id,
    }
    assert cancelled[losing_one.pair_id].participant_ids == [losing_one.mentor.participant_id], (
        "only the partner is told"
    )
    assert cancelled[ending.pair_id].session_id == scheduled[ending.pair_id].session_id
    async with httpx.AsyncClient(headers=admin_headers(), base_url=scheduling.url) as client:
        sessions = (await client.get(f"/pairs/{ending.pair_id}/sessions")).json()
    assert [s["status"] for s in sessions] == ["cancelled"]
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        pending = await conn.fetchval(
            "SELECT count(*) FROM scheduling.timers t JOIN scheduling.sessions s USING (session_id)"
            " WHERE s.pair_id = ANY($1::uuid[]) AND t.status = 'pending'",
            [ending.pair_id, losing_one.pair_id],
        )
    finally:
        await conn.close()
    assert pending == 0, "no reminder or check-in for a session that will not happen"

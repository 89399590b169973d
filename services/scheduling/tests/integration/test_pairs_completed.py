"""A pair whose program ended (`PairCompleted`): its future sessions are cancelled and no reminder or check-in
of it fires, while a pair still running gets both, on an accelerated clock."""

from datetime import UTC, datetime

import asyncpg
import pytest

from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import CheckInDue, PairCompleted, ReminderDue, SessionCancelled, SessionScheduled

HOLIDAY_FREE_MONDAY = datetime(2027, 8, 2, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def scheduling(sandbox, tmp_path_factory):
    """One simulated hour per real second from a Monday morning: kickoffs come within the minute, reminders an hour
    before them."""
    now = datetime.now(UTC)
    env = sandbox.env(
        FLIPSIDE_SCHEDULING_CLOCK_RATE="3600",
        FLIPSIDE_SCHEDULING_CLOCK_EPOCH=now.isoformat(),
        FLIPSIDE_SCHEDULING_CLOCK_OFFSET=f"P{(HOLIDAY_FREE_MONDAY - now).days}D",
        FLIPSIDE_SCHEDULING_TIMER_POLL_SECONDS="0.02",
        FLIPSIDE_SCHEDULING_REMINDER_MINUTES_BEFORE="[60]",
    )
    with ServiceProcess("scheduling", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


async def test_a_completed_pair_has_its_sessions_cancelled_and_no_reminder_or_check_in(sandbox, scheduling):
    one, other = pair_created(), pair_created()
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}sessions"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(one), envelope(other)])
        await reader.read_until(lambda _: len(reader.events(SessionScheduled)) >= 2)
        kickoffs = {e.event.pair_id: e.event.starts_at for e in reader.events(SessionScheduled)}
        # The pair whose kickoff comes first completes: the other's check-in then proves its timers would have fired.
        ending, running = sorted((one, other), key=lambda pair: kickoffs[pair.pair_id])
        completed = PairCompleted(
            pair_id=ending.pair_id,
            program_id=ending.program_id,
            mentor_id=ending.mentor.participant_id,
            mentee_id=ending.mentee.participant_id,
            reason="program_completed",
            completed_at=datetime.now(UTC),
        )
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(completed), envelope(completed)])
        await reader.read_until(
            lambda _: any(e.event.pair_id == running.pair_id for e in reader.events(CheckInDue)), timeout=120
        )
        await reader.drain(2)

    [cancelled] = [e.event for e in reader.events(SessionCancelled) if e.event.pair_id == ending.pair_id]
    assert cancelled.reason == "pair_dissolved", "the pair ended: the reason version 2 knows"
    assert set(cancelled.participant_ids) == {ending.mentor.participant_id, ending.mentee.participant_id}
    timers = [e.event.pair_id for e in reader.events() if isinstance(e.event, ReminderDue | CheckInDue)]
    assert ending.pair_id not in timers, "no reminder or check-in for a pair that ended"
    assert timers.count(running.pair_id) >= 2, "the running pair got its reminder and its check-in"
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        series = await conn.fetchval("SELECT status FROM scheduling.series WHERE pair_id = $1", ending.pair_id)
    finally:
        await conn.close()
    assert series == "completed", "no next session is booked for it"

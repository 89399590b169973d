"""An outage: the scheduler is stopped, the world moves on by days, and on restart overdue timers settle as
the policy says (a reminder whose session has begun is dropped, a check-in still fires), once."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, count_of, envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import CheckInDue, ReminderDue, SessionScheduled


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    return tmp_path_factory.mktemp("logs")


async def test_after_days_down_reminders_of_begun_sessions_are_dropped_and_check_ins_fire_once(sandbox, logs):
    # 48 hours of notice: the kickoff's 24-hour reminder is still ahead when the scheduler goes down.
    env = sandbox.env(FLIPSIDE_SCHEDULING_MIN_NOTICE_HOURS="48", FLIPSIDE_SCHEDULING_TIMER_POLL_SECONDS="0.05")
    pair = pair_created()
    topics = [f"{sandbox.topic_prefix}sessions"]
    async with TopicReader(sandbox.bootstrap_servers, topics) as reader:
        with ServiceProcess("scheduling", env, logs):
            await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair)])
            await reader.read_until(count_of(SessionScheduled), timeout=60)
        kickoff = reader.events(SessionScheduled)[0].event

        # Down until two hours after the kickoff began: a day and more of simulated outage.
        outage = kickoff.starts_at + timedelta(hours=2) - datetime.now(UTC)
        assert outage > timedelta(days=1)
        later = {"FLIPSIDE_SCHEDULING_CLOCK_OFFSET": f"PT{int(outage.total_seconds())}S"}
        for _ in range(2):  # and a second restart changes nothing
            with ServiceProcess("scheduling", {**env, **later}, logs):
                await reader.read_until(count_of(CheckInDue), timeout=60)
                await reader.drain(3)

    # Fired once: one event id (the relay may publish a copy of it again on shutdown; inboxes absorb copies).
    assert {(e.id, e.event.session_id) for e in reader.events(CheckInDue)} == {
        (reader.events(CheckInDue)[0].id, kickoff.session_id)
    }
    assert reader.events(ReminderDue) == [], "reminders for a session already begun are not sent"
    next_session = list({e.id: e.event for e in reader.events(SessionScheduled) if e.event.occurrence == 1}.values())
    assert len(next_session) == 1 and next_session[0].starts_at > kickoff.starts_at + timedelta(hours=2), (
        "booked from the restart on"
    )
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        timers = await conn.fetch(
            "SELECT kind, status FROM scheduling.timers WHERE session_id = $1 ORDER BY kind", kickoff.session_id
        )
    finally:
        await conn.close()
    assert [(t["kind"], t["status"]) for t in timers] == [
        ("check_in", "fired"),
        ("reminder", "dropped"),
        ("reminder", "dropped"),
    ]

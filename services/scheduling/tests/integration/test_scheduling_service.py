"""Scheduling as real processes on the real broker and Postgres, on an accelerated clock: two replicas
book kickoffs and fire more than 10,000 durable timers between them, each exactly once."""

from collections import Counter
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from icalendar import Calendar

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, count_of, envelope, publish
from flipside_devstack.links import calendar_feed_link
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import CheckInDue, ReminderDue, SessionScheduled

PAIRS = 920
# Eleven reminders and a check-in per session: more than 10,000 timers for 920 kickoffs.
REMINDERS = "[1440, 720, 360, 240, 180, 120, 90, 60, 30, 15, 5]"
PROGRAM = "timers"


@pytest.fixture(scope="module")
def schedulers(sandbox, tmp_path_factory):
    """Two replicas sharing one accelerated clock: six simulated hours per real second."""
    env = sandbox.env(
        FLIPSIDE_SCHEDULING_CLOCK_RATE="21600",
        FLIPSIDE_SCHEDULING_CLOCK_EPOCH=datetime.now(UTC).isoformat(),
        FLIPSIDE_SCHEDULING_TIMER_POLL_SECONDS="0.02",
        FLIPSIDE_SCHEDULING_REMINDER_MINUTES_BEFORE=REMINDERS,
    )
    logs = tmp_path_factory.mktemp("logs")
    replicas = [ServiceProcess("scheduling", env, logs).start() for _ in range(2)]
    # One week of program: the kickoff is its only session, so the timers are exactly the kickoffs'.
    httpx.put(
        f"{replicas[0].url}/programs/{PROGRAM}/schedule", json={"length_weeks": 1}, headers=admin_headers()
    ).raise_for_status()
    yield replicas
    for replica in replicas:
        replica.stop()


async def test_every_pair_gets_one_kickoff_and_10000_timers_fire_once_each_across_two_replicas(sandbox, schedulers):
    pairs = [pair_created(program_id=PROGRAM) for _ in range(PAIRS)]
    redelivered = envelope(pairs[0])
    await publish(
        sandbox.bootstrap_servers, sandbox.topic_prefix, [redelivered, redelivered] + [envelope(p) for p in pairs[1:]]
    )
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}sessions"]) as reader:
        await reader.read_until(lambda records: count_of(CheckInDue)(records) >= PAIRS, timeout=240)
        await reader.drain(3)
        scheduled = reader.events(SessionScheduled)
        check_ins = reader.events(CheckInDue)
        reminders = reader.events(ReminderDue)

    assert Counter(e.event.pair_id for e in scheduled) == Counter({p.pair_id: 1 for p in pairs})
    assert Counter(e.event.session_id for e in check_ins) == Counter({e.event.session_id: 1 for e in scheduled})
    assert len({(e.event.session_id, e.event.minutes_before) for e in reminders}) == len(reminders), "no reminder twice"
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        settled = dict(await conn.fetch("SELECT status, count(*) FROM scheduling.timers GROUP BY status"))
    finally:
        await conn.close()
    assert sum(settled.values()) >= 10_000 and settled.get("pending", 0) == 0
    assert settled["fired"] == len(reminders) + len(check_ins), "every timer fired is published once, and only those"

    kickoff = scheduled[0].event
    assert kickoff.mentor.local_start.utcoffset() is not None and kickoff.mentor.time_zone == "Europe/Berlin"
    assert kickoff.mentee.local_start.astimezone(UTC) == kickoff.starts_at

    assert scheduled[0].type == "flipside.session.scheduled.v2", (
        "no feed address on the topic: it is made for the e-mail only"
    )
    mentor_feed = calendar_feed_link(schedulers[1].url, kickoff.mentor.participant_id)
    token = mentor_feed.rsplit("/", 1)[1].removesuffix(".ics")
    async with httpx.AsyncClient(headers=admin_headers(), base_url=schedulers[1].url) as client:
        sessions = (await client.get(f"/pairs/{kickoff.pair_id}/sessions")).json()
        feed = await client.get(f"/calendars/{token}.ics")
        forged = await client.get(f"/calendars/{token[:-4]}AAAA.ics")
        guessed = await client.get(f"/participants/{kickoff.mentor.participant_id}/sessions.ics")
    assert [s["session_id"] for s in sessions] == [str(kickoff.session_id)]
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"{kickoff.session_id}@flipside"]
    assert forged.status_code == 403 and guessed.status_code == 404, "a feed opens only with its own token"

"""Scheduling as real processes on the real broker and Postgres, on an accelerated clock."""

from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from icalendar import Calendar

from flipside_shared.events import CheckInDue, ReminderDue, SessionScheduled
from flipside_shared.testing.factories import pair_created
from flipside_shared.testing.kafka_io import TopicReader, envelope, publish
from flipside_shared.testing.service_process import ServiceProcess

PAIRS = 60


@pytest.fixture(scope="module")
def schedulers(sandbox, tmp_path_factory):
    """Two replicas sharing one accelerated clock: one simulated day per real second."""
    env = sandbox.env(
        FLIPSIDE_SCHEDULING_CLOCK_RATE="86400",
        FLIPSIDE_SCHEDULING_CLOCK_EPOCH=datetime.now(UTC).isoformat(),
        FLIPSIDE_SCHEDULING_TIMER_POLL_SECONDS="0.02",
    )
    logs = tmp_path_factory.mktemp("logs")
    replicas = [ServiceProcess("scheduling", env, logs).start() for _ in range(2)]
    yield replicas
    for replica in replicas:
        replica.stop()


async def test_every_pair_gets_one_kickoff_and_every_timer_fires_once_across_two_replicas(sandbox, schedulers):
    pairs = [pair_created() for _ in range(PAIRS)]
    redelivered = envelope(pairs[0])
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [redelivered, redelivered] + [envelope(p) for p in pairs[1:]])
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}sessions"]) as reader:
        await reader.read_until(lambda _: len(reader.events(CheckInDue)) >= PAIRS, timeout=120)
        await reader.drain(2)
        scheduled = reader.events(SessionScheduled)
        check_ins = reader.events(CheckInDue)
        reminders = reader.events(ReminderDue)

    assert Counter(e.event.pair_id for e in scheduled) == Counter({p.pair_id: 1 for p in pairs})
    assert Counter(e.event.session_id for e in check_ins) == Counter({e.event.session_id: 1 for e in scheduled})
    assert len({(e.event.session_id, e.event.minutes_before) for e in reminders}) == len(reminders)
    kickoff = scheduled[0].event
    assert kickoff.mentor.local_start.utcoffset() is not None and kickoff.mentor.time_zone == "Europe/Berlin"
    assert kickoff.mentee.local_start.astimezone(UTC) == kickoff.starts_at

    mentor_feed, mentee_feed = kickoff.mentor.calendar_feed_url, kickoff.mentee.calendar_feed_url
    assert mentor_feed != mentee_feed and "/calendars/" in mentor_feed
    token = mentor_feed.rsplit("/", 1)[1].removesuffix(".ics")
    async with httpx.AsyncClient(base_url=schedulers[0].url) as client:
        sessions = (await client.get(f"/pairs/{kickoff.pair_id}/sessions")).json()
        feed = await client.get(f"/calendars/{token}.ics")
        forged = await client.get(f"/calendars/{token[:-4]}AAAA.ics")
        guessed = await client.get(f"/participants/{kickoff.mentor.participant_id}/sessions.ics")
    assert [s["session_id"] for s in sessions] == [str(kickoff.session_id)]
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"{kickoff.session_id}@flipside"]
    assert forged.status_code == 403 and guessed.status_code == 404, "a feed opens only with its own token"

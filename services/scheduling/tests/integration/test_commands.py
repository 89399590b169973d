"""Moving and cancelling sessions over HTTP and over Kafka, absences, withdrawal: on the real clock, so
kickoffs are days away and nothing fires while the test runs."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest
from icalendar import Calendar

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import calendar_feed_link
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import (
    PairDissolved,
    ParticipantWithdrawn,
    SchedulingFailed,
    SessionCancellationRequested,
    SessionCancelled,
    SessionCancelledV1,
    SessionRescheduled,
    SessionRescheduleRequested,
    SessionScheduled,
)


@pytest.fixture(scope="module")
def scheduling(sandbox, tmp_path_factory):
    with ServiceProcess("scheduling", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


def next_weekday(moment: datetime) -> datetime:
    moment += timedelta(days=1)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


async def starts_at(sandbox, session_id) -> datetime:
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        return await conn.fetchval("SELECT starts_at FROM scheduling.sessions WHERE session_id = $1", session_id)
    finally:
        await conn.close()


async def test_sessions_move_and_cancel_over_http_and_kafka_and_bad_requests_change_nothing(sandbox, scheduling):
    moved_by_http, moved_by_kafka, cancelled_by_kafka, withdrawing = pairs = [pair_created() for _ in range(4)]
    topics = [f"{sandbox.topic_prefix}sessions", f"{sandbox.topic_prefix}scheduling.dead-letter"]
    async with (
        TopicReader(sandbox.bootstrap_servers, topics) as reader,
        httpx.AsyncClient(headers=admin_headers(), base_url=scheduling.url) as http,
    ):
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(p) for p in pairs])
        await reader.read_until(lambda _: len(reader.events(SessionScheduled)) >= 4)
        kickoffs = {e.event.pair_id: e.event for e in reader.events(SessionScheduled)}
        first = kickoffs[moved_by_http.pair_id]

        # HTTP: bad requests get a clear answer and change nothing.
        past = await http.post(
            f"/sessions/{first.session_id}/reschedule", json={"starts_at": "2020-01-06T15:00:00+00:00"}
        )
        naive = await http.post(f"/sessions/{first.session_id}/reschedule", json={"starts_at": "2030-01-07T15:00:00"})
        night = await http.post(
            f"/sessions/{first.session_id}/reschedule",
            json={"starts_at": (first.starts_at + timedelta(hours=10)).isoformat()},
        )
        unknown = await http.post(f"/sessions/{uuid4()}/reschedule", json={})
        assert (past.status_code, naive.status_code, night.status_code, unknown.status_code) == (409, 422, 409, 404)
        assert "already passed" in past.json()["detail"] and "outside their working hours" in night.json()["detail"]
        assert await starts_at(sandbox, first.session_id) == first.starts_at

        # HTTP: to a chosen time, the next weekday at the same hour.
        chosen = next_weekday(first.starts_at)
        moved = await http.post(
            f"/sessions/{first.session_id}/reschedule",
            json={"starts_at": chosen.isoformat(), "requested_by": str(moved_by_http.mentee.participant_id)},
        )
        assert moved.status_code == 200 and moved.json()["sequence"] == 1
        assert datetime.fromisoformat(moved.json()["starts_at"]) == chosen

        # Kafka: a move without a time, one for a session of another pair, a cancellation.
        second = kickoffs[moved_by_kafka.pair_id]
        third = kickoffs[cancelled_by_kafka.pair_id]
        now = datetime.now(UTC)
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [
                envelope(
                    SessionRescheduleRequested(session_id=second.session_id, pair_id=second.pair_id, requested_at=now)
                ),
                envelope(
                    SessionRescheduleRequested(session_id=second.session_id, pair_id=third.pair_id, requested_at=now)
                ),
                envelope(
                    SessionCancellationRequested(
                        session_id=third.session_id,
                        pair_id=third.pair_id,
                        requested_by=cancelled_by_kafka.mentor.participant_id,
                        requested_at=now,
                    )
                ),
            ],
        )
        await reader.read_until(
            lambda _: reader.events(SessionCancelled) and len(reader.events(SessionRescheduled)) >= 2
        )
        again = await http.post(f"/sessions/{third.session_id}/cancel", json={})
        assert again.status_code == 409 and "cancelled" in again.json()["detail"]

        # An absence over the moved kickoff's day moves it again; a bad absence is refused.
        mentee = moved_by_http.mentee.participant_id
        day = chosen.astimezone(first.mentee.local_start.tzinfo).date()
        reversed_days = await http.put(
            f"/participants/{mentee}/absences",
            json={"absences": [{"first_day": str(day), "last_day": str(day - timedelta(days=1))}]},
        )
        away = await http.put(
            f"/participants/{mentee}/absences", json={"absences": [{"first_day": str(day), "last_day": str(day)}]}
        )
        assert reversed_days.status_code == 422 and "before first_day" in reversed_days.text
        assert away.status_code == 200
        [change] = away.json()["sessions_changed"]
        assert change["reason"] == "participant_unavailable" and change["sequence"] == 2
        assert datetime.fromisoformat(change["mentee"]["local_start"]).date() != day

        # Withdrawal and dissolution end what is left.
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [
                envelope(
                    ParticipantWithdrawn(
                        participant_id=withdrawing.mentor.participant_id, program_id="pilot", withdrawn_at=now
                    )
                ),
                envelope(
                    PairDissolved(
                        pair_id=moved_by_http.pair_id, program_id="pilot", reason="mismatch", dissolved_at=now
                    )
                ),
            ],
        )
        await reader.read_until(lambda _: len(reader.events(SessionCancelled)) >= 3)
        await reader.drain(2)
        feed_url = calendar_feed_link(scheduling.url, first.mentee.participant_id)
        feed = Calendar.from_ical((await http.get(feed_url.replace(scheduling.url, ""))).content).walk("VEVENT")

    rescheduled = {e.event.session_id: e.event for e in reader.events(SessionRescheduled)}
    by_kafka = rescheduled[second.session_id]
    assert by_kafka.reason == "requested" and by_kafka.previous_starts_at == second.starts_at
    assert not (
        by_kafka.starts_at < second.starts_at + timedelta(minutes=45)
        and second.starts_at < by_kafka.starts_at + timedelta(minutes=45)
    )
    assert reader.events(SchedulingFailed) == []
    dead = [dict(r.headers) for r in reader.records if r.topic.endswith("dead-letter")]
    assert [h["dlq_reason"].decode() for h in dead] == [
        f"rejected: session {second.session_id} belongs to another pair than {third.pair_id}"
    ]

    cancelled = {e.event.pair_id: e.event for e in reader.events(SessionCancelled)}
    assert cancelled[cancelled_by_kafka.pair_id].reason == "requested"
    assert cancelled[cancelled_by_kafka.pair_id].requested_by == cancelled_by_kafka.mentor.participant_id
    assert cancelled[withdrawing.pair_id].reason == "participant_withdrawn"
    assert set(cancelled[withdrawing.pair_id].participant_ids) == {
        withdrawing.mentor.participant_id,
        withdrawing.mentee.participant_id,
    }
    assert cancelled[moved_by_http.pair_id].sequence == 3, "after two moves"
    v1 = [e.event for e in reader.events(SessionCancelledV1)]
    assert [e.pair_id for e in v1] == [moved_by_http.pair_id], "version 1 still published, for the reasons it knows"
    next_after_cancel = [
        e.event
        for e in reader.events(SessionScheduled)
        if e.event.pair_id == cancelled_by_kafka.pair_id and e.event.occurrence == 1
    ]
    assert len(next_after_cancel) == 1, "the series goes on after a cancelled session"
    [entry] = feed
    assert (str(entry["status"]), int(entry["sequence"])) == ("CANCELLED", 3)

"""What the portal reads: a person's sessions across their pairs, and the free slots a session could move to.
On the real clock, so kickoffs are days away and nothing fires while the test runs."""

from datetime import datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import participant_headers
from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import SessionScheduled


@pytest.fixture(scope="module")
def scheduling(sandbox, tmp_path_factory):
    with ServiceProcess("scheduling", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_a_mentor_with_two_mentees_sees_both_sessions_and_slots_avoid_the_other_one(sandbox, scheduling):
    first = pair_created()
    second = pair_created(mentor=first.mentor, program_id="second-program")
    mentor, mentee = first.mentor.participant_id, first.mentee.participant_id
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}sessions"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(first), envelope(second)])
        await reader.read_until(lambda _: len(reader.events(SessionScheduled)) >= 2)
    kickoffs = {e.event.pair_id: e.event for e in reader.events(SessionScheduled)}

    async with (
        httpx.AsyncClient(headers=participant_headers(mentor), base_url=scheduling.url) as as_mentor,
        httpx.AsyncClient(headers=participant_headers(mentee), base_url=scheduling.url) as as_mentee,
        httpx.AsyncClient(headers=participant_headers(uuid4()), base_url=scheduling.url) as as_stranger,
    ):
        listed = (await as_mentor.get(f"/participants/{mentor}/sessions")).json()
        assert [s["pair_id"] for s in listed] == [
            str(k.pair_id) for k in sorted(kickoffs.values(), key=lambda k: k.starts_at)
        ], "both pairs, soonest first"
        one = next(s for s in listed if s["pair_id"] == str(first.pair_id))
        kickoff = kickoffs[first.pair_id]
        assert one == {
            "session_id": str(kickoff.session_id),
            "pair_id": str(first.pair_id),
            "program_id": "pilot",
            "kind": "kickoff",
            "starts_at": one["starts_at"],
            "ends_at": one["ends_at"],
            "status": "scheduled",
            "mentor_id": str(mentor),
            "mentee_id": str(mentee),
        }
        assert at(one["starts_at"]) == kickoff.starts_at
        assert at(one["ends_at"]) - at(one["starts_at"]) == timedelta(minutes=kickoff.duration_minutes)
        assert [s["pair_id"] for s in (await as_mentee.get(f"/participants/{mentee}/sessions")).json()] == [
            str(first.pair_id)
        ], "the mentee sees their own pair only"
        assert (await as_stranger.get(f"/participants/{mentor}/sessions")).status_code == 403

        slots = await as_mentee.get(f"/sessions/{kickoff.session_id}/slots", params={"count": 3})
        assert slots.status_code == 200, slots.text
        offered = [(at(s["starts_at"]), at(s["ends_at"])) for s in slots.json()]
        assert len(offered) == 3
        other = kickoffs[second.pair_id]
        other_ends = other.starts_at + timedelta(minutes=other.duration_minutes)
        for (start, end), later in zip(offered, [*offered[1:], None], strict=True):
            assert end - start == timedelta(minutes=kickoff.duration_minutes)
            assert start != kickoff.starts_at
            assert not (start < other_ends and other.starts_at < end), "the mentor's other session is taken"
            assert later is None or end <= later[0], "earliest first, not overlapping"
        default = (await as_mentor.get(f"/sessions/{kickoff.session_id}/slots")).json()
        assert len(default) == 6 and default[:3] == slots.json()

        chosen = offered[1][0]
        moved = await as_mentee.post(
            f"/sessions/{kickoff.session_id}/reschedule", json={"starts_at": chosen.isoformat()}
        )
        assert moved.status_code == 200, "an offered slot is one the move accepts"
        assert at(moved.json()["starts_at"]) == chosen

        assert (await as_stranger.get(f"/sessions/{kickoff.session_id}/slots")).status_code == 403
        assert (await as_mentee.get(f"/sessions/{uuid4()}/slots")).status_code == 404
        assert (await as_mentee.get(f"/sessions/{kickoff.session_id}/slots", params={"count": 0})).status_code == 422
        assert (await as_mentee.post(f"/sessions/{kickoff.session_id}/cancel", json={})).status_code == 200
        closed = await as_mentee.get(f"/sessions/{kickoff.session_id}/slots")
        assert closed.status_code == 409 and "cancelled" in closed.json()["detail"]
        statuses = {
            s["session_id"]: s["status"] for s in (await as_mentor.get(f"/participants/{mentor}/sessions")).json()
        }
        assert statuses[str(kickoff.session_id)] == "cancelled", "cancelled sessions stay listed"

"""Revoking one person's calendar feed address: the old address stops opening, the new one opens, nobody else's changes."""

import httpx
import pytest

from flipside_devstack.auth import admin_headers, participant_headers
from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import calendar_feed_link
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import SessionRescheduled, SessionScheduled


@pytest.fixture(scope="module")
def scheduling(sandbox, tmp_path_factory):
    with ServiceProcess("scheduling", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


def opens(feed_url: str) -> int:
    return httpx.get(feed_url, timeout=10).status_code


def feed(scheduling, attendee) -> str:
    """The address notifications makes for the attendee from a session event: of the generation the event names."""
    return calendar_feed_link(scheduling.url, attendee.participant_id, attendee.feed_generation)


async def test_a_rotated_feed_address_is_refused_and_its_successor_opens(sandbox, scheduling):
    pair = pair_created()
    mentee = pair.mentee.participant_id
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}sessions"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair)])
        await reader.read_until(lambda _: reader.events(SessionScheduled))
        [kickoff] = [e.event for e in reader.events(SessionScheduled)]
        first, partners = feed(scheduling, kickoff.mentee), feed(scheduling, kickoff.mentor)
        assert (opens(first), opens(partners)) == (200, 200)

        rotate = f"{scheduling.url}/participants/{mentee}/calendar-feed/rotate"
        by_partner = httpx.post(rotate, headers=participant_headers(pair.mentor.participant_id), timeout=10)
        assert by_partner.status_code == 403 and opens(first) == 200, "only the person themself or an admin rotates it"

        by_owner = httpx.post(rotate, headers=participant_headers(mentee), timeout=10)
        assert by_owner.status_code == 200
        second = by_owner.json()["calendar_feed_url"]
        assert second != first
        assert (opens(first), opens(second), opens(partners)) == (403, 200, 200)
        assert str(kickoff.session_id) in httpx.get(second, timeout=10).text

        by_admin = httpx.post(rotate, headers=admin_headers(), timeout=10)
        assert by_admin.status_code == 200 and by_admin.json()["calendar_feed_url"] is None, (
            "the new address goes to its owner only"
        )
        assert opens(second) == 403

        # The next session e-mail brings the owner their current address.
        moved = httpx.post(
            f"{scheduling.url}/sessions/{kickoff.session_id}/reschedule", json={}, headers=admin_headers(), timeout=10
        )
        assert moved.status_code == 200
        await reader.read_until(lambda _: reader.events(SessionRescheduled))
        [rescheduled] = [e.event for e in reader.events(SessionRescheduled)]
    assert (rescheduled.mentee.feed_generation, rescheduled.mentor.feed_generation) == (2, 0)
    third = feed(scheduling, rescheduled.mentee)
    assert third not in (first, second)
    assert (opens(first), opens(second), opens(third), opens(feed(scheduling, rescheduled.mentor))) == (
        403,
        403,
        200,
        200,
    )

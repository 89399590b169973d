"""One participant cannot flood their partner with moves or the service with absence changes: each is
counted per person in the database, whichever replica answers."""

from datetime import date, timedelta

import httpx
import pytest

from flipside_devstack.auth import admin_headers, participant_headers
from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import clear_of_the_hours_turn
from flipside_shared.events import SessionScheduled

LIMIT = 2


@pytest.fixture(scope="module")
def replicas(sandbox, tmp_path_factory):
    env = sandbox.env(FLIPSIDE_REQUESTS_PER_PERSON_PER_HOUR=str(LIMIT))
    with (
        ServiceProcess("scheduling", env, tmp_path_factory.mktemp("one")) as one,
        ServiceProcess("scheduling", env, tmp_path_factory.mktemp("two")) as two,
    ):
        yield one, two


async def test_moves_and_absences_are_limited_per_person_across_replicas(sandbox, replicas):
    one, two = replicas
    await clear_of_the_hours_turn()
    pair = pair_created()
    mentor, mentee = pair.mentor.participant_id, pair.mentee.participant_id
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}sessions"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair)])
        await reader.read_until(lambda _: any(e.event.pair_id == pair.pair_id for e in reader.events(SessionScheduled)))
        kickoff = next(e.event for e in reader.events(SessionScheduled) if e.event.pair_id == pair.pair_id)

    async def move(replica, person):
        async with httpx.AsyncClient(headers=participant_headers(person), base_url=replica.url, timeout=30) as http:
            return await http.post(f"/sessions/{kickoff.session_id}/reschedule", json={})

    assert (await move(one, mentor)).status_code == 200
    assert (await move(two, mentor)).status_code == 200
    refused = await move(one, mentor)
    assert refused.status_code == 429, refused.text
    assert "at most 2 session moves per person an hour" in refused.json()["detail"]
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert (await move(two, mentee)).status_code == 200, "the partner has their own count"
    async with httpx.AsyncClient(headers=admin_headers(), base_url=two.url, timeout=30) as http:
        assert (await http.post(f"/sessions/{kickoff.session_id}/reschedule", json={})).status_code == 200, (
            "admins are not counted"
        )

    away = date.today() + timedelta(days=21)
    absences = {"absences": [{"first_day": str(away), "last_day": str(away)}]}
    async with httpx.AsyncClient(headers=participant_headers(mentee), timeout=30) as http:
        answers = [
            await http.put(f"{replica.url}/participants/{mentee}/absences", json=absences)
            for replica in (one, two, one)
        ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "absence changes" in answers[2].json()["detail"] and answers[2].headers["retry-after"]

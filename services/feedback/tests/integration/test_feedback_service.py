"""Feedback as a real process on the real broker and Postgres: check-ins in, requests out, surveys over HTTP."""

from collections import Counter
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from flipside_devstack.auth import admin_headers
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import CheckInDue, FeedbackRequested


@pytest.fixture(scope="module")
def feedback(sandbox, tmp_path_factory):
    with ServiceProcess("feedback", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


PROGRAM = f"feedback-{uuid4().hex[:8]}"


def check_in(program_id: str = PROGRAM) -> CheckInDue:
    return CheckInDue(
        session_id=uuid4(),
        pair_id=uuid4(),
        program_id=program_id,
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        session_started_at=datetime.now(UTC),
    )


async def test_poison_is_dead_lettered_and_each_check_in_asks_both_people_once(sandbox, feedback):
    first, second = check_in(), check_in()
    producer = AIOKafkaProducer(bootstrap_servers=sandbox.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            f"{sandbox.topic_prefix}sessions", b"[1, 2", key=b"k", headers=envelope(first).headers()
        )
    finally:
        await producer.stop()
    duplicate = envelope(first)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [duplicate, duplicate, envelope(second)])
    async with TopicReader(
        sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}feedback", f"{sandbox.topic_prefix}feedback.dead-letter"]
    ) as reader:
        await reader.read_until(lambda _: len(reader.events(FeedbackRequested)) >= 4)
        await reader.drain(2)
        dead = [dict(r.headers) for r in reader.records if r.topic.endswith("dead-letter")]
        requests = reader.events(FeedbackRequested)
    assert [h["dlq_reason"].decode().split(":")[0] for h in dead] == ["body is not JSON"]
    assert Counter((r.event.session_id, r.event.role) for r in requests) == Counter(
        {(c.session_id, role): 1 for c in (first, second) for role in ("mentor", "mentee")}
    )
    mentor_request = next(
        r.event for r in requests if r.event.session_id == first.session_id and r.event.role == "mentor"
    )
    assert mentor_request.participant_id == first.mentor_id

    async with httpx.AsyncClient(headers=admin_headers()) as client:
        url = survey_link(feedback.url, mentor_request)
        assert (await client.get(url)).json()["questions"]["version"] == 1
        good = {"session_value": 4, "could_speak_freely": 5, "partner_listened": 5, "time_well_spent": True}
        assert (await client.post(url, json={"answers": good})).json() | {"request_id": None} == {
            "request_id": None,
            "outcome": "recorded",
            "revision": 1,
        }
        again = (await client.post(url, json={"answers": {**good, "session_value": 5}})).json()
        assert again["revision"] == 2 and again["outcome"] == "replaced"
        same = (await client.post(url, json={"answers": {**good, "session_value": 5}})).json()
        assert same["revision"] == 2 and same["outcome"] == "duplicate"
        bad = await client.post(url, json={"answers": {**good, "session_value": 7}})
        assert bad.status_code == 422 and bad.json()["detail"]["problems"] == [
            "session_value: must be a whole number from 1 to 5, not 7"
        ]
        assert (await client.get(url)).json()["your_answers"]["session_value"] == 5, (
            "nothing changed by the refused answer"
        )
        tampered = await client.get(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"))
        assert tampered.status_code == 403
        summary = (await client.get(f"{feedback.url}/programs/{PROGRAM}/summary")).json()
    assert summary["requests"] is None and summary["responses"] is None, (
        "one respondent is below k: everything withheld"
    )

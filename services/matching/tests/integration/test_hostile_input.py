"""Hostile input at matching's edges, on a real process, broker and database: bodies too big, names with control
characters, events too big for their topic. Each is refused with its reason and matching goes on working."""

import json
from uuid import UUID, uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import mentor_and_mentee, profile
from flipside_devstack.fixtures import Sandbox
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for_rows
from flipside_shared.events import PairCreated, ParticipantEnrolled
from flipside_shared.text import FEW_ITEMS, NAME_CHARS

RUN = uuid4().hex[:8]
HOSTILE_NAMES = {
    "carriage return": "Eve\rX-Evil: 1",
    "line feed": "Eve\nX-Evil: 1",
    "NUL": "Eve\x00",
    "line separator": "Eve\u2028X-Evil: 1",
    "right-to-left override": "Eve \u202egnp.exe",
    "10 KB of text": "E" * 10_000,
}
# The event limit of the second process: small enough for a profile within every field's bound to exceed it.
SMALL_EVENT_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


def profile_json(**fields) -> dict:
    """A valid profile's JSON with `fields` put in as they are, unchecked."""
    return {**profile(program_id=f"hostile-{RUN}").model_dump(mode="json"), **fields}


async def wait_for_a_pair(sandbox, program_id: str) -> list:
    """Enrol a fitting mentor and mentee over Kafka; return the pairs created for them."""
    mentor, mentee = mentor_and_mentee(program_id=program_id)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}pairs"]) as reader:
        await reader.read_until(
            lambda _: any(e.event.mentor.participant_id == mentor.participant_id for e in reader.events(PairCreated))
        )
        return [e for e in reader.events(PairCreated) if e.event.mentor.participant_id == mentor.participant_id]


async def test_a_3_mb_profile_is_refused_413_and_matching_goes_on(sandbox, matching):
    program = f"hostile-{RUN}"
    configure_program(matching.url, program)
    huge = profile_json(interests=["x" * 1000] * 3000)
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client:
        answer = await client.put(
            f"/participants/{uuid4()}", content=json.dumps(huge).encode(), headers={"content-type": "application/json"}
        )
    assert answer.status_code == 413, answer.text
    assert "larger than the 65536 bytes" in answer.json()["detail"]
    assert len(await wait_for_a_pair(sandbox, program)) == 1


async def test_a_chunked_body_over_the_limit_is_refused_413(matching):
    async def chunks():
        yield b'{"interests": ["'
        for _ in range(200):
            yield b"x" * 1024
        yield b'"]}'

    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client:
        answer = await client.post("/participants", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert "detail" in answer.json()


@pytest.mark.parametrize("case", HOSTILE_NAMES)
@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_a_hostile_display_name_is_refused_422_naming_the_field(matching, case, method):
    path = "/participants" if method == "POST" else f"/participants/{uuid4()}"
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client:
        answer = await client.request(method, path, json=profile_json(display_name=HOSTILE_NAMES[case]))
    assert answer.status_code == 422, answer.text
    assert [issue["loc"] for issue in answer.json()["detail"]] == [["body", "display_name"]]


async def test_a_name_with_a_right_to_left_mark_is_enrolled(matching, db):
    configure_program(matching.url, f"hostile-{RUN}")
    name = "\u05d3\u05e0\u05d4 \u05dc\u05d5\u05d9\u200f"
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client:
        answer = await client.post("/participants", json=profile_json(display_name=name))
    assert answer.status_code == 202, answer.text
    (row,) = await wait_for_rows(
        db,
        "SELECT profile->>'display_name' AS name FROM matching.participants WHERE participant_id = $1",
        UUID(answer.json()["participant_id"]),
    )
    assert row["name"] == name


async def test_a_hostile_enrolment_over_kafka_is_dead_lettered_with_its_reason_and_the_next_one_handled(
    sandbox, matching
):
    program = f"hostile-kafka-{RUN}"
    configure_program(matching.url, program)
    good, _ = mentor_and_mentee(program_id=program)
    forged = [
        envelope(good.model_copy(update={"participant_id": uuid4(), "profile": good.profile.model_copy(update=fields)}))
        for fields in ({"display_name": "Eve\r\nX-Evil: 1"}, {"interests": ["x"] * (FEW_ITEMS + 1)})
    ]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, forged)
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}matching.dead-letter"]) as reader:
        await reader.read_until(
            lambda records: {dict(r.headers).get("ce_id") for r in records} >= {str(e.id).encode() for e in forged}
        )
        reasons = {dict(r.headers)["ce_id"].decode(): dict(r.headers)["dlq_reason"].decode() for r in reader.records}
    assert "profile.display_name: Value error, holds the control character U+000D" in reasons[str(forged[0].id)]
    assert "profile.interests: List should have at most 50 items" in reasons[str(forged[1].id)]
    assert len(await wait_for_a_pair(sandbox, program)) == 1


@pytest.fixture(scope="module")
def small_topics(stack, tmp_path_factory):
    """Matching in a sandbox of its own whose topics take 64 KiB, with bodies of up to 1 MiB."""
    sandbox = Sandbox.on(stack)
    env = sandbox.env(
        FLIPSIDE_KAFKA_MAX_MESSAGE_BYTES=str(SMALL_EVENT_LIMIT), FLIPSIDE_HTTP_MAX_BODY_BYTES=str(1024 * 1024)
    )
    with ServiceProcess("matching", env, tmp_path_factory.mktemp("logs")) as service:
        yield sandbox, service


async def test_an_event_too_big_for_its_topic_is_refused_413_before_the_outbox(small_topics):
    """A profile whose every field is within its bound can still make an event too big for a small topic: refused
    before it reaches the outbox, and the relay goes on publishing."""
    sandbox, matching = small_topics
    program = f"hostile-size-{RUN}"
    configure_program(matching.url, program)
    name = "\U0001f600" * NAME_CHARS
    big = profile(program_id=program, interests=[name] * FEW_ITEMS, languages=[name] * FEW_ITEMS).model_dump(
        mode="json"
    )
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client:
        answer = await client.post("/participants", json=big)
    assert answer.status_code == 413, answer.text
    assert answer.json()["detail"].startswith(f"{ParticipantEnrolled.ce_type} would be a Kafka record of")
    assert answer.json()["detail"].endswith(f"over the {SMALL_EVENT_LIMIT} its topic accepts")
    assert len(await wait_for_a_pair(sandbox, program)) == 1

"""Matching as a real process on the real broker and Postgres: events in, events out."""

from uuid import uuid4

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import enrolled, mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, count_of, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for_rows
from flipside_shared.envelope import decode
from flipside_shared.events import PairCreated

RUN = uuid4().hex[:8]  # program ids of this run, so a reused database holds no surprises
BURST = 200


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


async def test_enrolments_become_explained_pairs_once_even_when_redelivered(sandbox, matching):
    mentor, mentee = mentor_and_mentee(program_id=f"redelivery-{RUN}")
    configure_program(matching.url, f"redelivery-{RUN}")
    enrolments = [envelope(mentor), envelope(mentee)]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, enrolments + enrolments)  # every event twice
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}pairs"]) as reader:
        await reader.read_until(lambda records: count_of(PairCreated)(records) >= 1)
        await reader.drain(2)  # time for a wrong second pair to show up
        pairs = reader.events(PairCreated)
    assert len(pairs) == 1
    pair = pairs[0].event
    assert (pair.mentor.participant_id, pair.mentee.participant_id) == (mentor.participant_id, mentee.participant_id)
    assert any("mentor can teach the mentee TikTok" in r for r in pair.reasons)
    assert any("mentee can teach the mentor strategy" in r for r in pair.reasons)
    assert abs(sum(pair.score_breakdown.values()) - pair.score) < 1e-9
    assert pairs[0].causation_id in {e.id for e in enrolments}, "caused by whichever enrolment came second"
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        assert (
            await conn.fetchval("SELECT count(*) FROM matching.participants WHERE program_id = $1", f"redelivery-{RUN}")
            == 2
        )
    finally:
        await conn.close()


async def test_poison_goes_to_the_dead_letter_topic_and_the_next_message_is_handled(sandbox, matching):
    mentor, mentee = mentor_and_mentee(program_id=f"poison-{RUN}")
    configure_program(matching.url, f"poison-{RUN}")
    producer = AIOKafkaProducer(bootstrap_servers=sandbox.bootstrap_servers)
    await producer.start()
    try:
        good = envelope(mentor)
        await producer.send_and_wait(
            f"{sandbox.topic_prefix}participants", b"{not json", key=b"k", headers=good.headers()
        )
        await producer.send_and_wait(f"{sandbox.topic_prefix}participants", b"{}", key=b"k")  # no CloudEvents headers
    finally:
        await producer.stop()
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
    async with TopicReader(
        sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}matching.dead-letter", f"{sandbox.topic_prefix}pairs"]
    ) as reader:
        await reader.read_until(
            lambda records: (
                len([r for r in records if r.topic.endswith("dead-letter")]) >= 2
                and count_of(PairCreated)(records) >= 1
            )
        )
        dead = [dict(r.headers) for r in reader.records if r.topic.endswith("dead-letter")]
    reasons = sorted(h["dlq_reason"].decode() for h in dead)
    assert reasons[0].startswith("body is not JSON") and reasons[1].startswith("missing CloudEvents headers")
    assert all(h["dlq_original_topic"] == f"{sandbox.topic_prefix}participants".encode() for h in dead)
    assert all(h["dlq_service"] == b"matching" and h["dlq_original_offset"].isdigit() for h in dead)


async def test_http_enrolment_validates_and_flows_through_the_same_event(sandbox, matching):
    mentor, mentee = mentor_and_mentee(program_id=f"http-{RUN}")
    configure_program(matching.url, f"http-{RUN}")
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching.url) as client:
        metrics = (await client.get("/metrics")).text
        assert 'flipside_events_total{event_type="flipside.participant.enrolled.v1",outcome="duplicate"} 2.0' in metrics
        assert 'flipside_events_total{event_type="unknown",outcome="dead_lettered"} 1.0' in metrics
        assert "flipside_outbox_backlog 0.0" in metrics and "flipside_outbox_relay_leader 1.0" in metrics
        lag = [line for line in metrics.splitlines() if line.startswith("flipside_consumer_lag{")]
        consumed = {
            f'topic="{sandbox.topic_prefix}{stream}"' for stream in ("participants", "programs", "pairs", "feedback")
        }
        assert lag and all(any(topic in line for topic in consumed) for line in lag)
        assert any(f'topic="{sandbox.topic_prefix}participants"' in line for line in lag)
        bad = await client.post("/participants", json={**mentor.profile.model_dump(mode="json"), "grade": "senior"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "grade"]
        for enrolment in (mentor, mentee):
            body = {**enrolment.profile.model_dump(mode="json"), "participant_id": str(enrolment.participant_id)}
            accepted = await client.post("/participants", json=body)
            assert accepted.status_code == 202, accepted.text
        async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}pairs"]) as reader:
            await reader.read_until(lambda records: any(e.event.program_id == f"http-{RUN}" for e in _pairs(records)))
        pairs = (await client.get(f"/programs/http-{RUN}/pairs")).json()
    assert [(p["mentor_id"], p["mentee_id"]) for p in pairs] == [
        (str(mentor.participant_id), str(mentee.participant_id))
    ]


async def test_a_burst_commits_in_batches_and_one_rejected_record_sends_its_batch_record_by_record(sandbox, matching):
    """The second half, with a record the rules refuse among it, goes record by record: the refused one is
    dead-lettered, every other one still takes effect once."""
    program = f"burst-{RUN}"
    configure_program(matching.url, program, start="cohort_run")  # enrolments wait for the run: nothing but their rows
    good = [enrolled(program_id=program, email=f"burst{i}@example.com") for i in range(BURST)]
    rejected = envelope(enrolled(program_id=program, grade=25))
    ids = [e.participant_id for e in good]
    stored_query = "SELECT participant_id FROM matching.participants WHERE participant_id = ANY($1::uuid[])"
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        # The first half waits on the broker while matching is down, so its batches do not hang on how fast it polls.
        matching.stop()
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(e) for e in good[: BURST // 2]])
        matching.start()
        await wait_for_rows(conn, stored_query, ids[: BURST // 2], count=BURST // 2)
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [
                *(envelope(e) for e in good[BURST // 2 :]),
                rejected,
                *(envelope(e) for e in good[BURST // 2 :]),
            ],  # the second half twice
        )
        async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}matching.dead-letter"]) as reader:
            await reader.read_until(
                lambda records: any(dict(r.headers).get("ce_id") == str(rejected.id).encode() for r in records)
            )
        stored = len(await wait_for_rows(conn, stored_query, ids, count=BURST))
        # Rows written by one transaction share its id (xmin): a transaction per record would give one each.
        first_half = ids[: BURST // 2]
        transactions = await conn.fetchval(
            "SELECT count(DISTINCT xmin::text) FROM matching.participants WHERE participant_id = ANY($1::uuid[])",
            first_half,
        )
        rejected_rows = await conn.fetchval(
            "SELECT count(*) FROM matching.participants WHERE participant_id = $1", rejected.event.participant_id
        )
    finally:
        await conn.close()
    assert stored == BURST, "each enrolment stored once, though half were delivered twice"
    assert transactions <= BURST // 4, f"{BURST // 2} enrolments took {transactions} transactions"
    assert rejected_rows == 0


def _pairs(records):
    return [
        decode(r.headers, r.value) for r in records if dict(r.headers).get("ce_type") == PairCreated.ce_type.encode()
    ]

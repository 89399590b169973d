"""A burst of enrolments on a running matching service, taken a batch at a time: people of a program that waits for
its match run stored together, a redelivered event and a second enrolment of one id changing nothing, their
agreements recorded, a rolling program's newcomer paired on arrival between them, and an enrolment that can never
be taken dead-lettered while the rest of its batch is stored. Events in; rows and dead letters out."""

import asyncio
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import lead_headers
from flipside_devstack.factories import enrolled, mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for_rows
from flipside_shared.deadletter import dead_letter_topic

RUN = uuid4().hex[:8]
COHORT = f"cohort-intake-{RUN}"
ROLLING = f"rolling-intake-{RUN}"
RULES = {"ground_rules": "We meet every two weeks.", "confidentiality": "What we say stays here."}


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        configure_program(service.url, COHORT, start="cohort_run")
        configure_program(service.url, ROLLING)
        response = httpx.put(
            f"{service.url}/programs/{COHORT}/agreement", json=RULES, headers=lead_headers(COHORT), timeout=10
        )
        response.raise_for_status()
        yield service


async def test_a_burst_of_enrolments_is_stored_once_each_with_agreements_in_batches_that_never_fail(
    sandbox, matching, db
):
    cohort = [enrolled(program_id=COHORT).model_copy(update={"agreement_version": 1}) for _ in range(40)]
    mentor, mentee = mentor_and_mentee(ROLLING)
    again = enrolled(participant_id=cohort[0].participant_id, program_id=COHORT, interests=["changed my mind"])
    sent = [envelope(person) for person in cohort]
    burst = [
        *sent[:20],
        sent[3],  # redelivered
        envelope(mentor),
        envelope(again),  # the same id enrolled a second time
        envelope(mentee),
        *sent[20:],
    ]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, burst)
    stored = await wait_for_rows(
        db,
        "SELECT participant_id, profile->'interests' AS interests FROM matching.participants WHERE program_id = $1",
        COHORT,
        count=len(cohort),
    )
    pairs = await wait_for_rows(db, "SELECT mentor_id, mentee_id FROM matching.pairs WHERE program_id = $1", ROLLING)

    assert sorted(row["participant_id"] for row in stored) == sorted(p.participant_id for p in cohort)
    first = next(row for row in stored if row["participant_id"] == cohort[0].participant_id)
    assert "changed my mind" not in first["interests"], "the first enrolment of an id stands"
    accepted = await db.fetch("SELECT version FROM matching.agreement_acceptances WHERE program_id = $1", COHORT)
    assert [row["version"] for row in accepted] == [1] * len(cohort)
    assert [(row["mentor_id"], row["mentee_id"]) for row in pairs] == [(mentor.participant_id, mentee.participant_id)]
    assert "record by record" not in matching.log_path.read_text(), "every batch was taken whole"


async def test_an_enrolment_that_can_never_be_taken_is_dead_lettered_and_the_rest_of_its_batch_stored(
    sandbox, matching, db
):
    before, after = enrolled(program_id=COHORT), enrolled(program_id=COHORT)
    unknown = envelope(enrolled(program_id=f"nowhere-{RUN}"))
    prefix = sandbox.topic_prefix
    async with TopicReader(sandbox.bootstrap_servers, [dead_letter_topic(prefix, "matching")]) as dead_letters:
        # Published while matching is stopped, so its first fetch brings all three in one batch: to a running
        # consumer, records on several partitions may come a fetch apart, and a batch of one is never retried.
        await asyncio.to_thread(matching.stop)
        await publish(sandbox.bootstrap_servers, prefix, [envelope(before), unknown, envelope(after)])
        await asyncio.to_thread(matching.start)
        await dead_letters.read_until(lambda records: len(records) >= 1)
        stored = await wait_for_rows(
            db,
            "SELECT participant_id FROM matching.participants WHERE participant_id = ANY($1::uuid[])",
            [before.participant_id, after.participant_id],
            count=2,
        )
        await dead_letters.drain(1.0)

    assert len(stored) == 2
    (dead_letter,) = dead_letters.records
    assert dict(dead_letter.headers)["ce_id"].decode() == str(unknown.id)
    assert f"unknown program 'nowhere-{RUN}'" in dict(dead_letter.headers)["dlq_reason"].decode()
    assert "record by record" in matching.log_path.read_text(), "its batch was retried record by record"

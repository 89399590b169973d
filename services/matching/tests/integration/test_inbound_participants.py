"""HR systems publish on `inbound.participants`: matching checks each event as it checks the same request over
HTTP and publishes it on `participants` under its own source, where every service takes it; refusals are
dead-lettered with the reason."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from flipside_devstack.factories import enrolled, mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, count_of, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.events import PairCreated, ParticipantEnrolled, ParticipantErased, ParticipantWithdrawn
from flipside_shared.events.sources import HR, MATCHING

PROGRAM = f"inbound-{uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


async def test_hr_events_on_the_inbound_topic_are_checked_and_published_on_participants_as_matchings(sandbox, matching):
    configure_program(matching.url, PROGRAM)
    mentor, mentee = mentor_and_mentee(program_id=PROGRAM)
    stranger = enrolled(program_id="no-such-program")
    withdrawal_of_nobody = ParticipantWithdrawn(
        participant_id=uuid4(), program_id=PROGRAM, withdrawn_at=datetime.now(UTC)
    )
    erasure = ParticipantErased(participant_id=mentor.participant_id, erased_at=datetime.now(UTC))
    sent = [envelope(e, source=HR) for e in (mentor, mentee, stranger, withdrawal_of_nobody)]
    assert {e.topic(sandbox.topic_prefix) for e in sent} == {f"{sandbox.topic_prefix}inbound.participants"}
    prefix = sandbox.topic_prefix
    async with TopicReader(
        sandbox.bootstrap_servers,
        [f"{prefix}participants", f"{prefix}pairs", dead_letter_topic(prefix, "matching")],
    ) as reader:
        await publish(sandbox.bootstrap_servers, prefix, sent)
        await reader.read_until(lambda records: count_of(PairCreated)(records) >= 1)
        await publish(sandbox.bootstrap_servers, prefix, [envelope(erasure, source=HR)])
        await reader.read_until(lambda _: reader.events(ParticipantErased) and len(dead_letters(reader)) >= 2)
        await reader.drain(1)

    enrolments = reader.events(ParticipantEnrolled)
    assert sorted((str(e.causation_id), e.source, e.event.participant_id) for e in enrolments) == sorted(
        (str(inbound.id), MATCHING, inbound.event.participant_id) for inbound in sent[:2]
    ), "published once each, under matching's source, caused by the HR event"
    [pair] = [e.event for e in reader.events(PairCreated)]
    assert (pair.mentor.participant_id, pair.mentee.participant_id) == (mentor.participant_id, mentee.participant_id)
    [erased] = reader.events(ParticipantErased)
    assert (erased.event, erased.source) == (erasure, MATCHING)
    assert dead_letters(reader) == {
        str(
            sent[2].id
        ): "rejected: unknown program 'no-such-program': create it with PUT /programs/no-such-program, then replay",
        str(sent[3].id): f"rejected: no enrolled participant {withdrawal_of_nobody.participant_id}",
    }


def dead_letters(reader: TopicReader) -> dict[str, str]:
    headers = [dict(r.headers) for r in reader.records if r.topic.endswith("dead-letter")]
    return {h["ce_id"].decode(): h["dlq_reason"].decode() for h in headers}

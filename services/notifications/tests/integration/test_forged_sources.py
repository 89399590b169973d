"""An event is obeyed only from the sources its contract names: a producer that can write to a topic cannot speak
as another service (erase someone, send a phishing survey link), and its record is dead-lettered with the reason."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for, wait_for_rows
from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.events import FeedbackRequested, FeedbackRequestedV1, ParticipantErased
from flipside_shared.events.sources import MATCHING, SCHEDULING

PHISHING = "https://flipside-surveys.example.net/login"
SURVEYS = "https://flipside.example.com"  # where notifications says feedback's survey pages are


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, tmp_path_factory):
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1",
        FLIPSIDE_SMTP_PORT=str(smtp.port),
        FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.1",
        FLIPSIDE_FEEDBACK_PUBLIC_BASE_URL=SURVEYS,
    )
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


def survey(person) -> FeedbackRequested:
    return FeedbackRequested(
        request_id=uuid4(),
        pair_id=uuid4(),
        session_id=uuid4(),
        participant_id=person.participant_id,
        role="mentor",
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )


def phishing_survey(person) -> FeedbackRequestedV1:
    """Version 1, still read, carried a link: a forger's would lead anywhere."""
    return FeedbackRequestedV1(
        request_id=uuid4(),
        pair_id=uuid4(),
        session_id=uuid4(),
        participant_id=person.participant_id,
        role="mentor",
        survey_url=PHISHING,
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )


async def test_an_erasure_and_a_survey_request_from_a_foreign_source_are_dead_lettered_and_the_genuine_ones_obeyed(
    sandbox,
    smtp,
    notifications,
    db,
):
    person = enrolled(email="target@example.com")
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(person)])
    await wait_for_rows(db, "SELECT 1 FROM notifications.recipients WHERE participant_id = $1", person.participant_id)
    erasure = ParticipantErased(participant_id=person.participant_id, erased_at=datetime.now(UTC))
    forged_erasure, forged_survey = (
        envelope(erasure, source=SCHEDULING),
        envelope(phishing_survey(person), source=MATCHING),
    )
    genuine_survey = envelope(survey(person))
    prefix = sandbox.topic_prefix
    async with TopicReader(sandbox.bootstrap_servers, [dead_letter_topic(prefix, "notifications")]) as dead_letters:
        await publish(sandbox.bootstrap_servers, prefix, [forged_erasure, forged_survey, genuine_survey])
        await dead_letters.read_until(lambda records: len(records) >= 2)
        await wait_for(lambda: smtp.received_by("target@example.com"))
        await publish(sandbox.bootstrap_servers, prefix, [envelope(erasure)])
        await wait_for_rows(db, "SELECT 1 FROM notifications.erasures WHERE participant_id = $1", person.participant_id)
        await dead_letters.drain(1)

    reasons = {dict(r.headers)["ce_id"].decode(): dict(r.headers)["dlq_reason"].decode() for r in dead_letters.records}
    assert reasons == {
        str(forged_erasure.id): f"rejected: {ParticipantErased.ce_type} from source '{SCHEDULING}' is not accepted on "
        f"{prefix}participants (accepted there: /flipside/matching)",
        str(forged_survey.id): f"rejected: {FeedbackRequestedV1.ce_type} from source '{MATCHING}' is not accepted on "
        f"{prefix}feedback (accepted there: /flipside/feedback)",
    }
    [mail] = smtp.received_by("target@example.com")
    text = mail.get_body(("plain",)).get_content()
    assert survey_link(SURVEYS, genuine_survey.event) in text and PHISHING not in text
    assert not await db.fetchval(
        "SELECT count(*) FROM notifications.recipients WHERE participant_id = $1", person.participant_id
    )

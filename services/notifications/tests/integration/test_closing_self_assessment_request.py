"""The closing self-assessment as the two people of a pair receive it: feedback and notifications as real
processes, the pair's completion with its program in, one e-mail each in their own language out, whose link
opens the four scales at feedback and records the end scores; a request delivered twice is e-mailed once."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for, wait_for_rows
from flipside_shared.events import FeedbackRequested, PairCompleted

ENGLISH_SUBJECT = "Your program has ended: your closing self-assessment"
GERMAN_SUBJECT = "Ihr Programm ist zu Ende: Ihre abschließende Selbsteinschätzung"


@pytest.fixture(scope="module")
def feedback(sandbox, tmp_path_factory):
    with ServiceProcess("feedback", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, feedback, tmp_path_factory):
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1",
        FLIPSIDE_SMTP_PORT=str(smtp.port),
        FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.1",
        FLIPSIDE_FEEDBACK_PUBLIC_BASE_URL=feedback.url,
    )
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


def plain(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def closing_mails(smtp, address: str, subject: str) -> list:
    return [m for m in smtp.received_by(address) if m["Subject"] == subject]


async def test_both_sides_get_the_closing_wording_with_a_working_link_once_even_when_delivered_twice(
    sandbox, smtp, db, feedback, notifications
):
    program_id = f"closing-{uuid4().hex[:8]}"
    mentor = enrolled(program_id=program_id, email=f"mentor-{program_id}@example.com", locale="en-GB")
    mentee = enrolled(
        program_id=program_id, role="mentee", grade=8, email=f"mentee-{program_id}@example.com", locale="de-DE"
    )
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
    people = [mentor.participant_id, mentee.participant_id]
    await wait_for_rows(
        db, "SELECT 1 FROM notifications.recipients WHERE participant_id = ANY($1::uuid[])", people, count=2
    )
    pair_id = uuid4()
    completed = PairCompleted(
        pair_id=pair_id,
        program_id=program_id,
        mentor_id=mentor.participant_id,
        mentee_id=mentee.participant_id,
        reason="program_completed",
        completed_at=datetime.now(UTC),
    )
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}feedback"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(completed)])

        def asked() -> list:
            return [
                e
                for e in reader.events(FeedbackRequested)
                if e.event.pair_id == pair_id and e.event.kind == "closing_self_assessment"
            ]

        await reader.read_until(lambda _: len(asked()) == 2)
        requests = {e.event.participant_id: e for e in asked()}

        await wait_for(lambda: closing_mails(smtp, mentor.profile.email, ENGLISH_SUBJECT), timeout=30)
        await wait_for(lambda: closing_mails(smtp, mentee.profile.email, GERMAN_SUBJECT), timeout=30)

        # The same request delivered again, then a check-in for the same pair: on the same partition, so once
        # the check-in is owed the repeat has been taken too.
        check_in = FeedbackRequested(
            request_id=uuid4(),
            pair_id=pair_id,
            session_id=uuid4(),
            participant_id=mentor.participant_id,
            role="mentor",
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
        again = requests[mentor.participant_id]
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [again, envelope(check_in)])
        await wait_for(
            lambda: [m for m in smtp.received_by(mentor.profile.email) if m["Subject"] != ENGLISH_SUBJECT],
            timeout=30,
        )
    await asyncio.sleep(1)

    [english] = closing_mails(smtp, mentor.profile.email, ENGLISH_SUBJECT)
    [german] = closing_mails(smtp, mentee.profile.email, GERMAN_SUBJECT)
    owed = await db.fetch(
        "SELECT recipient_id FROM notifications.deliveries WHERE template = 'closing_self_assessment_requested'"
        " AND recipient_id = ANY($1::uuid[])",
        people,
    )
    assert sorted(str(row["recipient_id"]) for row in owed) == sorted(map(str, people))
    [check_in_mail] = [m for m in smtp.received_by(mentor.profile.email) if m["Subject"] != ENGLISH_SUBJECT]
    assert check_in_mail["Subject"] == "How did your mentoring session go?"

    text = plain(english)
    assert "your mentoring program has ended. Thank you" in text and "four scales from 1 to 5" in text
    assert "beside the ones you gave at the start" in text and "only sees anonymous totals" in text
    assert "How did it go" not in text
    link = survey_link(feedback.url, requests[mentor.participant_id].event)
    assert link in text
    assert "Ihr Mentoring-Programm ist zu Ende" in plain(german)
    assert survey_link(feedback.url, requests[mentee.participant_id].event) in plain(german)

    async with httpx.AsyncClient(timeout=10) as client:
        survey = await client.get(link)
        assert survey.status_code == 200, survey.text
        assert survey.json()["kind"] == "closing_self_assessment"
        scales = survey.json()["questions"]["questions"]
        assert len(scales) == 4 and {q["kind"] for q in scales} == {"scale"}
        answers = {q["id"]: 4 for q in scales}
        recorded = await client.post(link, json={"answers": answers, "goal_progress": {}})
        assert recorded.status_code == 200, recorded.text
        assert (await client.get(link)).json()["your_answers"] == answers

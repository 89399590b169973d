"""Conversation guides in session invitations, on a real notifications process, broker, Postgres and SMTP server:
the pair's enrolments and a booked session in, invitations with prompts chosen for them out; a lead's own prompts
over HTTP in, in the next invitations."""

from email.message import EmailMessage
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import lead_headers, participant_headers
from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.waiting import wait_for, wait_for_rows
from flipside_notifications.domain.conversation_prompts import BUILT_IN
from flipside_shared.events import ParticipantErased, SessionScheduled

PROGRAM = f"guides-{uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, tmp_path_factory):
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1", FLIPSIDE_SMTP_PORT=str(smtp.port), FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.1"
    )
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


def a_pair(tag: str):
    mentor = enrolled(
        program_id=PROGRAM,
        email=f"mentor-{tag}@example.com",
        locale="de",
        skills=[{"name": "TikTok"}],
        goals=[{"name": "Strategy"}],
    )
    mentee = enrolled(
        program_id=PROGRAM,
        role="mentee",
        grade=8,
        email=f"mentee-{tag}@example.com",
        skills=[{"name": "Business strategy"}],
        goals=[{"name": "Social media"}],
    )
    return mentor, mentee


def booked(mentor, mentee, occurrence: int) -> SessionScheduled:
    attendee = {"time_zone": "Europe/Berlin", "local_start": "2026-06-01T15:00:00+02:00"}
    return SessionScheduled(
        session_id=uuid4(),
        pair_id=uuid4(),
        program_id=PROGRAM,
        kind="kickoff" if occurrence == 0 else "check_in",
        starts_at="2026-06-01T13:00:00+00:00",
        duration_minutes=45,
        occurrence=occurrence,
        mentor={"participant_id": mentor.participant_id, **attendee},
        mentee={"participant_id": mentee.participant_id, **attendee},
    )


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


async def invitation_to(smtp, address: str, count: int = 1) -> EmailMessage:
    await wait_for(lambda: len(smtp.received_by(address)) >= count)
    return smtp.received_by(address)[count - 1]


async def known_areas(db, *people) -> None:
    await wait_for_rows(
        db,
        "SELECT 1 FROM notifications.learning_areas WHERE participant_id = ANY($1::uuid[])",
        [person.participant_id for person in people],
        count=len(people),
    )


async def test_each_side_is_invited_with_prompts_chosen_from_what_the_pair_brings_and_wants(
    sandbox, smtp, notifications, db
):
    mentor, mentee = a_pair("kickoff")
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
    # The invitation's prompts come from both enrolments: the participants topic is read apart from sessions.
    await known_areas(db, mentor, mentee)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(booked(mentor, mentee, 0))])

    english = text_of(await invitation_to(smtp, "mentee-kickoff@example.com"))
    assert "To talk about this time:" in english
    assert f"- {BUILT_IN['kickoff']['en'][0]}" in english, "a kickoff opens with a kickoff prompt"
    assert any(prompt in english for prompt in BUILT_IN["social_media"]["en"]), "what the mentee wants to learn"
    assert any(prompt in english for prompt in BUILT_IN["strategy"]["en"]), "what the mentor wants back"

    german = await invitation_to(smtp, "mentor-kickoff@example.com")
    assert "Worüber Sie diesmal sprechen könnten:" in text_of(german), "in the language of the person's messages"
    assert f"<li>{BUILT_IN['kickoff']['de'][0]}</li>" in german.get_body(("html",)).get_content()


async def test_a_leads_own_prompts_are_in_the_next_invitations_and_only_a_lead_writes_them(
    sandbox, smtp, notifications, db
):
    own = ["Show each other one thing you tried this week."]
    async with httpx.AsyncClient(base_url=notifications.url, headers=participant_headers(uuid4())) as as_participant:
        refused = await as_participant.put(
            f"/programs/{PROGRAM}/conversation-prompts/social_media", json={"language": "en", "prompts": own}
        )
        assert refused.status_code == 403
    async with httpx.AsyncClient(base_url=notifications.url, headers=lead_headers(PROGRAM)) as as_lead:
        unknown = await as_lead.put(
            f"/programs/{PROGRAM}/conversation-prompts/astrology", json={"language": "en", "prompts": own}
        )
        assert unknown.status_code == 422
        empty = await as_lead.put(
            f"/programs/{PROGRAM}/conversation-prompts/social_media", json={"language": "en", "prompts": []}
        )
        assert empty.status_code == 422
        saved = await as_lead.put(
            f"/programs/{PROGRAM}/conversation-prompts/social_media", json={"language": "en", "prompts": own}
        )
        assert saved.status_code == 200, saved.text
        library = (await as_lead.get(f"/programs/{PROGRAM}/conversation-prompts")).json()["areas"]
        assert library["social_media"] == {"prompts": own, "built_in": False}
        assert library["strategy"]["built_in"] is True

    mentor, mentee = a_pair("check-in")
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
    await known_areas(db, mentor, mentee)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(booked(mentor, mentee, 1))])
    invitation = text_of(await invitation_to(smtp, "mentee-check-in@example.com"))
    assert f"- {own[0]}" in invitation
    assert not any(prompt in invitation for prompt in BUILT_IN["kickoff"]["en"]), "no kickoff prompt at a check-in"

    await publish(
        sandbox.bootstrap_servers,
        sandbox.topic_prefix,
        [envelope(ParticipantErased(participant_id=mentee.participant_id, erased_at="2026-06-02T00:00:00+00:00"))],
    )
    await wait_for_rows(
        db,
        "SELECT 1 FROM notifications.recipients WHERE participant_id = $1 HAVING count(*) = 0",
        mentee.participant_id,
    )
    assert not await db.fetchval(
        "SELECT count(*) FROM notifications.learning_areas WHERE participant_id = $1", mentee.participant_id
    ), "their skills and goals are forgotten with them"

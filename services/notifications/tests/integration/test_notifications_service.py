"""Notifications as a real process with a real SMTP server, broker and Postgres."""

import asyncio
from collections import Counter
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest

from flipside_devstack.factories import enrolled, pair_between
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.waiting import wait_for
from flipside_shared.events import (
    NotificationFailed,
    NotificationSent,
    PairProposed,
    ParticipantErased,
    ParticipantProfile,
    ParticipantUnmatched,
    ParticipantUpdated,
    SessionCancelled,
    SessionRescheduled,
    SessionScheduled,
)

REFUSED = "nobody@refused.example.com"


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink(reject={REFUSED}).start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, tmp_path_factory):
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1",
        FLIPSIDE_SMTP_PORT=str(smtp.port),
        FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.1",
    )
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


async def test_pairing_and_invitation_emails_once_each_even_when_redelivered(sandbox, smtp, notifications):
    mentor = enrolled(display_name="Mia Mentor", email="mia@example.com", locale="de")
    mentee = enrolled(display_name="Lee Leader", email="lee@example.com", time_zone="America/New_York", role="mentee")
    pair = pair_between(mentor, mentee)
    paired = envelope(pair)
    kickoff = envelope(
        SessionScheduled(
            session_id=pair.pair_id,
            pair_id=pair.pair_id,
            program_id="pilot",
            kind="kickoff",
            starts_at="2026-06-01T13:00:00+00:00",
            duration_minutes=45,
            mentor={
                "participant_id": mentor.participant_id,
                "time_zone": "Europe/Berlin",
                "local_start": "2026-06-01T15:00:00+02:00",
            },
            mentee={
                "participant_id": mentee.participant_id,
                "time_zone": "America/New_York",
                "local_start": "2026-06-01T09:00:00-04:00",
            },
        )
    )
    # The pair's events arrive before the people's enrolments: the messages wait, then go.
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [paired, kickoff, paired, kickoff])
    await asyncio.sleep(1)
    assert not smtp.received_by("mia@example.com")
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
    await wait_for(
        lambda: len(smtp.received_by("mia@example.com")) >= 2 and len(smtp.received_by("lee@example.com")) >= 2
    )
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}notifications"]) as reader:
        await reader.read_until(lambda _: len(reader.events(NotificationSent)) >= 4)
        await reader.drain(2)
        sent = reader.events(NotificationSent)

    mia = smtp.received_by("mia@example.com")
    assert sorted(m["Subject"] for m in mia) == [
        "Ihr Kickoff mit Lee Leader: Montag 01.06.2026, 15:00 (Europe/Berlin)",
        "Ihr Reverse-Mentoring-Partner steht fest",
    ]
    lee_invite = next(m for m in smtp.received_by("lee@example.com") if "kickoff" in m["Subject"])
    assert "Monday 2026-06-01, 09:00 (America/New_York)" in lee_invite["Subject"]
    attachment = next(part for part in lee_invite.iter_attachments() if part.get_content_type() == "text/calendar")
    assert f"UID:{pair.pair_id}@flipside" in attachment.get_content()
    assert lee_invite["Message-ID"].endswith("@flipside>")
    assert Counter(e.event.cause_event_id for e in sent) == Counter({paired.id: 2, kickoff.id: 2})
    assert all(e.correlation_id == paired.correlation_id for e in sent if e.event.cause_event_id == paired.id)


async def test_a_refused_address_fails_with_the_reason_and_others_still_go(sandbox, smtp, notifications):
    refused = enrolled(email=REFUSED)
    accepted = enrolled(email="fine@example.com", role="mentee")
    pair = pair_between(refused, accepted)
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}notifications"]) as reader:
        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(refused), envelope(accepted), envelope(pair)]
        )
        await reader.read_until(
            lambda _: any(e.event.participant_id == refused.participant_id for e in reader.events(NotificationFailed))
        )
        [failed] = [
            e.event for e in reader.events(NotificationFailed) if e.event.participant_id == refused.participant_id
        ]
    await wait_for(lambda: smtp.received_by("fine@example.com"))
    assert failed.permanent and failed.attempts == 1 and failed.reason.startswith("recipient refused: 550")
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        row = await conn.fetchrow(
            "SELECT status, last_error FROM notifications.deliveries WHERE recipient_id = $1", refused.participant_id
        )
    finally:
        await conn.close()
    assert row["status"] == "failed" and row["last_error"] == failed.reason, "the delivery log keeps the reason"
    assert not smtp.received_by(REFUSED)


async def test_a_changed_address_is_used_from_then_on_and_an_update_never_revives_an_erased_person(
    sandbox, smtp, notifications
):
    mentor = enrolled(display_name="Ola Old", email="ola.old@example.com")
    mentee = enrolled(display_name="Gone Person", email="gone@example.com", role="mentee")
    moved = ParticipantUpdated(
        participant_id=mentor.participant_id,
        profile=ParticipantProfile.model_validate({**mentor.profile.model_dump(), "email": "ola.new@example.com"}),
    )
    erased = ParticipantErased(participant_id=mentee.participant_id, erased_at=datetime.now(UTC))
    revived = ParticipantUpdated(participant_id=mentee.participant_id, profile=mentee.profile)
    people_events = [envelope(e) for e in (mentor, mentee, moved, erased, revived)]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, people_events)
    # The pair comes on another topic: only once the people's events are handled is its order after them certain.
    conn = await asyncpg.connect(sandbox.database_url)
    try:

        async def handled():
            return await conn.fetchval(
                "SELECT count(*) FROM notifications.inbox WHERE event_id = ANY($1::uuid[])",
                [e.id for e in people_events],
            ) == len(people_events)

        for _ in range(300):
            if await handled():
                break
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    pair = pair_between(mentor, mentee)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair)])
    await wait_for(lambda: smtp.received_by("ola.new@example.com"))
    await asyncio.sleep(1)
    assert not smtp.received_by("ola.old@example.com") and not smtp.received_by("gone@example.com")
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM notifications.recipients WHERE participant_id = $1", mentee.participant_id
            )
            == 0
        )
    finally:
        await conn.close()


async def test_a_moved_then_cancelled_session_updates_calendars_by_the_same_uid_and_rising_sequence(
    sandbox, smtp, notifications
):
    mentor = enrolled(display_name="Cal Cancel", email="cal@example.com")
    mentee = enrolled(display_name="Dee Dissolved", email="dee@example.com", role="mentee", locale="de")
    session_id = uuid4()
    attendees = {
        "mentor": {
            "participant_id": mentor.participant_id,
            "time_zone": "Europe/Berlin",
            "local_start": "2026-07-06T15:00:00+02:00",
        },
        "mentee": {
            "participant_id": mentee.participant_id,
            "time_zone": "Europe/Berlin",
            "local_start": "2026-07-06T15:00:00+02:00",
        },
    }
    booked = SessionScheduled(
        session_id=session_id,
        pair_id=uuid4(),
        program_id="pilot",
        kind="kickoff",
        starts_at="2026-07-06T13:00:00+00:00",
        duration_minutes=45,
        **attendees,
    )
    moved = SessionRescheduled(
        session_id=session_id,
        pair_id=booked.pair_id,
        program_id="pilot",
        kind="kickoff",
        previous_starts_at=booked.starts_at,
        starts_at="2026-07-07T13:00:00+00:00",
        duration_minutes=45,
        reason="requested",
        sequence=1,
        **attendees,
    )
    cancelled = SessionCancelled(
        session_id=session_id,
        pair_id=booked.pair_id,
        program_id="pilot",
        kind="kickoff",
        starts_at=moved.starts_at,
        duration_minutes=45,
        participant_ids=[mentor.participant_id, mentee.participant_id],
        reason="pair_dissolved",
        sequence=2,
        cancelled_at=datetime.now(UTC),
    )
    redelivered = envelope(cancelled)
    await publish(
        sandbox.bootstrap_servers,
        sandbox.topic_prefix,
        [envelope(e) for e in (mentor, mentee, booked, moved)] + [redelivered] * 2,
    )
    await wait_for(
        lambda: len(smtp.received_by("cal@example.com")) >= 3 and len(smtp.received_by("dee@example.com")) >= 3
    )
    await asyncio.sleep(1)
    cal = smtp.received_by("cal@example.com")
    assert len(cal) == 3, "invitation, move, cancellation: once each, although the cancellation came twice"
    calendars = {
        m["Subject"].split(":")[0].strip(): next(
            p for p in m.iter_attachments() if p.get_content_type() == "text/calendar"
        ).get_content()
        for m in cal
    }
    assert set(calendars) == {"Your kickoff with Dee Dissolved", "Moved", "Cancelled"}
    assert "METHOD:REQUEST" in calendars["Moved"] and "SEQUENCE:1" in calendars["Moved"]
    assert "METHOD:CANCEL" in calendars["Cancelled"] and "STATUS:CANCELLED" in calendars["Cancelled"]
    assert "SEQUENCE:2" in calendars["Cancelled"] and "SEQUENCE:0" in calendars["Your kickoff with Dee Dissolved"]
    assert all(f"UID:{session_id}@flipside" in text for text in calendars.values())
    german = [m["Subject"] for m in smtp.received_by("dee@example.com")]
    assert any(s.startswith("Verschoben: Ihr Kickoff mit Cal Cancel") for s in german)
    assert any(s.startswith("Abgesagt: Ihr Kickoff mit Cal Cancel") for s in german)


async def test_the_asked_side_hears_of_a_proposal_and_the_unmatched_hear_why(sandbox, smtp, notifications):
    proposer = enrolled(display_name="Pat Picker", email="pat@example.com", role="mentee", grade=8)
    asked = enrolled(display_name="Ash Asked", email="ash@example.com")
    alone = enrolled(display_name="Lou Lonely", email="lou@example.com", locale="de")
    proposal = PairProposed(
        pair_id=uuid4(),
        program_id="pilot",
        mentor_id=asked.participant_id,
        mentee_id=proposer.participant_id,
        proposed_by=proposer.participant_id,
        score=0.6,
        score_breakdown={"mentor_teaches": 0.6},
        reasons=["mentor can teach the mentee TikTok (+0.600)"],
        expires_at="2026-06-04T10:00:00+00:00",
    )
    unmatched = ParticipantUnmatched(
        participant_id=alone.participant_id,
        program_id="pilot",
        run_id=uuid4(),
        reasons=["no mentor shares a language"],
    )
    await publish(
        sandbox.bootstrap_servers,
        sandbox.topic_prefix,
        [envelope(e) for e in (proposer, asked, alone, proposal, unmatched)],
    )
    await wait_for(lambda: smtp.received_by("ash@example.com") and smtp.received_by("lou@example.com"))
    await asyncio.sleep(1)
    [to_asked] = smtp.received_by("ash@example.com")
    assert to_asked["Subject"] == "Pat Picker would like you as their mentor"
    assert "mentor can teach the mentee TikTok" in to_asked.get_body(("plain",)).get_content()
    assert not smtp.received_by("pat@example.com"), "the one who picked is not told what they did"
    [to_alone] = smtp.received_by("lou@example.com")
    assert to_alone["Subject"] == "Noch kein Reverse-Mentoring-Partner für Sie"
    assert (
        "keine Mentorin und kein Mentor spricht eine gemeinsame Sprache" in to_alone.get_body(("plain",)).get_content()
    )


async def test_a_stored_hostile_name_injects_no_header_and_an_unsendable_address_fails_while_the_rest_goes(
    sandbox, smtp, notifications
):
    asked = enrolled(display_name="Ada Asked", email="ada@example.com")
    proposer, unsendable = uuid4(), uuid4()
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        # Stored before names and addresses were checked at the door.
        await conn.executemany(
            "INSERT INTO notifications.recipients (participant_id, display_name, email, locale, time_zone)"
            " VALUES ($1, $2, $3, 'en', 'Europe/Berlin')",
            [
                (proposer, "Eve\r\nBcc: spy@evil.example\u2028X-Evil: 1", "eve@example.com"),
                (unsendable, "Mallory", "mallory@example.com\r\nBcc: spy@evil.example"),
            ],
        )
    finally:
        await conn.close()
    proposal = PairProposed(
        pair_id=uuid4(),
        program_id="pilot",
        mentor_id=asked.participant_id,
        mentee_id=proposer,
        proposed_by=proposer,
        score=0.6,
        score_breakdown={"mentor_teaches": 0.6},
        reasons=["mentor can teach the mentee TikTok (+0.600)"],
        expires_at="2026-06-04T10:00:00+00:00",
    )
    unmatched = ParticipantUnmatched(
        participant_id=unsendable, program_id="pilot", run_id=uuid4(), reasons=["no mentor left"]
    )
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}notifications"]) as reader:
        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(unmatched), envelope(asked), envelope(proposal)]
        )
        await reader.read_until(
            lambda _: any(e.event.participant_id == unsendable for e in reader.events(NotificationFailed))
        )
        [failed] = [e.event for e in reader.events(NotificationFailed) if e.event.participant_id == unsendable]
    await wait_for(lambda: smtp.received_by("ada@example.com"))
    [to_asked] = smtp.received_by("ada@example.com")
    assert to_asked["Subject"] == "Eve Bcc: spy@evil.example X-Evil: 1 would like you as their mentor"
    assert "Bcc" not in to_asked and "X-Evil" not in to_asked, "the name stayed text on one line"
    assert failed.permanent and failed.reason.startswith("cannot compose the email message")
    assert not [m for m in smtp.received() if "spy@evil.example" in str(m["To"])]

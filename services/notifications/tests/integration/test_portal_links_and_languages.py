"""Every e-mail links to the portal page where its action is done, and is written in the language the
person chose: a real process, events into Kafka, e-mails out through an SMTP sink."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from flipside_devstack.auth import participant_headers
from flipside_devstack.factories import enrolled, pair_between
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for, wait_for_rows
from flipside_shared.events import (
    FeedbackRequested,
    PairAtRisk,
    PairProposed,
    RecognitionAwarded,
    ReminderDue,
    SessionCancelled,
    SessionRescheduled,
    SessionScheduled,
)

PORTAL = "https://portal.example.com"
SURVEYS = "https://feedback.example.com"
REASONS = [
    "reverse: mentor is 6 grade(s) below the mentee (grade 2 and grade 8)",
    "mentor can teach the mentee TikTok, video editing (through Reels) (+0.400)",
    "same meeting style: rhythm weekly, mode video (+0.050)",
    "4.5 h of shared working time per week (+0.100)",
    "a reason matching may give one day",
]


def service(sandbox, smtp, logs, **env):
    return ServiceProcess(
        "notifications",
        sandbox.env(
            FLIPSIDE_SMTP_HOST="127.0.0.1",
            FLIPSIDE_SMTP_PORT=str(smtp.port),
            FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.1",
            FLIPSIDE_FEEDBACK_PUBLIC_BASE_URL=SURVEYS,
            **env,
        ),
        logs,
    )


# One service at a time: two would share the topics' partitions, and either could send a message.
@pytest.fixture
def with_portal(sandbox, smtp, tmp_path_factory):
    with service(sandbox, smtp, tmp_path_factory.mktemp("logs"), FLIPSIDE_NOTIFICATIONS_PORTAL_URL=f"{PORTAL}/") as s:
        yield s


@pytest.fixture
def without_portal(sandbox, smtp, tmp_path_factory):
    with service(sandbox, smtp, tmp_path_factory.mktemp("logs")) as s:
        yield s


async def enrol(sandbox, db, *people):
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(p) for p in people])
    ids = [p.participant_id for p in people]
    await wait_for_rows(
        db, "SELECT 1 FROM notifications.recipients WHERE participant_id = ANY($1::uuid[])", ids, count=len(ids)
    )


def plain(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html(message) -> str:
    return message.get_body(("html",)).get_content()


async def test_each_email_links_to_the_portal_page_of_its_action(sandbox, smtp, db, with_portal):
    mentor = enrolled(display_name="Pia Portal", email="pia@example.com")
    mentee = enrolled(display_name="Ole Other", email="ole@example.com", role="mentee", time_zone="America/New_York")
    await enrol(sandbox, db, mentor, mentee)
    pair = pair_between(mentor, mentee, reasons=REASONS)
    proposal = PairProposed(
        pair_id=uuid4(),
        program_id="pilot",
        mentor_id=mentor.participant_id,
        mentee_id=mentee.participant_id,
        proposed_by=mentee.participant_id,
        score=0.6,
        score_breakdown={"mentor_teaches": 0.6},
        reasons=REASONS[:2],
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    attendees = {
        role: {
            "participant_id": person.participant_id,
            "time_zone": zone,
            "local_start": soon.astimezone(ZoneInfo(zone)),
        }
        for role, person, zone in (("mentor", mentor, "Europe/Berlin"), ("mentee", mentee, "America/New_York"))
    }
    booked = SessionScheduled(
        session_id=uuid4(),
        pair_id=pair.pair_id,
        program_id="pilot",
        kind="kickoff",
        starts_at=soon,
        duration_minutes=45,
        **attendees,
    )
    moved = SessionRescheduled(
        session_id=booked.session_id,
        pair_id=pair.pair_id,
        program_id="pilot",
        kind="kickoff",
        previous_starts_at=soon,
        starts_at=soon + timedelta(days=1),
        duration_minutes=45,
        reason="requested",
        sequence=1,
        **attendees,
    )
    cancelled = SessionCancelled(
        session_id=booked.session_id,
        pair_id=pair.pair_id,
        program_id="pilot",
        kind="kickoff",
        starts_at=moved.starts_at,
        duration_minutes=45,
        participant_ids=[mentor.participant_id],
        reason="requested",
        sequence=2,
        cancelled_at=datetime.now(UTC),
    )
    reminder = ReminderDue(
        session_id=uuid4(),
        pair_id=pair.pair_id,
        participant_ids=[mentor.participant_id],
        starts_at=soon,
        minutes_before=60,
    )
    survey = FeedbackRequested(
        request_id=uuid4(),
        pair_id=pair.pair_id,
        session_id=booked.session_id,
        participant_id=mentor.participant_id,
        role="mentor",
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    recognition = RecognitionAwarded(
        recognition_id=uuid4(),
        pair_id=pair.pair_id,
        program_id="pilot",
        participant_ids=[mentor.participant_id],
        milestone="kickoff_held",
        awarded_at=datetime.now(UTC),
    )
    at_risk = PairAtRisk(
        pair_id=pair.pair_id,
        program_id="pilot",
        mentor_id=mentor.participant_id,
        mentee_id=mentee.participant_id,
        score=0.3,
        reasons=["the two sides rate their sessions very differently"],
        detected_at=datetime.now(UTC),
    )
    events = (proposal, pair, booked, moved, cancelled, reminder, survey, recognition, at_risk)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(e) for e in events])
    await wait_for(lambda: len(smtp.received_by("pia@example.com")) >= len(events))
    await asyncio.sleep(1)
    received = smtp.received_by("pia@example.com")
    assert len(received) == len(events)

    def sent(subject_start: str):
        [message] = [m for m in received if m["Subject"].startswith(subject_start)]
        return message

    pages = {
        "Ole Other would like you as their mentor": f"{PORTAL}/proposals",
        "You have a reverse mentoring partner": f"{PORTAL}/pairs/{pair.pair_id}",
        "Your kickoff with Ole Other": f"{PORTAL}/sessions",
        "Moved: your kickoff": f"{PORTAL}/sessions",
        "Cancelled: your kickoff": f"{PORTAL}/sessions",
        "Reminder: mentoring session": f"{PORTAL}/sessions",
        "Well done: you held your kickoff": f"{PORTAL}/pairs/{pair.pair_id}",
        "Your pair with Ole Other may need a new start": f"{PORTAL}/pairs/{pair.pair_id}",
    }
    for subject, page in pages.items():
        message = sent(subject)
        assert f": {page}\n" in plain(message) + "\n", f"{subject}: the text names {page}"
        assert f'<a href="{page}">' in html(message), f"{subject}: the html links {page}"
    assert "rate their sessions" not in plain(sent("Your pair with Ole Other")), "no signal drawn from answers"
    check_in = sent("How did your mentoring session go?")
    assert survey_link(PORTAL, survey) in plain(check_in), "the same signed token, opened by the portal's form"
    assert SURVEYS not in plain(check_in)
    proposal_text = plain(sent("Ole Other would like you"))
    assert "in Flipside" not in proposal_text and "Answer the proposal: https://portal.example.com/proposals" in (
        proposal_text
    )
    for message in received:
        assert f"Your notification preferences: {PORTAL}/preferences" in plain(message)
        assert f'<a href="{PORTAL}/preferences">' in html(message)
        assert message["List-Unsubscribe"].startswith("<http") and "/unsubscribe/" in message["List-Unsubscribe"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "one-click unsubscribe stays"


async def test_a_german_person_gets_the_pair_email_and_its_reasons_in_german_an_english_one_as_before(
    sandbox, smtp, db, without_portal
):
    mentor = enrolled(display_name="Dora Deutsch", email="dora@example.com")
    mentee = enrolled(display_name="Eli English", email="eli@example.com", role="mentee", locale="de")
    await enrol(sandbox, db, mentor, mentee)
    chosen = httpx.put(
        f"{without_portal.url}/participants/{mentor.participant_id}/preferences",
        json={"language": "de"},
        headers=participant_headers(mentor.participant_id),
        timeout=10,
    )
    assert chosen.status_code == 200 and chosen.json()["language"] == "de", chosen.text
    also_chosen = httpx.put(
        f"{without_portal.url}/participants/{mentee.participant_id}/preferences",
        json={"language": "en"},
        headers=participant_headers(mentee.participant_id),
        timeout=10,
    )
    assert also_chosen.json()["language"] == "en", "the choice counts over the profile's locale"
    refused = httpx.put(
        f"{without_portal.url}/participants/{mentor.participant_id}/preferences",
        json={"language": "fr"},
        headers=participant_headers(mentor.participant_id),
        timeout=10,
    )
    assert refused.status_code == 422 and "language" in refused.text
    read = httpx.get(
        f"{without_portal.url}/participants/{mentor.participant_id}/preferences",
        headers=participant_headers(mentor.participant_id),
        timeout=10,
    )
    assert read.json()["language"] == "de", "a refused change changes nothing"

    pair = pair_between(mentor, mentee, reasons=REASONS)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair)])
    await wait_for(lambda: smtp.received_by("dora@example.com") and smtp.received_by("eli@example.com"))
    [german] = smtp.received_by("dora@example.com")
    [english] = smtp.received_by("eli@example.com")

    assert german["Subject"] == "Ihr Reverse-Mentoring-Partner steht fest"
    text = plain(german)
    assert "Sie wurden mit Eli English zusammengebracht, als Mentor:in." in text
    assert (
        "- Reverse Mentoring: Die Mentorin oder der Mentor steht 6 Stufe(n) unter dem Mentee (grade 2 und grade 8)\n"
        "- Mentor:in kann dem Mentee TikTok, video editing (über Reels) beibringen (+0.400)\n"
        "- gleiche Art, sich zu treffen: Rhythmus wöchentlich, Form Video (+0.050)\n"
        "- 4.5 Std. gemeinsame Arbeitszeit pro Woche (+0.100)\n"
        "- a reason matching may give one day\n"
    ) in text, "every known reason in German; one not known as it came"
    assert "<li>Mentor:in kann dem Mentee TikTok, video editing (über Reels) beibringen (+0.400)</li>" in html(german)
    assert "Keine Nachrichten zur Partnersuche mehr" in text
    assert "portal" not in text, "no portal configured: no portal links"

    assert english["Subject"] == "You have a reverse mentoring partner"
    assert plain(english).split("\n\n--\n")[0] == (
        "Hello Eli English,\n\n"
        "you have been paired with Dora Deutsch as their mentee.\n"
        "Why this pair:\n"
        + "".join(f"- {reason}\n" for reason in REASONS)
        + "\nYour kickoff invitation follows in a separate message."
    ), "an English pair e-mail reads as it always did"

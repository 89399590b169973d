"""A program's notices on the real stack: program and people events in, e-mails out in each person's language,
each once per recipient even when every event is delivered twice."""

import asyncio
import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from icalendar import Calendar

from flipside_devstack.factories import enrolled, pair_between
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.waiting import wait_for
from flipside_shared.events import (
    PairAtRisk,
    PairDeclined,
    PairDissolved,
    PairProposed,
    ParticipantUnmatched,
    ProgramCompleted,
    ProgramDefined,
    SchedulingFailed,
    SessionScheduled,
)

MEETING = "https://teams.example.com/l/meetup-join/{pair_id}"


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, tmp_path_factory):
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1",
        FLIPSIDE_SMTP_PORT=str(smtp.port),
        FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.1",
        FLIPSIDE_NOTIFICATIONS_UNMATCHED_QUIET_SECONDS="1",
        FLIPSIDE_NOTIFICATIONS_WEEKLY_DIGEST_POLL_SECONDS="0.5",
        FLIPSIDE_NOTIFICATIONS_WEEK_QUIET_SECONDS="2",
        FLIPSIDE_NOTIFICATIONS_PORTAL_URL="https://portal.example.com",
    )
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


def program_event(kind, program_id, leads, occurred_at, **details):
    return kind(
        program_id=program_id,
        status="completed" if kind is ProgramCompleted else "open",
        program={
            "name": "Pilot 2027",
            "leads": leads,
            "sponsors": [
                {
                    "subject": f"{program_id}-sponsor",
                    "display_name": "Sol Sponsor",
                    "email": f"sol@{program_id}.example.com",
                }
            ],
            "meeting_link": {"kind": "teams", "url_template": MEETING},
            **details,
        },
        occurred_at=occurred_at,
    )


async def program_stored(db, program_id):
    for _ in range(300):
        if await db.fetchval("SELECT EXISTS (SELECT 1 FROM notifications.programs WHERE program_id = $1)", program_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{program_id} was not stored")


def subjects(smtp, address):
    return Counter(message["Subject"] for message in smtp.received_by(address))


def text_of(smtp, address, subject_part):
    [message] = [m for m in smtp.received_by(address) if subject_part in m["Subject"]]
    return message, message.get_body(preferencelist=("plain",)).get_content()


async def twice(sandbox, events):
    """Every event published twice, as a redelivery after a crash would."""
    records = [envelope(event) for event in events]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, records + records)


async def test_a_program_from_welcome_to_closing_tells_each_person_each_notice_once_in_their_language(
    sandbox, db, smtp, notifications
):
    program_id = f"p-{uuid4().hex[:8]}"
    lena, lou = f"lena@{program_id}.example.com", f"lou@{program_id}.example.com"
    leads = [
        {"subject": f"{program_id}-lena", "display_name": "Lena Lead", "email": lena, "locale": "de"},
        {"subject": f"{program_id}-lou", "display_name": "Lou Lead", "email": lou, "locale": "en"},
    ]
    mia, lee = f"mia@{program_id}.example.com", f"lee@{program_id}.example.com"
    mentor = enrolled(program_id=program_id, display_name="Mia Mentor", email=mia, locale="de")
    mentee = enrolled(program_id=program_id, display_name="Lee Leader", email=lee, role="mentee", grade=8)
    now = datetime.now(UTC)

    # The program first (matching defines it before anyone can enrol), then its people: a welcome names the
    # program, notices to leads and invitations need it known.
    await twice(sandbox, [program_event(ProgramDefined, program_id, leads, now)])
    await program_stored(db, program_id)
    await twice(sandbox, [mentor, mentee])
    await wait_for(lambda: smtp.received_by(mia) and smtp.received_by(lee))

    pair = pair_between(mentor, mentee, program_id=program_id)
    proposal_id, run_id = uuid4(), uuid4()
    session_id = uuid4()
    await twice(
        sandbox,
        [
            PairProposed(
                pair_id=proposal_id,
                program_id=program_id,
                mentor_id=mentor.participant_id,
                mentee_id=mentee.participant_id,
                proposed_by=mentee.participant_id,
                score=1.0,
                score_breakdown={},
                reasons=[],
                expires_at=now + timedelta(days=7),
            ),
            PairDeclined(pair_id=proposal_id, program_id=program_id, reason="expired", declined_at=now),
            pair,
            SessionScheduled(
                session_id=session_id,
                pair_id=pair.pair_id,
                program_id=program_id,
                kind="kickoff",
                starts_at="2027-06-01T13:00:00+00:00",
                duration_minutes=45,
                mentor={
                    "participant_id": mentor.participant_id,
                    "time_zone": "Europe/Berlin",
                    "local_start": "2027-06-01T15:00:00+02:00",
                },
                mentee={
                    "participant_id": mentee.participant_id,
                    "time_zone": mentee.profile.time_zone,
                    "local_start": "2027-06-01T13:00:00+00:00",
                },
            ),
            PairAtRisk(
                pair_id=pair.pair_id,
                program_id=program_id,
                mentor_id=mentor.participant_id,
                mentee_id=mentee.participant_id,
                score=0.2,
                reasons=["two check-ins unanswered"],
                detected_at=now,
            ),
            SchedulingFailed(pair_id=pair.pair_id, program_id=program_id, reason="no slot in both working hours"),
            *(
                ParticipantUnmatched(
                    participant_id=uuid4(),
                    program_id=program_id,
                    run_id=run_id,
                    reasons=["no mentor shares a language"],
                )
                for _ in range(3)
            ),
            PairDissolved(pair_id=pair.pair_id, program_id=program_id, reason="mismatch", dissolved_at=now),
        ],
    )
    await wait_for(lambda: len(smtp.received_by(lee)) >= 6 and len(smtp.received_by(lena)) >= 3, timeout=60)
    await twice(sandbox, [program_event(ProgramCompleted, program_id, leads, now + timedelta(seconds=1))])
    await wait_for(lambda: len(smtp.received_by(mia)) >= 7 and len(smtp.received_by(lee)) >= 7, timeout=60)
    await asyncio.sleep(2)  # long enough for any second copy to have gone out

    assert subjects(smtp, mia) == Counter(
        {
            "Willkommen bei Pilot 2027": 1,
            "Lee Leader möchte Sie als Mentor:in": 1,
            "Ihr Reverse-Mentoring-Partner steht fest": 1,
            "Ihr Kickoff mit Lee Leader: Dienstag 01.06.2027, 15:00 (Europe/Berlin)": 1,
            "Ihr Paar mit Lee Leader braucht vielleicht einen neuen Anfang": 1,
            "Ihr Paar mit Lee Leader ist beendet": 1,
            "Pilot 2027 ist zu Ende: vielen Dank": 1,
        }
    )
    assert set(subjects(smtp, lee).values()) == {1} and len(subjects(smtp, lee)) == 7
    assert {
        "Welcome to Pilot 2027",
        "Your proposal to Mia Mentor has lapsed",
        "Pilot 2027 has ended: thank you",
    } <= set(subjects(smtp, lee))
    assert subjects(smtp, lena) == Counter(
        {
            "Ein Paar in Pilot 2027 braucht vielleicht Ihre Hilfe": 1,
            "Keine Zeit für ein Paar in Pilot 2027 gefunden": 1,
            "Ein Matching-Lauf in Pilot 2027 hat 3 Personen ohne Partner gelassen": 1,
        }
    )
    assert subjects(smtp, lou) == Counter(
        {
            "A pair in Pilot 2027 may need your help": 1,
            "No time found for a pair in Pilot 2027": 1,
            "A match run in Pilot 2027 left 3 people without a partner": 1,
        }
    )
    assert not smtp.received_by(f"sol@{program_id}.example.com"), "sponsors see aggregate results, not notices"

    invitation, text = text_of(smtp, lee, "kickoff")
    link = MEETING.replace("{pair_id}", str(pair.pair_id))
    assert f"Where you meet: {link}" in text and "A suggested agenda:" in text
    [ics] = [part for part in invitation.iter_attachments() if part.get_content_type() == "text/calendar"]
    [entry] = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(entry["LOCATION"]) == link
    _, summary = text_of(smtp, lou, "match run")
    assert "- no mentor shares a language: 3" in summary
    assert f"https://portal.example.com/lead/programs/{program_id}/runs" in summary
    _, dissolved = text_of(smtp, mia, "ist beendet")
    assert "niemandes Schuld" in dissolved and "Sie werden neu zugeordnet" in dissolved

    owed = await db.fetch(
        "SELECT template, count(*) AS n FROM notifications.deliveries WHERE channel = 'email'"
        " AND recipient_id IN (SELECT contact_id FROM notifications.program_contacts WHERE program_id = $1)"
        " GROUP BY template",
        program_id,
    )
    assert {row["template"]: row["n"] for row in owed} == {
        "lead_pair_at_risk": 2,
        "lead_scheduling_failed": 2,
        "lead_unmatched_summary": 2,
    }


async def test_a_lead_no_longer_named_is_forgotten_and_an_older_description_changes_nothing(
    sandbox, db, smtp, notifications
):
    program_id = f"p-{uuid4().hex[:8]}"
    kept = {"subject": f"{program_id}-kim", "display_name": "Kim Kept", "email": f"kim@{program_id}.example.com"}
    dropped = {"subject": f"{program_id}-dan", "display_name": "Dan Dropped", "email": f"dan@{program_id}.example.com"}
    now = datetime.now(UTC)
    await twice(sandbox, [program_event(ProgramDefined, program_id, [kept, dropped], now)])

    async def leads():
        return await db.fetch(
            "SELECT r.email FROM notifications.program_contacts c JOIN notifications.recipients r"
            " ON r.participant_id = c.contact_id WHERE c.program_id = $1 AND c.role = 'lead' ORDER BY r.email",
            program_id,
        )

    async def settled(expected):
        for _ in range(300):
            if [row["email"] for row in await leads()] == expected:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"leads of {program_id}: {[row['email'] for row in await leads()]}")

    await settled([dropped["email"], kept["email"]])
    renamed = program_event(ProgramDefined, program_id, [kept], now + timedelta(minutes=1), name="Pilot 2027, renamed")
    stale = program_event(ProgramDefined, program_id, [kept, dropped], now - timedelta(minutes=1), name="Old name")
    await twice(sandbox, [renamed, stale])
    await settled([kept["email"]])
    await asyncio.sleep(1)
    assert await db.fetchval("SELECT name FROM notifications.programs WHERE program_id = $1", program_id) == (
        "Pilot 2027, renamed"
    )
    assert not await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM notifications.recipients WHERE email = $1)", dropped["email"]
    ), "a lead no one names any more is forgotten with their address"


async def test_leads_get_one_digest_of_each_ended_week_of_their_program(sandbox, db, smtp, notifications):
    program_id = f"p-{uuid4().hex[:8]}"
    lead = {"subject": f"{program_id}-wil", "display_name": "Wil Weekly", "email": f"wil@{program_id}.example.com"}
    await twice(sandbox, [program_event(ProgramDefined, program_id, [lead], datetime.now(UTC))])
    await program_stored(db, program_id)
    # Events published in a week that has ended: two enrolments and a pair, each delivered twice.
    last_week = datetime.now(UTC) - timedelta(days=7)
    mentor = enrolled(program_id=program_id, email=f"m@{program_id}.example.com")
    mentee = enrolled(program_id=program_id, email=f"e@{program_id}.example.com", role="mentee", grade=8)
    records = [
        dataclasses.replace(envelope(event), time=last_week)
        for event in (mentor, mentee, pair_between(mentor, mentee, program_id=program_id))
    ]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, records + records)
    address = lead["email"]
    await wait_for(lambda: smtp.received_by(address), timeout=60)
    await asyncio.sleep(2)

    week = (last_week.date() - timedelta(days=last_week.weekday())).isoformat()
    assert subjects(smtp, address) == Counter({f"Pilot 2027: the week from {week}": 1})
    _, text = text_of(smtp, address, "the week from")
    assert "- new enrolments: 2\r\n- pairs made: 1\r\n" in text
    assert f"https://portal.example.com/lead/programs/{program_id}/insights" in text

"""The first slice end to end: enrolment to e-mail, every hop through Kafka, every state in Postgres."""

import re
from collections import Counter

import httpx

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.programs import configure_program, configure_schedule
from flipside_shared.events import (
    CheckInDue,
    FeedbackRequested,
    NotificationSent,
    PairCreated,
    ReminderDue,
    SessionScheduled,
)

COUPLES = 8


async def test_enrolments_flow_to_pairs_kickoffs_check_ins_feedback_requests_and_emails(stack, platform, smtp):
    prefix = platform.topic_prefix
    cohort = [event for index in range(COUPLES) for event in mentor_and_mentee(program_id="e2e", index=index)]
    configure_program(platform["matching"].url, "e2e")
    # One session per pair: at a simulated day per second, a slow run would otherwise see the next check-ins too.
    configure_schedule(platform["scheduling"].url, "e2e", length_weeks=1)
    over_http, over_kafka = cohort[:COUPLES], cohort[COUPLES:]
    async with httpx.AsyncClient(headers=admin_headers(), base_url=platform["matching"].url) as client:
        for enrolment in over_http:
            body = {**enrolment.profile.model_dump(mode="json"), "participant_id": str(enrolment.participant_id)}
            assert (await client.post("/participants", json=body)).status_code == 202
    duplicate = envelope(over_kafka[0])
    await publish(stack.bootstrap_servers, prefix, [duplicate, duplicate] + [envelope(e) for e in over_kafka[1:]])

    emails = {e.profile.email for e in cohort}
    topics = [f"{prefix}{name}" for name in ("pairs", "sessions", "feedback", "notifications")]
    async with TopicReader(stack.bootstrap_servers, topics) as reader:

        def survey_mails_to_all_recorded(_):
            surveyed = {m["To"] for m in smtp.received() if "/surveys/" in m.get_body(("plain",)).get_content()}
            request_ids = {r.id for r in reader.events(FeedbackRequested)}
            recorded = {e.event.cause_event_id for e in reader.events(NotificationSent)} & request_ids
            return emails <= surveyed and len(recorded) >= 2 * COUPLES

        await reader.read_until(survey_mails_to_all_recorded, timeout=180)
        await reader.drain(1)  # room for a duplicate to show up
        pairs = {e.event.pair_id: e for e in reader.events(PairCreated)}
        kickoffs = [e for e in reader.events(SessionScheduled) if e.event.kind == "kickoff"]
        check_ins = {e.event.session_id: e for e in reader.events(CheckInDue)}
        requests = reader.events(FeedbackRequested)
        reminders = reader.events(ReminderDue)
        sent = reader.events(NotificationSent)
        published = [r.value for r in reader.records if r.value is not None]

    assert len(pairs) == COUPLES
    assert Counter(e.event.pair_id for e in kickoffs) == Counter({pair_id: 1 for pair_id in pairs})
    assert {e.event.session_id for e in kickoffs} == set(check_ins)
    assert Counter((e.event.session_id, e.event.role) for e in requests) == Counter(
        {(session_id, role): 1 for session_id in check_ins for role in ("mentor", "mentee")}
    )
    assert reminders, "reminders fire before each kickoff"

    # One chain from enrolment to e-mail: every hop carries the correlation id of the enrolment.
    for pair in pairs.values():
        kickoff = next(e for e in kickoffs if e.event.pair_id == pair.event.pair_id)
        assert kickoff.causation_id == pair.id and kickoff.correlation_id == pair.correlation_id
        check_in = check_ins[kickoff.event.session_id]
        assert check_in.correlation_id == pair.correlation_id
        for request in (r for r in requests if r.event.session_id == kickoff.event.session_id):
            assert request.causation_id == check_in.id and request.correlation_id == pair.correlation_id

    # Each e-mail is recorded once, on the notifications topic, in the chain of the event it tells of.
    feedback_sent = [e for e in sent if e.event.cause_event_id in {r.id for r in requests}]
    assert len({e.event.cause_event_id for e in feedback_sent}) == 2 * COUPLES
    assert Counter(m["To"] for m in smtp.received() if "/surveys/" in m.get_body(("plain",)).get_content()) == Counter(
        {address: 1 for address in emails}
    )

    # A link is its holder's credential: the e-mail carries a working one, the topics (and so webhooks) none.
    assert not [value for value in published if b"/surveys/" in value or b"/calendars/" in value]
    assert {r.type for r in requests} == {"flipside.feedback.requested.v2"}
    survey_mail = next(m for m in smtp.received() if "/surveys/" in m.get_body(("plain",)).get_content())
    # The link opens feedback's page or, with a portal, the portal's form; feedback answers its signed token either way.
    token = re.search(r"https?://\S+/surveys/([\w.-]+)", survey_mail.get_body(("plain",)).get_content()).group(1)
    assert httpx.get(f"{platform['feedback'].url}/surveys/{token}", timeout=10).json()["questions"]["version"] == 1
    kickoff_mail = next(m for m in smtp.received() if "/calendars/" in m.get_body(("plain",)).get_content())
    feed_url = re.search(
        r"https?://\S+/calendars/[\w.-]+\.ics", kickoff_mail.get_body(("plain",)).get_content()
    ).group()
    assert "BEGIN:VCALENDAR" in httpx.get(feed_url, timeout=10).text

    # What the services logged on the way names no one: ids only, never an address or a name.
    logged = "\n".join(service.log_path.read_text(errors="replace") for service in platform.services.values())
    assert logged, "the services' logs were captured"
    named = sorted({text for e in cohort for text in (e.profile.email, e.profile.display_name) if text in logged})
    assert named == [], f"personal data in the logs: {named}"

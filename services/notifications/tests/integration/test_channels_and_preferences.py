"""Chat channels, webhooks, preferences, quiet hours, digests and unsubscribe links, driven as users do:
events into Kafka and calls over HTTP in, e-mails, chat posts and webhook calls out, from a real process."""

import asyncio
import json
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug import Request, Response

import flipside_notifications
from flipside_devstack.auth import admin_headers, participant_headers
from flipside_devstack.factories import enrolled, pair_between
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for, wait_for_rows
from flipside_shared.events import (
    FeedbackRequested,
    FeedbackRequestedV1,
    FeedbackSubmitted,
    GoalSet,
    NotificationFailed,
    NotificationSent,
    NotificationSentV1,
    ParticipantErased,
    ReminderDue,
    SessionScheduled,
)
from flipside_shared.events.sources import FEEDBACK as FEEDBACK_SOURCE
from flipside_shared.migrations import migrate

SURVEYS = "https://flipside.example.com"
DEADLINE_SECONDS = 2


class Receiver:
    """A local HTTP server standing in for Slack, Teams and subscribers: records calls, answers as told."""

    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1")
        self.calls: dict[str, list[Request]] = {}
        self.answers: dict[str, list[Response]] = {}

    def url(self, path: str, *answers: Response) -> str:
        """An address that answers `answers` in turn, then 200 for ever."""
        self.answers[path] = list(answers)
        self.server.expect_request(path, method="POST").respond_with_handler(
            lambda request: self._answer(path, request)
        )
        return self.server.url_for(path)

    def _answer(self, path: str, request: Request) -> Response:
        self.calls.setdefault(path, []).append(request)
        queue = self.answers[path]
        return queue.pop(0) if queue else Response("ok", status=200)


class Trickler:
    """A receiver that starts each answer and adds a byte every 0.1 s, never finishing: no single read waits long."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.stopped.set()
        self.server.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:  # the accept timed out, or the server was closed
                continue
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                while not self.stopped.wait(0.1):
                    connection.sendall(b"X")
            except OSError:
                pass


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    receiver.server.start()
    yield receiver
    receiver.server.stop()


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, receiver, tmp_path_factory):
    """The service, allowed to post to loopback only (as tests must), the receiver standing in for Slack and Teams."""
    stand_in = json.dumps([f"127.0.0.1:{receiver.server.port}"])
    env = sandbox.env(
        FLIPSIDE_SMTP_HOST="127.0.0.1",
        FLIPSIDE_SMTP_PORT=str(smtp.port),
        FLIPSIDE_NOTIFICATIONS_POLL_SECONDS="0.1",
        FLIPSIDE_NOTIFICATIONS_ALLOW_PLAIN_HTTP_WEBHOOKS="true",
        FLIPSIDE_NOTIFICATIONS_OUTBOUND_ALLOWED_NETWORKS='["127.0.0.1/32"]',
        FLIPSIDE_NOTIFICATIONS_SLACK_HOSTS=stand_in,
        FLIPSIDE_NOTIFICATIONS_TEAMS_HOSTS=stand_in,
        FLIPSIDE_NOTIFICATIONS_HTTP_TIMEOUT_SECONDS=str(DEADLINE_SECONDS),
        FLIPSIDE_CHAT_MAX_PER_SECOND="50",
        FLIPSIDE_FEEDBACK_PUBLIC_BASE_URL=SURVEYS,
    )
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


async def enrol(sandbox, db, *people):
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(p) for p in people])
    ids = [p.participant_id for p in people]
    await wait_for_rows(
        db, "SELECT 1 FROM notifications.recipients WHERE participant_id = ANY($1::uuid[])", ids, count=len(ids)
    )


def put_preferences(service, participant, **body):
    return httpx.put(
        f"{service.url}/participants/{participant.participant_id}/preferences",
        json=body,
        headers=participant_headers(participant.participant_id),
        timeout=10,
    )


def subscribe(service, url, event_type):
    answer = httpx.post(
        f"{service.url}/webhooks", json={"url": url, "event_types": [event_type]}, headers=admin_headers(), timeout=10
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["subscription_id"]


async def test_chosen_channels_each_get_the_message_once_in_their_own_shape(sandbox, smtp, receiver, notifications, db):
    mentor = enrolled(display_name="Cleo Chat", email="cleo@example.com", locale="de")
    mentee = enrolled(display_name="Max Mail", email="max@example.com", role="mentee")
    await enrol(sandbox, db, mentor, mentee)
    answer = put_preferences(
        notifications,
        mentor,
        channels=["email", "slack", "teams"],
        slack_webhook_url=receiver.url("/slack/cleo"),
        teams_webhook_url=receiver.url("/teams/cleo"),
    )
    assert answer.status_code == 200, answer.text
    pair = envelope(pair_between(mentor, mentee))
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}notifications"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [pair, pair])
        await reader.read_until(lambda _: len(reader.events(NotificationSent)) >= 4)
        await reader.drain(2)
        sent, sent_v1 = reader.events(NotificationSent), reader.events(NotificationSentV1)

    [slack_call] = receiver.calls["/slack/cleo"]
    [teams_call] = receiver.calls["/teams/cleo"]
    assert slack_call.json["text"] == "Ihr Reverse-Mentoring-Partner steht fest"
    assert "Max Mail" in slack_call.json["blocks"][1]["text"]["text"]
    card = teams_call.json["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == "Ihr Reverse-Mentoring-Partner steht fest"
    assert len(smtp.received_by("cleo@example.com")) == 1 and len(smtp.received_by("max@example.com")) == 1
    assert Counter((e.event.participant_id, e.event.channel) for e in sent) == {
        (mentor.participant_id, "email"): 1,
        (mentor.participant_id, "slack"): 1,
        (mentor.participant_id, "teams"): 1,
        (mentee.participant_id, "email"): 1,
    }
    assert all(e.event.cause_event_id == pair.id and e.event.attempts == 1 for e in sent)
    assert sorted(e.event.channel for e in sent_v1) == ["email", "email"], "version 1 subscribers hear of e-mails only"


async def test_a_webhook_subscriber_gets_signed_cloud_events_and_a_5xx_then_200_delivers_once(
    sandbox, receiver, notifications, db
):
    url = receiver.url("/subscriber", Response("busy", status=503, headers={"Retry-After": "1"}))
    created = httpx.post(
        f"{notifications.url}/webhooks",
        json={"url": url, "event_types": ["flipside.pair.created.v1"]},
        headers=admin_headers(),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    mentor, mentee = enrolled(), enrolled(role="mentee")
    pair = envelope(pair_between(mentor, mentee))
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), pair, pair])
    await wait_for(lambda: len(receiver.calls.get("/subscriber", [])) >= 2)
    await asyncio.sleep(2)

    calls = receiver.calls["/subscriber"]
    assert len(calls) == 2, "one 503, one 200, and the redelivered event owed nothing more"
    assert calls[0].headers["webhook-id"] == calls[1].headers["webhook-id"], "the receiver's idempotency key"
    body = Webhook(subscription["secret"]).verify(calls[1].get_data(as_text=True), dict(calls[1].headers))
    assert body["type"] == "flipside.pair.created.v1" and body["id"] == str(pair.id) and body["specversion"] == "1.0"
    assert body["data"]["pair_id"] == str(pair.event.pair_id)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook("whsec_" + "A" * 43).verify(calls[1].get_data(as_text=True), dict(calls[1].headers))
    [row] = httpx.get(
        f"{notifications.url}/webhooks/{subscription['subscription_id']}/deliveries",
        headers=admin_headers(),
        timeout=10,
    ).json()
    assert row["status"] == "sent" and row["attempts"] == 2
    assert row["last_error"] == "the receiving service could not take the message now (HTTP 503)", (
        "the status, not the receiver's text"
    )
    assert (
        await db.fetchval(
            "SELECT context FROM notifications.deliveries WHERE delivery_id = $1::uuid", row["delivery_id"]
        )
        == "{}"
    ), "once delivered, the log keeps no copy of the event"
    listed = httpx.get(f"{notifications.url}/webhooks", headers=admin_headers(), timeout=10).json()
    assert [s["url"] for s in listed] == [url] and "secret" not in listed[0], "the secret is shown once, at creation"


async def test_a_webhook_subscriber_never_receives_anyone_s_answers(sandbox, receiver, notifications, db):
    url = receiver.url("/answers")
    refused = httpx.post(
        f"{notifications.url}/webhooks",
        json={"url": url, "event_types": ["flipside.feedback.submitted.v1"]},
        headers=admin_headers(),
        timeout=10,
    )
    assert refused.status_code == 422 and "unknown event type" in refused.text, refused.text
    # A subscription made before answers were withheld still lists them: it gets the goal, never the answers.
    older = uuid4()
    await db.execute(
        "INSERT INTO notifications.webhook_subscriptions (subscription_id, url, secret, event_types, description)"
        " VALUES ($1, $2, $3, $4, 'older')",
        older,
        url,
        "whsec_" + "A" * 43,
        ["flipside.feedback.submitted.v1", "flipside.feedback.goal-set.v1"],
    )
    pair_id, person = uuid4(), uuid4()
    fields = dict(
        request_id=uuid4(),
        pair_id=pair_id,
        participant_id=person,
        questionnaire_version=1,
        answers={"comment": "my private words"},
        submitted_at=datetime.now(UTC),
    )
    goal = GoalSet(
        goal_id=uuid4(),
        pair_id=pair_id,
        program_id="pilot",
        owner_id=person,
        owner_role="mentor",
        category="digital",
        title="Use the new tools",
        set_at=datetime.now(UTC),
    )
    # From a survey tool on the inbound topic, and from a producer that writes `feedback` (which no one may send answers on).
    await publish(
        sandbox.bootstrap_servers,
        sandbox.topic_prefix,
        [
            envelope(FeedbackSubmitted(**fields)),
            envelope(FeedbackSubmitted(**fields), source=FEEDBACK_SOURCE),
            envelope(goal),
        ],
    )
    await wait_for(lambda: receiver.calls.get("/answers"))
    await asyncio.sleep(2)
    assert [call.get_json()["type"] for call in receiver.calls["/answers"]] == ["flipside.feedback.goal-set.v1"]
    assert not await db.fetchval(
        "SELECT count(*) FROM notifications.deliveries WHERE context::text LIKE '%my private words%'"
    )

    # Answers owed to that subscription before the upgrade (not due yet, so the dispatcher leaves them) are dropped by it.
    await db.execute(
        "INSERT INTO notifications.deliveries (delivery_id, event_id, recipient_id, channel, template, context, next_attempt_at)"
        " VALUES ($1, $2, $3, 'webhook', 'flipside.feedback.submitted.v1', $4, now() + interval '1 hour')",
        uuid4(),
        uuid4(),
        older,
        '{"data": {"answers": {"comment": "my private words"}}}',
    )
    await db.execute(
        "DELETE FROM notifications.schema_migrations WHERE name = 'service/0007_answers_never_passed_on.sql'"
    )
    await migrate(db, "notifications", Path(flipside_notifications.__file__).parent / "migrations")
    assert not await db.fetchval(
        "SELECT count(*) FROM notifications.deliveries WHERE context::text LIKE '%my private words%'"
    )
    assert await db.fetchval(
        "SELECT event_types FROM notifications.webhook_subscriptions WHERE subscription_id = $1", older
    ) == ["flipside.feedback.goal-set.v1"]


async def test_a_refused_chat_post_fails_for_good_with_the_reason_and_an_event(sandbox, receiver, notifications, db):
    person, partner = enrolled(email="gone-slack@example.com"), enrolled(role="mentee")
    await enrol(sandbox, db, person, partner)
    url = receiver.url(
        "/slack/removed", Response("no_service; upstream db-7.corp.example:5432 said: role missing", status=404)
    )
    assert put_preferences(notifications, person, channels=["slack"], slack_webhook_url=url).status_code == 200
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}notifications"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair_between(person, partner))])
        await reader.read_until(
            lambda _: any(e.event.participant_id == person.participant_id for e in reader.events(NotificationFailed))
        )
        [failed] = [
            e.event for e in reader.events(NotificationFailed) if e.event.participant_id == person.participant_id
        ]
    assert failed.channel == "slack" and failed.permanent and failed.attempts == 1
    assert failed.reason == "the receiving service refused the message (HTTP 404)"
    assert len(receiver.calls["/slack/removed"]) == 1, "a permanent refusal is not retried"
    [shown] = httpx.get(
        f"{notifications.url}/participants/{person.participant_id}/deliveries",
        headers=participant_headers(person.participant_id),
        timeout=10,
    ).json()
    assert shown["last_error"] == failed.reason, (
        "what the participant reads is the category, never the chat service's own text"
    )


async def test_quiet_hours_hold_a_message_until_morning_in_their_zone_but_not_a_session_about_to_start(
    sandbox, smtp, notifications, db
):
    zone = "Asia/Tokyo"
    local_now = datetime.now(ZoneInfo(zone))
    start, end = (local_now - timedelta(hours=1)).time(), (local_now + timedelta(hours=2)).time()
    sleeper, partner = (
        enrolled(email="sleeper@example.com", time_zone=zone),
        enrolled(role="mentee", email="awake@example.com"),
    )
    await enrol(sandbox, db, sleeper, partner)
    answer = put_preferences(notifications, sleeper, quiet_hours={"start": start.isoformat(), "end": end.isoformat()})
    assert answer.status_code == 200, answer.text
    soon = datetime.now(UTC) + timedelta(minutes=30)
    attendee = {"time_zone": zone, "local_start": soon.astimezone(ZoneInfo(zone)).isoformat()}
    kickoff = SessionScheduled(
        session_id=uuid4(),
        pair_id=uuid4(),
        program_id="pilot",
        kind="kickoff",
        starts_at=soon,
        duration_minutes=45,
        mentor={"participant_id": sleeper.participant_id, **attendee},
        mentee={"participant_id": partner.participant_id, **attendee},
    )
    await publish(
        sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair_between(sleeper, partner)), envelope(kickoff)]
    )
    await wait_for(lambda: smtp.received_by("sleeper@example.com") and len(smtp.received_by("awake@example.com")) == 2)
    await asyncio.sleep(1)

    [urgent] = smtp.received_by("sleeper@example.com")
    assert "kickoff" in urgent["Subject"], "the session 30 minutes away went out in quiet hours"
    [waiting] = await db.fetch(
        "SELECT status, next_attempt_at FROM notifications.deliveries WHERE recipient_id = $1 AND template = 'paired'",
        sleeper.participant_id,
    )
    morning = datetime.combine(local_now.date(), end, tzinfo=ZoneInfo(zone))
    morning = morning if morning > local_now else morning + timedelta(days=1)
    assert waiting["status"] == "pending" and abs(waiting["next_attempt_at"] - morning) < timedelta(seconds=1)


async def test_a_digest_gathers_the_days_messages_into_one_at_the_chosen_local_time(sandbox, smtp, notifications, db):
    zone = "America/Los_Angeles"
    reader_of_digests, partner = (
        enrolled(email="digest@example.com", time_zone=zone, locale="en-US"),
        enrolled(role="mentee"),
    )
    await enrol(sandbox, db, reader_of_digests, partner)
    digest_at = datetime.now(ZoneInfo(zone)) + timedelta(seconds=6)
    assert (
        put_preferences(
            notifications, reader_of_digests, digest=True, digest_time=digest_at.time().isoformat()
        ).status_code
        == 200
    )
    paired = envelope(pair_between(reader_of_digests, partner))
    survey = envelope(
        FeedbackRequested(
            request_id=uuid4(),
            pair_id=paired.event.pair_id,
            session_id=uuid4(),
            participant_id=reader_of_digests.participant_id,
            role="mentor",
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
    )
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}notifications"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [paired, survey])
        await wait_for_rows(
            db,
            "SELECT 1 FROM notifications.deliveries WHERE recipient_id = $1 AND status = 'held'",
            reader_of_digests.participant_id,
            count=2,
        )
        assert not smtp.received_by("digest@example.com"), "nothing goes out before the digest time"
        await wait_for(lambda: smtp.received_by("digest@example.com"), timeout=20)
        await reader.read_until(
            lambda _: (
                len(
                    [
                        e
                        for e in reader.events(NotificationSent)
                        if e.event.participant_id == reader_of_digests.participant_id
                    ]
                )
                >= 2
            )
        )
        sent = [
            e.event
            for e in reader.events(NotificationSent)
            if e.event.participant_id == reader_of_digests.participant_id
        ]
    await asyncio.sleep(1)
    [digest] = smtp.received_by("digest@example.com")
    assert digest["Subject"] == "Your reverse mentoring day: 2 updates"
    text = digest.get_body(("plain",)).get_content()
    assert "* You have a reverse mentoring partner" in text and survey_link(SURVEYS, survey.event) in text
    assert {e.cause_event_id for e in sent} == {paired.id, survey.id}
    assert len({e.digest_id for e in sent}) == 1 and sent[0].digest_id is not None


async def test_an_unsubscribe_link_works_without_logging_in_and_stops_that_kind_only(sandbox, smtp, notifications, db):
    person, partner = enrolled(email="leaving@example.com"), enrolled(role="mentee")
    await enrol(sandbox, db, person, partner)
    session_id, starts_at = uuid4(), datetime.now(UTC) + timedelta(days=1)
    first = envelope(
        ReminderDue(
            session_id=session_id,
            pair_id=uuid4(),
            participant_ids=[person.participant_id],
            starts_at=starts_at,
            minutes_before=60,
        )
    )
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [first])
    await wait_for(lambda: smtp.received_by("leaving@example.com"))
    [reminder] = smtp.received_by("leaving@example.com")
    link = reminder["List-Unsubscribe"].strip("<>")
    assert (
        reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        and link in reminder.get_body(("plain",)).get_content()
    )

    assert httpx.get(link, timeout=10).status_code == 200
    assert (
        httpx.get(
            f"{notifications.url}/participants/{person.participant_id}/preferences",
            headers=participant_headers(person.participant_id),
            timeout=10,
        ).json()["muted_kinds"]
        == []
    ), "opening the link (as link scanners do) changes nothing"
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert httpx.post(forged, timeout=10).status_code == 403
    assert httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 200
    assert httpx.get(
        f"{notifications.url}/participants/{person.participant_id}/preferences",
        headers=participant_headers(person.participant_id),
        timeout=10,
    ).json()["muted_kinds"] == ["reminders"]

    second = envelope(
        ReminderDue(
            session_id=session_id,
            pair_id=uuid4(),
            participant_ids=[person.participant_id],
            starts_at=starts_at,
            minutes_before=15,
        )
    )
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [second, envelope(pair_between(person, partner))])
    await wait_for(lambda: len(smtp.received_by("leaving@example.com")) >= 2)
    await wait_for_rows(
        db, "SELECT 1 FROM notifications.deliveries WHERE event_id = $1 AND status = 'skipped'", second.id
    )
    await asyncio.sleep(1)
    subjects = [m["Subject"] for m in smtp.received_by("leaving@example.com")]
    assert len(subjects) == 2 and not subjects[1].startswith("Reminder"), (
        "the pairing news still came; the reminder did not"
    )


async def test_reminders_and_survey_requests_in_the_recipients_language_and_local_time(
    sandbox, smtp, notifications, db
):
    person = enrolled(email="tokyo@example.com", locale="de-AT", time_zone="Asia/Tokyo")
    await enrol(sandbox, db, person)
    starts_at = datetime(2026, 12, 3, 0, 30, tzinfo=UTC)
    reminder = ReminderDue(
        session_id=uuid4(),
        pair_id=uuid4(),
        participant_ids=[person.participant_id],
        starts_at=starts_at,
        minutes_before=60,
    )
    survey = FeedbackRequestedV1(  # published before v2: still asked, with the link notifications makes, not the one it carried
        request_id=uuid4(),
        pair_id=uuid4(),
        session_id=uuid4(),
        participant_id=person.participant_id,
        role="mentee",
        survey_url="https://flipside.example.com/surveys/t",
        expires_at=datetime(2026, 12, 10, 14, 59, tzinfo=UTC),
    )
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(reminder), envelope(survey)])
    await wait_for(lambda: len(smtp.received_by("tokyo@example.com")) == 2)
    subjects = sorted(m["Subject"] for m in smtp.received_by("tokyo@example.com"))
    assert subjects == [
        "Erinnerung: Mentoring-Termin Donnerstag 03.12.2026, 09:30 (Asia/Tokyo)",
        "Wie war Ihr Mentoring-Termin?",
    ]
    survey_mail = next(m for m in smtp.received_by("tokyo@example.com") if m["Subject"].startswith("Wie"))
    assert "Donnerstag 10.12.2026, 23:59 (Asia/Tokyo)" in survey_mail.get_body(("plain",)).get_content()
    assert survey_link(SURVEYS, survey) in survey_mail.get_body(("plain",)).get_content()


async def test_bad_preferences_and_subscriptions_get_a_clear_error_and_change_nothing(sandbox, notifications, db):
    person = enrolled()
    await enrol(sandbox, db, person)
    cases = [
        ({"channels": ["slack"]}, "need their incoming webhook URL"),
        ({"channels": ["pigeon"]}, "pigeon"),
        ({"muted_kinds": ["everything"]}, "everything"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "differ"),
        ({"channels": ["slack"], "slack_webhook_url": "ftp://example.com/x"}, "not an absolute http(s) URL"),
        ({"digest": True, "colour": "blue"}, "colour"),
        (
            {"slack_webhook_url": "https://10.0.0.1/services/T/B/x"},
            "slack_webhook_url: must be a slack incoming-webhook URL",
        ),
        (
            {"slack_webhook_url": "https://127.0.0.1/services/T/B/x"},
            "slack_webhook_url: must be a slack incoming-webhook URL",
        ),
        ({"slack_webhook_url": "https://169.254.169.254/latest/meta-data/"}, "slack_webhook_url: must be a slack"),
        ({"slack_webhook_url": "https://hooks.slack.com.attacker.example/x"}, "slack_webhook_url: must be a slack"),
        (
            {"teams_webhook_url": "https://10.1.2.3/webhookb2/x"},
            "teams_webhook_url: must be a teams incoming-webhook URL",
        ),
        ({"teams_webhook_url": "https://example.com/webhookb2/x"}, "teams_webhook_url: must be a teams"),
        ({"teams_webhook_url": "https://[fd00::1]/webhookb2/x"}, "teams_webhook_url: must be a teams"),
    ]
    for body, reason in cases:
        answer = put_preferences(notifications, person, **body)
        assert answer.status_code == 422 and reason in answer.text, (body, answer.text)
    assert put_preferences(notifications, enrolled(), digest=True).status_code == 404
    assert httpx.get(
        f"{notifications.url}/participants/{person.participant_id}/preferences",
        headers=participant_headers(person.participant_id),
        timeout=10,
    ).json()["channels"] == ["email"]
    refused = httpx.post(
        f"{notifications.url}/webhooks",
        json={"url": "https://example.com/x", "event_types": ["flipside.notification.sent.v2"]},
        headers=admin_headers(),
        timeout=10,
    )
    assert refused.status_code == 422 and "unknown event type" in refused.text, "notifications' own events would loop"
    for url, reason in [
        ("https://10.0.0.1/hook", "url: 10.0.0.1 is a private address"),
        ("https://127.0.0.5:8443/hook", "url: 127.0.0.5 is a loopback address"),
        ("https://169.254.169.254/latest/meta-data/", "url: 169.254.169.254 is a link-local address"),
        ("https://[::ffff:10.0.0.1]/hook", "url: ::ffff:10.0.0.1 is a private (embedded in IPv6) address"),
        ("https://100.64.0.1/hook", "url: 100.64.0.1 is a carrier-grade NAT"),
        ("https://localhost/hook", "url: 'localhost' is not a public host name"),
        (
            "https://metadata.google.internal/computeMetadata/v1/",
            "url: 'metadata.google.internal' is not a public host name",
        ),
    ]:
        answer = httpx.post(
            f"{notifications.url}/webhooks",
            json={"url": url, "event_types": ["flipside.pair.created.v1"]},
            headers=admin_headers(),
            timeout=10,
        )
        assert answer.status_code == 422 and reason in answer.text, (url, answer.text)
    listed = httpx.get(f"{notifications.url}/webhooks", headers=admin_headers(), timeout=10).json()
    assert not any("10.0.0.1" in s["url"] or "169.254" in s["url"] or "localhost" in s["url"] for s in listed)
    assert (
        httpx.delete(f"{notifications.url}/webhooks/{uuid4()}", headers=admin_headers(), timeout=10).status_code == 404
    )


async def test_erasure_drops_the_copies_of_a_persons_events_still_waiting_for_a_subscriber(
    sandbox, receiver, notifications, db
):
    url = receiver.url("/down", *[Response("down", status=503)] * 20)
    created = httpx.post(
        f"{notifications.url}/webhooks",
        json={"url": url, "event_types": ["flipside.participant.enrolled.v1"]},
        headers=admin_headers(),
        timeout=10,
    )
    person = enrolled(display_name="Erin Erased", email="erin@example.com")
    await enrol(sandbox, db, person)
    [waiting] = await wait_for_rows(
        db,
        "SELECT delivery_id, context FROM notifications.deliveries WHERE recipient_id = $1::uuid AND channel = 'webhook'",
        created.json()["subscription_id"],
    )
    assert "erin@example.com" in waiting["context"]
    erased = ParticipantErased(participant_id=person.participant_id, erased_at=datetime.now(UTC))
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(erased)])
    await wait_for_rows(
        db,
        "SELECT 1 FROM notifications.deliveries WHERE delivery_id = $1 AND status = 'skipped'",
        waiting["delivery_id"],
    )
    context = await db.fetchval(
        "SELECT context FROM notifications.deliveries WHERE delivery_id = $1", waiting["delivery_id"]
    )
    assert context == "{}", "nothing of theirs is kept, and nothing more is sent"


async def test_a_chat_url_stored_before_the_vendor_hosts_were_enforced_is_not_posted_to(
    sandbox, receiver, notifications, db
):
    """A URL saved by an older version (here written straight into the table) is checked again before each send."""
    person, partner = enrolled(), enrolled(role="mentee")
    await enrol(sandbox, db, person, partner)
    assert (
        put_preferences(
            notifications, person, channels=["slack"], slack_webhook_url=receiver.url("/slack/fine")
        ).status_code
        == 200
    )
    outside = HTTPServer(host="127.0.0.1")
    outside.expect_request("/internal", method="POST").respond_with_data("internal answer")
    outside.start()
    try:
        await db.execute(
            "UPDATE notifications.preferences SET slack_webhook_url = $2 WHERE participant_id = $1",
            person.participant_id,
            outside.url_for("/internal"),
        )
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair_between(person, partner))])
        [failed] = await wait_for_rows(
            db,
            "SELECT last_error FROM notifications.deliveries WHERE recipient_id = $1 AND channel = 'slack' AND status = 'failed'",
            person.participant_id,
        )
        assert failed["last_error"] == "not sent: the slack address is not a slack incoming webhook"
        assert outside.log == [], "nothing was posted to the address outside the allow-list"
    finally:
        outside.stop()


async def test_a_webhook_that_never_finishes_its_answer_holds_its_lane_for_the_deadline_only(
    sandbox, receiver, notifications, db
):
    """A receiver that trickles an endless answer: the post ends at the deadline and is retried later, and the next
    subscriber's delivery, waiting behind it, goes out."""
    trickler = Trickler()
    slow = subscribe(notifications, f"http://127.0.0.1:{trickler.port}/in", "flipside.session.reminder-due.v1")
    fast = subscribe(notifications, receiver.url("/after-the-trickler"), "flipside.feedback.requested.v2")
    reminder = ReminderDue(
        session_id=uuid4(),
        pair_id=uuid4(),
        participant_ids=[uuid4()],
        starts_at=datetime.now(UTC) + timedelta(days=1),
        minutes_before=60,
    )
    survey = FeedbackRequested(
        request_id=uuid4(),
        pair_id=uuid4(),
        session_id=uuid4(),
        participant_id=uuid4(),
        role="mentor",
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    try:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(reminder)])
        await wait_for_rows(db, "SELECT 1 FROM notifications.deliveries WHERE recipient_id = $1", slow)
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(survey)])
        started = time.monotonic()
        await wait_for(lambda: receiver.calls.get("/after-the-trickler"), timeout=3 * DEADLINE_SECONDS + 5)
        assert time.monotonic() - started < 2 * DEADLINE_SECONDS + 3
        [row] = await wait_for_rows(
            db,
            "SELECT status, attempts, last_error FROM notifications.deliveries WHERE recipient_id = $1 AND attempts > 0",
            slow,
        )
        assert row["status"] == "pending" and row["last_error"] == f"timed out: no answer within {DEADLINE_SECONDS} s"
    finally:
        for subscription in (slow, fast):
            httpx.delete(f"{notifications.url}/webhooks/{subscription}", headers=admin_headers(), timeout=10)
        trickler.close()

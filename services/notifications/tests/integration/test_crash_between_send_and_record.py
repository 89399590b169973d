"""The documented duplicate: a crash after a channel took a message and before the outcome was recorded.

The dispatcher runs in this process against real Postgres, a real SMTP server and a real HTTP server;
the crash is simulated by failing the transaction at its last record, which rolls everything back
exactly as a killed process would.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from pathlib import Path
from uuid import uuid4

import pytest
from werkzeug import Request, Response

import flipside_notifications
from flipside_devstack.factories import enrolled
from flipside_devstack.fixtures import migrated_pool
from flipside_devstack.kafka_io import envelope
from flipside_notifications.app import SERVICE
from flipside_notifications.dispatcher import Dispatcher
from flipside_notifications.domain.endpoints import OutboundRules
from flipside_notifications.domain.messages import MessageDue
from flipside_notifications.notices import owe_messages
from flipside_notifications.outbound_http import HttpPoster
from flipside_notifications.repository import NotificationsRepository
from flipside_notifications.settings import NotificationSettings
from flipside_shared.clock import SystemClock
from flipside_shared.unit_of_work import UnitOfWorkFactory

MIGRATIONS = Path(flipside_notifications.__file__).parent / "migrations"
CLAIM_SECONDS = 1
LOCAL_ONLY = OutboundRules(allow_plain_http=True, allowed_networks=(ip_network("127.0.0.1/32"),))


class SimulatedCrash(Exception):
    pass


@pytest.fixture(scope="module")
async def pool(sandbox):
    async with migrated_pool(sandbox, SERVICE, MIGRATIONS, 4) as pool:
        yield pool


async def test_a_crash_after_sending_sends_once_more_with_the_same_identity_and_announces_once(
    sandbox,
    pool,
    smtp,
    httpserver,
    monkeypatch,
):
    calls: list[Request] = []

    def record(request: Request) -> Response:
        calls.append(request)
        return Response("ok")

    httpserver.expect_request("/subscriber", method="POST").respond_with_handler(record)
    settings = NotificationSettings(smtp_port=smtp.port, topic_prefix=sandbox.topic_prefix, claim_seconds=CLAIM_SECONDS)
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    person = enrolled(email="crash@example.com")
    cause = envelope(person)
    async with units.begin() as uow:
        repository = uow.repository
        await repository.save_recipients([(person.participant_id, person.profile)])
        await repository.add_subscription(
            f"http://127.0.0.1:{httpserver.port}/subscriber", "whsec_" + "c2VjcmV0" * 4, [cause.type], ""
        )
        starts_at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        await owe_messages(
            repository,
            cause.id,
            cause.id,
            [MessageDue(person.participant_id, "reminder", {"starts_at": starts_at, "minutes_before": 60})],
        )
        await repository.owe_webhooks(cause.id, cause.id, cause.type, cause.structured())

    async def crash_before_recording(self, claim, outcomes):
        raise SimulatedCrash()

    monkeypatch.setattr(NotificationsRepository, "record", crash_before_recording)
    dispatcher, http = Dispatcher(settings, SystemClock()), HttpPoster(LOCAL_ONLY, 5)
    try:
        for channel in ("email", "webhook"):
            with pytest.raises(SimulatedCrash):
                await dispatcher.dispatch_batch(units, http, channel)
        assert len(smtp.received()) == 1 and len(calls) == 1, "both channels took their message before the crash"
        monkeypatch.undo()
        for channel in ("email", "webhook"):
            assert await dispatcher.dispatch_batch(units, http, channel) == 0, "still claimed by the round that crashed"
        await asyncio.sleep(CLAIM_SECONDS)
        for channel in ("email", "webhook"):
            assert await dispatcher.dispatch_batch(units, http, channel) == 1, (
                "nothing was recorded: once the claim lapsed, it is owed again"
            )
            assert await dispatcher.dispatch_batch(units, http, channel) == 0
    finally:
        await http.close()
        await dispatcher.close()

    first, second = smtp.received()
    assert first["Message-ID"] == second["Message-ID"], "the one duplicate carries the same Message-ID"
    assert calls[0].headers["webhook-id"] == calls[1].headers["webhook-id"], "and the same webhook-id"
    async with pool.acquire() as conn:
        statuses = await conn.fetch(
            "SELECT channel, status FROM deliveries WHERE event_id = $1 ORDER BY channel", cause.id
        )
        announced = await conn.fetchval("SELECT count(*) FROM outbox WHERE headers::text LIKE '%notification.sent.v2%'")
    assert [(r["channel"], r["status"]) for r in statuses] == [("email", "sent"), ("webhook", "sent")]
    assert announced == 1, "NotificationSent once, committed with the record"


async def test_a_template_that_fails_on_odd_data_fails_that_delivery_only(sandbox, pool, smtp):
    settings = NotificationSettings(smtp_port=smtp.port, topic_prefix=sandbox.topic_prefix)
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    person = enrolled(email="odd@example.com")
    broken, fine = uuid4(), uuid4()
    async with units.begin() as uow:
        repository = uow.repository
        await repository.save_recipients([(person.participant_id, person.profile)])
        await owe_messages(
            repository, broken, None, [MessageDue(person.participant_id, "reminder", {"minutes_before": 60})]
        )
        await owe_messages(
            repository, fine, None, [MessageDue(person.participant_id, "unmatched", {"reasons": ["no mentor left"]})]
        )
    http, dispatcher = HttpPoster(LOCAL_ONLY, 5), Dispatcher(settings, SystemClock())
    try:
        await dispatcher_round(dispatcher, units, http)
    finally:
        await http.close()
        await dispatcher.close()
    async with pool.acquire() as conn:
        rows = {
            r["event_id"]: r
            for r in await conn.fetch(
                "SELECT event_id, status, last_error FROM deliveries WHERE event_id = ANY($1::uuid[])", [broken, fine]
            )
        }
    assert rows[broken]["status"] == "failed" and "cannot render reminder" in rows[broken]["last_error"]
    assert rows[fine]["status"] == "sent" and [m["To"] for m in smtp.received()].count("odd@example.com") == 1


async def dispatcher_round(dispatcher, units, http):
    while await dispatcher.dispatch_batch(units, http, "email"):
        pass

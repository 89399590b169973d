"""One bad delivery never stops a lane, and no stored name reaches inside an e-mail's headers.

The dispatcher runs in this process against real Postgres, a real SMTP server and a real HTTP server. The
hostile people are written into notifications' recipient table directly: data stored before names were
checked at the door (a NUL cannot be stored in PostgreSQL at all; the unit tests of composing cover it).
"""

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest
from werkzeug import Request, Response

import flipside_notifications
from flipside_devstack.fixtures import migrated_pool
from flipside_devstack.smtp import SmtpSink
from flipside_notifications.app import SERVICE
from flipside_notifications.dispatcher import Dispatcher
from flipside_notifications.domain.messages import MessageDue
from flipside_notifications.notices import owe_messages
from flipside_notifications.outbound_http import HttpPoster
from flipside_notifications.repository import NotificationsRepository
from flipside_notifications.settings import NotificationSettings
from flipside_shared.clock import SystemClock
from flipside_shared.unit_of_work import UnitOfWorkFactory

MIGRATIONS = Path(flipside_notifications.__file__).parent / "migrations"
REFUSED = "refused@example.com"
HOSTILE_NAMES = {
    "line feed": "Eve\nX-Evil: 1",
    "carriage return and line feed": "Carl\r\nBcc: spy@evil.example",
    "line separator": "Lin\u2028X-Evil: 2",
    "paragraph separator and next line": "Par\u2029X-Evil: 3\x85X-Evil: 4",
    "right-to-left mark": "\u200fReverse\u202egnp.exe",
    "10 KB": "Long " + "x" * 10_240,
}
# What the composer writes; anything else in a received message was injected.
COMPOSED_HEADERS = {
    "from",
    "to",
    "subject",
    "message-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


def on_loopback(httpserver, path: str) -> str:
    """The test server's URL by address: names such as localhost are never posted to."""
    return f"http://127.0.0.1:{httpserver.port}{path}"


@pytest.fixture(scope="module")
async def pool(sandbox):
    async with migrated_pool(sandbox, SERVICE, MIGRATIONS, 4) as pool:
        yield pool


@pytest.fixture
def refusing_smtp():
    sink = SmtpSink(reject={REFUSED}).start()
    yield sink
    sink.stop()


async def add_recipient(pool, display_name: str, email: str, time_zone: str = "Europe/Berlin") -> UUID:
    participant_id = uuid4()
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO recipients (participant_id, display_name, email, locale, time_zone) VALUES ($1, $2, $3, 'en', $4)",
            participant_id,
            display_name,
            email,
            time_zone,
        )
    return participant_id


async def owe(units, recipient_id: UUID, template: str, context: dict) -> UUID:
    event_id = uuid4()
    async with units.begin() as uow:
        await owe_messages(uow.repository, event_id, event_id, [MessageDue(recipient_id, template, context)])
    return event_id


def proposal_from(partner_id: UUID) -> dict:
    expires_at = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    return {
        "role": "mentor",
        "partner_id": str(partner_id),
        "reasons": ["shares a language"],
        "expires_at": expires_at,
        "pair_id": str(uuid4()),
    }


async def statuses(pool, event_ids: list[UUID]) -> dict[UUID, asyncpg.Record]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT event_id, status, attempts, last_error FROM deliveries WHERE event_id = ANY($1::uuid[])",
            event_ids,
        )
    return {row["event_id"]: row for row in rows}


def injected_headers(message: EmailMessage) -> set[str]:
    return {name.lower() for name in message} - COMPOSED_HEADERS


async def test_hostile_names_inject_no_header_and_an_uncomposable_delivery_fails_alone(sandbox, pool, refusing_smtp):
    smtp = refusing_smtp
    settings = NotificationSettings(smtp_port=smtp.port, topic_prefix=sandbox.topic_prefix)
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    owed: dict[str, UUID] = {}
    for case, name in HOSTILE_NAMES.items():
        hostile = await add_recipient(pool, name, f"hostile{len(owed)}@example.com")
        asked = await add_recipient(pool, f"Asked {len(owed)}", f"asked{len(owed)}@example.com")
        owed[f"{case}: to them"] = await owe(units, hostile, "unmatched", {"reasons": ["no mentor left"]})
        owed[f"{case}: in a partner's subject"] = await owe(units, asked, "proposal", proposal_from(hostile))
    uncomposable = await add_recipient(pool, "Mallory", "mallory@example.com\r\nBcc: spy@evil.example")
    nowhere = await add_recipient(pool, "Zed", "zed@example.com", time_zone="Mars/Olympus_Mons")
    refused = await add_recipient(pool, "Ref", REFUSED)
    normal = await add_recipient(pool, "Norma", "norma@example.com")
    broken = {
        "uncomposable": await owe(units, uncomposable, "unmatched", {"reasons": ["no mentor left"]}),
        "unknown time zone": await owe(units, nowhere, "unmatched", {"reasons": ["no mentor left"]}),
        "refused": await owe(units, refused, "unmatched", {"reasons": ["no mentor left"]}),
    }
    owed["normal, owed last"] = await owe(units, normal, "unmatched", {"reasons": ["no mentor left"]})
    http, dispatcher = HttpPoster(settings.outbound_rules(), 5), Dispatcher(settings, SystemClock())
    try:
        assert await dispatcher.dispatch_batch(units, http, "email") == len(owed) + len(broken), (
            "one round took them all"
        )
    finally:
        await http.close()
        await dispatcher.close()

    rows = await statuses(pool, [*owed.values(), *broken.values()])
    assert {case: rows[event]["status"] for case, event in owed.items()} == dict.fromkeys(owed, "sent")
    assert rows[broken["uncomposable"]]["status"] == "failed"
    assert "cannot compose the email message" in rows[broken["uncomposable"]]["last_error"]
    assert rows[broken["unknown time zone"]]["status"] == "failed"
    assert "Mars/Olympus_Mons" in rows[broken["unknown time zone"]]["last_error"]
    assert rows[broken["refused"]]["status"] == "failed" and "550" in rows[broken["refused"]]["last_error"]
    received = smtp.received()
    assert len(received) == len(owed) and {m["To"] for m in received} >= {"norma@example.com", "asked0@example.com"}
    assert not any("mallory" in str(m["To"]) or "spy" in str(m["To"]) for m in received)
    for message in received:
        assert injected_headers(message) == set(), message["To"]
        assert message["Subject"] == " ".join(message["Subject"].split()), "one line, no control or separator left"
        assert "\u200f" not in message["Subject"] and "\u202e" not in message["Subject"]
        assert len(message["Subject"]) <= 200
    [eve] = [m for m in received if m["Subject"].startswith("Eve")]
    assert eve["Subject"] == "Eve X-Evil: 1 would like you as their mentor", "the name is kept as text on one line"
    async with pool.acquire() as conn:
        announced = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE headers::text LIKE '%notification.failed%' AND key = ANY($1::text[])",
            [str(uncomposable), str(nowhere), str(refused)],
        )
    assert announced == 3, "each failure is announced as today's are"


async def test_a_failing_webhook_and_a_broken_subscription_do_not_hold_the_others(sandbox, pool, httpserver):
    delivered: list[Request] = []

    def accept(request: Request) -> Response:
        delivered.append(request)
        return Response("ok")

    httpserver.expect_request("/failing", method="POST").respond_with_response(Response("down", status=500))
    httpserver.expect_request("/fine", method="POST").respond_with_handler(accept)
    settings = NotificationSettings(
        topic_prefix=sandbox.topic_prefix,
        allow_plain_http_webhooks=True,
        outbound_allowed_networks=["127.0.0.1/32"],
        slack_hosts=[f"127.0.0.1:{httpserver.port}"],
    )
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    event_type = "flipside.test.hostile.v1"
    async with units.begin() as uow:
        repository = uow.repository
        failing = await repository.add_subscription(
            on_loopback(httpserver, "/failing"), "whsec_" + "c2VjcmV0" * 4, [event_type], ""
        )
        # A secret stored before secrets were checked: signing with it raises, which no channel foresaw.
        broken = await repository.add_subscription(on_loopback(httpserver, "/fine"), "", [event_type], "")
        fine = await repository.add_subscription(
            on_loopback(httpserver, "/fine"), "whsec_" + "c2VjcmV0" * 4, [event_type], ""
        )
        event_id = uuid4()
        await repository.owe_webhooks(event_id, event_id, event_type, {"id": str(event_id)})
    http, dispatcher = HttpPoster(settings.outbound_rules(), 5), Dispatcher(settings, SystemClock())
    try:
        assert await dispatcher.dispatch_batch(units, http, "webhook") == 3
    finally:
        await http.close()
        await dispatcher.close()
    async with pool.acquire() as conn:
        rows = {
            row["recipient_id"]: row
            for row in await conn.fetch(
                "SELECT recipient_id, status, attempts, last_error, next_attempt_at FROM deliveries WHERE event_id = $1",
                event_id,
            )
        }
    assert rows[fine]["status"] == "sent" and len(delivered) == 1
    assert (
        rows[failing]["status"] == "pending"
        and rows[failing]["attempts"] == 1
        and "HTTP 500" in rows[failing]["last_error"]
    )
    assert rows[failing]["next_attempt_at"] > datetime.now(UTC), "retried later, with its backoff"
    assert (
        rows[broken]["status"] == "pending"
        and rows[broken]["attempts"] == 1
        and "unexpected" in rows[broken]["last_error"]
    )


async def test_a_chat_delivery_without_its_address_fails_alone(sandbox, pool, httpserver):
    posted: list[Request] = []

    def accept(request: Request) -> Response:
        posted.append(request)
        return Response("ok")

    httpserver.expect_request("/slack", method="POST").respond_with_handler(accept)
    settings = NotificationSettings(
        topic_prefix=sandbox.topic_prefix,
        allow_plain_http_webhooks=True,
        outbound_allowed_networks=["127.0.0.1/32"],
        slack_hosts=[f"127.0.0.1:{httpserver.port}"],
    )
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    without_url = await add_recipient(pool, "Nou\nX-Evil: 1", "nou@example.com")
    with_url = await add_recipient(pool, "Wit", "wit@example.com")
    async with pool.acquire() as conn:
        # Slack chosen without its URL: preferences stored before the API refused them.
        await conn.execute("INSERT INTO preferences (participant_id, channels) VALUES ($1, '{slack}')", without_url)
        await conn.execute(
            "INSERT INTO preferences (participant_id, channels, slack_webhook_url) VALUES ($1, '{slack}', $2)",
            with_url,
            on_loopback(httpserver, "/slack"),
        )
    first = await owe(units, without_url, "unmatched", {"reasons": ["no mentor left"]})
    second = await owe(units, with_url, "proposal", proposal_from(without_url))
    http, dispatcher = HttpPoster(settings.outbound_rules(), 5), Dispatcher(settings, SystemClock())
    try:
        assert await dispatcher.dispatch_batch(units, http, "slack") == 2
    finally:
        await http.close()
        await dispatcher.close()
    rows = await statuses(pool, [first, second])
    assert rows[first]["status"] == "failed" and "need their incoming webhook URL" in rows[first]["last_error"]
    assert rows[second]["status"] == "sent" and len(posted) == 1
    assert posted[0].json["text"] == "Nou X-Evil: 1 would like you as their mentor"


class HoldingSink(SmtpSink):
    """Takes each message only once the test lets it go (the sink runs its own event loop, in a thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


async def test_sending_happens_after_the_claim_committed(sandbox, pool):
    sink = HoldingSink().start()
    settings = NotificationSettings(smtp_port=sink.port, topic_prefix=sandbox.topic_prefix, smtp_timeout_seconds=20)
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    person = await add_recipient(pool, "Claire", "claire@example.com")
    event_id = await owe(units, person, "unmatched", {"reasons": ["no mentor left"]})
    http, dispatcher, other = (
        HttpPoster(settings.outbound_rules(), 5),
        Dispatcher(settings, SystemClock()),
        Dispatcher(settings, SystemClock()),
    )
    try:
        round_ = asyncio.create_task(dispatcher.dispatch_batch(units, http, "email"))
        assert await asyncio.to_thread(sink.holding.wait, 10), "the relay has the message"
        async with pool.acquire() as conn, conn.transaction():
            # No transaction holds the row while the relay has the message: it can be locked at once...
            row = await conn.fetchrow(
                "SELECT status, claimed_by, claimed_until > now() AS claim_holds FROM deliveries WHERE event_id = $1 FOR UPDATE NOWAIT",
                event_id,
            )
        assert row["status"] == "pending" and row["claimed_by"] is not None and row["claim_holds"], (
            "...and shows its claim"
        )
        assert await other.dispatch_batch(units, http, "email") == 0, "another round passes over a claimed delivery"
        sink.release.set()
        assert await round_ == 1
    finally:
        sink.release.set()
        await http.close()
        await dispatcher.close()
        await other.close()
        sink.stop()
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT status, claimed_by FROM deliveries WHERE event_id = $1", event_id)
    assert row["status"] == "sent" and row["claimed_by"] is None
    assert len(sink.received()) == 1


async def test_a_round_starts_sends_only_in_its_claims_first_half_and_gives_the_rest_back(sandbox, pool):
    sink = HoldingSink()
    sink.release.set()
    sink.start()
    settings = NotificationSettings(smtp_port=sink.port, topic_prefix=sandbox.topic_prefix, claim_seconds=2)
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    person = await add_recipient(pool, "Slow", "slow@example.com")
    events = [await owe(units, person, "unmatched", {"reasons": [f"reason {n}"]}) for n in range(3)]
    http, dispatcher = HttpPoster(settings.outbound_rules(), 5), Dispatcher(settings, SystemClock())
    original = dispatcher._settle

    async def slow_settle(*args):
        await asyncio.sleep(1.1)  # a slow relay: the claim's first half (1 s) is over after the first send
        return await original(*args)

    dispatcher._settle = slow_settle
    try:
        assert await dispatcher.dispatch_batch(units, http, "email") == 3
    finally:
        await http.close()
        await dispatcher.close()
        sink.stop()
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT status, attempts, claimed_by FROM deliveries WHERE event_id = ANY($1::uuid[]) ORDER BY status",
            events,
        )
    assert [(r["status"], r["attempts"], r["claimed_by"]) for r in rows] == [("pending", 0, None)] * 2 + [
        ("sent", 1, None)
    ]
    assert len(sink.received()) == 1, "no send started after the first half: none can outlast the claim"


async def test_a_round_stopped_while_sending_records_what_went_out(sandbox, pool):
    sink = HoldingSink().start()
    settings = NotificationSettings(smtp_port=sink.port, topic_prefix=sandbox.topic_prefix)
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    first, second = (
        await add_recipient(pool, "First", "first@example.com"),
        await add_recipient(pool, "Second", "second@example.com"),
    )
    sent_event = await owe(units, first, "unmatched", {"reasons": ["no mentor left"]})
    held_event = await owe(units, second, "unmatched", {"reasons": ["no mentor left"]})
    sink.release.set()
    http, dispatcher = HttpPoster(settings.outbound_rules(), 5), Dispatcher(settings, SystemClock())
    original = dispatcher._settle
    holding = asyncio.Event()

    async def hold_the_second(delivery, *args):
        if delivery["recipient_id"] == second:
            holding.set()  # the first is settled: its e-mail went out and the relay said so
            await asyncio.Event().wait()  # stopped here, as a service stopping cancels its dispatcher
        return await original(delivery, *args)

    dispatcher._settle = hold_the_second
    try:
        round_ = asyncio.create_task(dispatcher.dispatch_batch(units, http, "email"))
        await asyncio.wait_for(holding.wait(), timeout=10)
        round_.cancel()
        with pytest.raises(asyncio.CancelledError):
            await round_
    finally:
        await http.close()
        await dispatcher.close()
        sink.stop()
    async with pool.acquire() as conn:
        rows = {
            r["event_id"]: r
            for r in await conn.fetch(
                "SELECT event_id, status, claimed_by FROM deliveries WHERE event_id = ANY($1::uuid[])",
                [sent_event, held_event],
            )
        }
        announced = await conn.fetchval("SELECT count(*) FROM outbox WHERE key = $1", str(first))
    assert rows[sent_event]["status"] == "sent" and announced == 2, (
        "recorded and announced (v2 and v1), not sent again later"
    )
    assert rows[held_event]["status"] == "pending" and rows[held_event]["claimed_by"] is None, "given back at once"

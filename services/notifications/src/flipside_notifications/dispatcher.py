"""The dispatcher: sends owed messages when their recipient wants them, records each outcome, announces it.

Guarantee: a delivery row is sent until its channel accepts it once, and is then
marked sent with its `NotificationSent` event in one transaction. A crash after the
channel accepted a message and before that commit sends it again on restart, with
the same identity: the e-mail's Message-ID (`<delivery id@flipside>`) and the
webhook's `webhook-id` header (the delivery id), which receivers use to drop the
second copy. Slack and Teams webhooks have no idempotency key: there, that one
duplicate is visible. Redelivered events never owe a second message, because
deliveries are unique on (event id, recipient, channel).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from aiolimiter import AsyncLimiter

from flipside_shared.events import NotificationFailed, NotificationSent
from flipside_shared.polling import drain_forever
from flipside_shared.service import Runtime
from flipside_shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

from .domain.chat import slack_payload, teams_payload
from .domain.failures import SendFailed, gives_up, retry_delay
from .domain.preferences import KIND_OF_TEMPLATE, PERSON_CHANNELS, HoldForDigest, Preferences, Skip, WaitUntil, decide
from .domain.rendering import RenderedMessage, render, with_footer
from .mailer import MailRelay, compose
from .outbound_http import HttpPoster
from .repository import ONE_LANE, WEBHOOK, Lane, NotificationsRepository, preferences_from
from .settings import NotificationSettings

log = structlog.get_logger(__name__)

SESSION_KINDS = {"sessions", "reminders"}
CHANNELS = (*PERSON_CHANNELS, WEBHOOK)
LISTENER_CHECK_SECONDS = 5


class Dispatcher:
    def __init__(self, settings: NotificationSettings) -> None:
        self._settings = settings
        # Per replica: each channel's receiver sees at most replicas x its limit.
        self._limits = {
            "email": AsyncLimiter(settings.smtp_max_per_second, 1),
            "slack": AsyncLimiter(settings.chat_max_per_second, 1),
            "teams": AsyncLimiter(settings.chat_max_per_second, 1),
            WEBHOOK: AsyncLimiter(settings.webhook_max_per_second, 1),
        }
        self._mail: dict[tuple[str, Lane], MailRelay] = {}
        """Each loop's mail sender (used by e-mail lanes only), its session kept between the loop's batches."""

    async def run(self, runtime: Runtime) -> None:
        """One loop per channel (e-mail: one per SMTP connection): a slow or rate-limited channel never holds up the others.
        Each loop polls, and is woken early when a handler owes new messages (LISTEN/NOTIFY)."""
        http = HttpPoster(self._settings.outbound_rules(), self._settings.http_timeout_seconds)
        lanes = [(channel, lane) for channel in CHANNELS for lane in self._lanes(channel)]
        wakes = [asyncio.Event() for _ in lanes]
        wakes_of: dict[str, list[asyncio.Event]] = defaultdict(list)
        for (channel, _), wake in zip(lanes, wakes, strict=True):
            wakes_of[channel].append(wake)
        listener = asyncio.create_task(self._listen(runtime, wakes_of))
        try:
            await asyncio.gather(*(
                drain_forever(
                    partial(self.dispatch_batch, runtime.units, http, channel, lane), self._settings.dispatch_batch_size,
                    self._settings.dispatch_poll_seconds, wake,
                )
                for (channel, lane), wake in zip(lanes, wakes, strict=True)
            ))
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await http.close()
            await self.close()

    async def close(self) -> None:
        """End the SMTP sessions kept open."""
        await asyncio.gather(*(mail.close() for mail in self._mail.values()))

    def _mail_of(self, channel: str, lane: Lane) -> MailRelay:
        if (channel, lane) not in self._mail:
            self._mail[channel, lane] = MailRelay(self._settings)
        return self._mail[channel, lane]

    def _lanes(self, channel: str) -> list[Lane]:
        senders = self._settings.smtp_connections if channel == "email" else 1
        return [Lane(index, senders) for index in range(senders)]

    async def _listen(self, runtime: Runtime, wakes_of: dict[str, list[asyncio.Event]]) -> None:
        """Keep a connection listening for owed messages (each NOTIFY names a channel: its loops wake);
        after a database restart, listen again."""

        def wake(channel: str) -> None:
            for event in wakes_of.get(channel, ()):
                event.set()

        def on_notify(_conn: object, _pid: int, _name: str, channel: str) -> None:
            wake(channel)

        while True:
            conn = None
            try:
                conn = await asyncpg.connect(self._settings.database_url)
                await conn.add_listener(f"{runtime.name}_deliveries", on_notify)
                for channel in wakes_of:  # whatever was owed while nobody listened
                    wake(channel)
                while not conn.is_closed():
                    await asyncio.sleep(LISTENER_CHECK_SECONDS)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("not listening for owed messages; polling only", error=type(error).__name__)
                await asyncio.sleep(LISTENER_CHECK_SECONDS)
            finally:
                if conn is not None:
                    await conn.close(timeout=2)

    async def dispatch_batch(self, units: UnitOfWorkFactory, http: HttpPoster, channel: str, lane: Lane = ONE_LANE) -> int:
        """Fold the channel's due digests, then send one batch of the lane's recipients on it; return how many
        deliveries were claimed."""
        now = datetime.now(UTC)
        mail = self._mail_of(channel, lane)
        try:
            async with units.begin() as uow:
                repository = NotificationsRepository(uow.conn)
                if channel != WEBHOOK:
                    await repository.gather_due_digests(now, self._settings.dispatch_batch_size, channel, lane)
                claimed = await repository.claim_sendable(now, self._settings.dispatch_batch_size, channel, lane)
                for row in claimed:
                    delivery = dict(row)
                    if channel == WEBHOOK:
                        await self._deliver_webhook(repository, delivery, http, now)
                    else:
                        await self._deliver_to_person(uow, repository, delivery, mail, http, now)
        finally:
            await mail.close_if_idle()
        return len(claimed)

    async def _deliver_to_person(
        self, uow: UnitOfWork, repository: NotificationsRepository, delivery: dict[str, Any], mail: MailRelay,
        http: HttpPoster, now: datetime,
    ) -> None:
        delivery_id, channel, template = delivery["delivery_id"], delivery["channel"], delivery["template"]
        preferences = preferences_from(delivery)
        kind = KIND_OF_TEMPLATE[template]
        starts_at = delivery["context"].get("starts_at") if kind in SESSION_KINDS else None
        decision = decide(
            now, preferences, delivery["time_zone"], channel, template,
            datetime.fromisoformat(starts_at) if starts_at else None, self._settings.urgent_lead,
        )
        match decision:
            case Skip(reason):
                await repository.skip(delivery_id, reason)
                return
            case WaitUntil(at):
                await repository.wait_until(delivery_id, at)
                return
            case HoldForDigest(at):
                await repository.hold_for_digest(delivery_id, at)
                return
        attempts = delivery["attempts"] + 1
        if template == "digest":
            delivery = await _with_partner_names(repository, delivery)
        unsubscribe_url = self._settings.unsubscribe_url(delivery["recipient_id"], kind)
        try:
            message = self._render(delivery, kind, unsubscribe_url)
            async with self._limits[channel]:
                await self._send(channel, delivery, message, unsubscribe_url, preferences, mail, http)
        except SendFailed as failure:
            if gives_up(failure, attempts):
                await repository.mark_failed(delivery_id, failure.reason)
                log.warning("delivery failed", delivery_id=str(delivery_id), channel=channel, reason=failure.reason, attempts=attempts)
                for event in failed_events(delivery, failure, attempts, now):
                    uow.emit(event, correlation_id=delivery["correlation_id"])
            else:
                await repository.retry_later(delivery_id, failure.reason, now + retry_delay(attempts, failure))
            return
        await repository.mark_sent(delivery_id, now)
        for event in sent_events(delivery, attempts, now):
            uow.emit(event, correlation_id=delivery["correlation_id"])
            if (v1 := event.as_v1()) is not None:
                uow.emit(v1, correlation_id=delivery["correlation_id"])

    def _render(self, delivery: dict[str, Any], kind: str, unsubscribe_url: str) -> RenderedMessage:
        """The message in the recipient's language; a template that cannot render fails this delivery only."""
        context = {
            **delivery["context"],
            "display_name": delivery["display_name"],
            "partner_name": delivery["partner_name"] or "your partner",
            "time_zone": delivery["time_zone"],
        }
        locale, fallback = delivery["locale"], self._settings.default_locale
        try:
            message = render(delivery["template"], locale, context, fallback)
        except Exception as error:
            raise SendFailed(f"cannot render {delivery['template']}: {type(error).__name__}: {error}", permanent=True) from None
        return with_footer(message, locale, unsubscribe_url, kind, fallback)

    async def _send(
        self, channel: str, delivery: dict[str, Any], message: RenderedMessage, unsubscribe_url: str, preferences: Preferences,
        mail: MailRelay, http: HttpPoster,
    ) -> None:
        if channel == "email":
            await mail.send(compose(delivery, message, self._settings.smtp_sender, unsubscribe_url))
        elif channel == "slack":
            await http.post_chat("slack", preferences.chat_urls["slack"], slack_payload(message))
        else:
            await http.post_chat("teams", preferences.chat_urls["teams"], teams_payload(message))

    async def _deliver_webhook(
        self, repository: NotificationsRepository, delivery: dict[str, Any], http: HttpPoster, now: datetime,
    ) -> None:
        delivery_id, attempts = delivery["delivery_id"], delivery["attempts"] + 1
        try:
            async with self._limits[WEBHOOK]:
                await http.post_signed(delivery["webhook_url"], delivery["webhook_secret"], delivery_id, json.dumps(delivery["context"]))
        except SendFailed as failure:
            if gives_up(failure, attempts):
                await repository.mark_failed(delivery_id, failure.reason)
                log.warning("webhook delivery failed", delivery_id=str(delivery_id), reason=failure.reason, attempts=attempts)
            else:
                await repository.retry_later(delivery_id, failure.reason, now + retry_delay(attempts, failure))
            return
        await repository.mark_webhook_sent(delivery_id, now)


async def _with_partner_names(repository: NotificationsRepository, digest: dict[str, Any]) -> dict[str, Any]:
    """A digest's items with their partners' current names, looked up now rather than stored in the log."""
    items = digest["context"]["items"]
    names = await repository.display_names([UUID(i["context"]["partner_id"]) for i in items if "partner_id" in i["context"]])
    named = [
        {**item, "context": {**item["context"], "partner_name": names.get(UUID(item["context"]["partner_id"]), "your partner")}}
        if "partner_id" in item["context"] else item
        for item in items
    ]
    return {**digest, "context": {**digest["context"], "items": named}}


def _items(delivery: dict[str, Any]) -> list[tuple[UUID, str, UUID, UUID | None]]:
    """(notification id, template, cause event id, digest id) of each message this delivery carried."""
    if delivery["template"] == "digest":
        return [
            (UUID(item["delivery_id"]), item["template"], UUID(item["event_id"]), delivery["delivery_id"])
            for item in delivery["context"]["items"]
        ]
    return [(delivery["delivery_id"], delivery["template"], delivery["event_id"], None)]


def sent_events(delivery: dict[str, Any], attempts: int, now: datetime) -> list[NotificationSent]:
    return [
        NotificationSent(
            notification_id=notification_id, participant_id=delivery["recipient_id"], channel=delivery["channel"],
            template=template, cause_event_id=cause, sent_at=now, attempts=attempts, digest_id=digest_id,
        )
        for notification_id, template, cause, digest_id in _items(delivery)
    ]


def failed_events(delivery: dict[str, Any], failure: SendFailed, attempts: int, now: datetime) -> list[NotificationFailed]:
    return [
        NotificationFailed(
            notification_id=notification_id, participant_id=delivery["recipient_id"], channel=delivery["channel"],
            template=template, cause_event_id=cause, reason=failure.reason, permanent=failure.permanent,
            attempts=attempts, failed_at=now,
        )
        for notification_id, template, cause, _ in _items(delivery)
    ]

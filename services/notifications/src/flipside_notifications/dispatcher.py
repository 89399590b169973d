"""The dispatcher: sends owed messages when their recipient wants them, records each outcome, announces it.

A round claims a batch (a short transaction: each delivery marked with the round's claim and when it lapses),
sends with no transaction open, each delivery failing or retrying on its own, then records every outcome with
its events in one transaction. Guarantee: a delivery row is sent until its channel accepts it once, and is then
marked sent with its `NotificationSent` event. A crash after the channel accepted a message and before that
commit sends it again once the claim lapses, with the same identity: the e-mail's Message-ID
(`<delivery id@flipside>`) and the webhook's `webhook-id` header (the delivery id), which receivers use to
drop the second copy. Slack and Teams webhooks have no idempotency key: there, that one duplicate is visible.
Only the claiming round records, so a taken-over delivery is announced once. Redelivered events never owe a
second message, because deliveries are unique on (event id, recipient, channel)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar
from uuid import UUID, uuid4

import asyncpg
import structlog
from aiolimiter import AsyncLimiter

from flipside_shared.clock import Clock
from flipside_shared.events import Event, NotificationFailed, NotificationSent
from flipside_shared.polling import drain_forever
from flipside_shared.service import Runtime
from flipside_shared.unit_of_work import UnitOfWorkFactory

from .domain.chat import slack_payload, teams_payload
from .domain.failures import SendFailed, gives_up, retry_delay
from .domain.header_text import one_line
from .domain.preferences import KIND_OF_TEMPLATE, PERSON_CHANNELS, HoldForDigest, Preferences, Skip, WaitUntil, decide
from .domain.rendering import RenderedMessage, render, with_footer
from .mailer import MailRelay, compose
from .outbound_http import HttpPoster
from .repository import ONE_LANE, WEBHOOK, Claim, Lane, NotificationsRepository, Outcome, preferences_from
from .settings import NotificationSettings

log = structlog.get_logger(__name__)

SESSION_KINDS = {"sessions", "reminders"}
CHANNELS = (*PERSON_CHANNELS, WEBHOOK)
LISTENER_CHECK_SECONDS = 5

Woken = TypeVar("Woken")

Settled = tuple[Outcome, list[tuple[Event, UUID | None]]]
"""A delivery's outcome and the events (with their correlation id) to emit if it is recorded."""


class Dispatcher:
    def __init__(self, settings: NotificationSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        # Per replica: each channel's receiver sees at most replicas x its limit.
        self._limits = {
            "email": AsyncLimiter(settings.smtp_max_per_second, 1),
            "slack": AsyncLimiter(settings.chat_max_per_second, 1),
            "teams": AsyncLimiter(settings.chat_max_per_second, 1),
            WEBHOOK: AsyncLimiter(settings.webhook_max_per_second, 1),
        }
        self._mail: dict[tuple[str, Lane], MailRelay] = {}
        """Each loop's mail sender (used by e-mail lanes only), its session kept between the loop's batches."""

    async def run(self, runtime: Runtime[NotificationsRepository]) -> None:
        """One loop per channel (e-mail: one per SMTP connection): a slow or rate-limited channel never holds up the others.
        Each loop polls, and is woken early when a handler owes new messages (LISTEN/NOTIFY)."""
        http = HttpPoster(self._settings.outbound_rules(), self._settings.http_timeout_seconds)
        lanes = [(channel, lane) for channel in CHANNELS for lane in self._lanes(channel)]
        wakes = [asyncio.Event() for _ in lanes]
        wakes_of: dict[str, list[tuple[Lane, asyncio.Event]]] = defaultdict(list)
        for (channel, lane), wake in zip(lanes, wakes, strict=True):
            wakes_of[channel].append((lane, wake))
        listener = asyncio.create_task(self._listen(runtime, wakes_of))
        try:
            await asyncio.gather(
                *(
                    drain_forever(
                        partial(self.dispatch_batch, runtime.units, http, channel, lane),
                        self._settings.dispatch_batch_size,
                        self._settings.dispatch_poll_seconds,
                        wake,
                    )
                    for (channel, lane), wake in zip(lanes, wakes, strict=True)
                )
            )
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

    async def _listen(
        self, runtime: Runtime[NotificationsRepository], wakes_of: dict[str, list[tuple[Lane, asyncio.Event]]]
    ) -> None:
        """Keep a connection listening for owed messages (each NOTIFY names a channel, and the lanes owed messages
        when it names few: those of its loops wake); after a database restart, listen again."""

        def on_notify(con_ref: object, pid: int, channel: str, payload: object) -> None:
            for event in woken(str(payload), wakes_of):
                event.set()

        while True:
            conn = None
            try:
                conn = await asyncpg.connect(self._settings.database_url)
                await conn.add_listener(f"{runtime.name}_deliveries", on_notify)
                for lanes in wakes_of.values():  # whatever was owed while nobody listened
                    for _, event in lanes:
                        event.set()
                # asyncpg tells of a closed listener connection by no event: only asking shows it.
                while not conn.is_closed():  # noqa: ASYNC110
                    await asyncio.sleep(LISTENER_CHECK_SECONDS)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("not listening for owed messages; polling only", error=type(error).__name__)
                await asyncio.sleep(LISTENER_CHECK_SECONDS)
            finally:
                if conn is not None:
                    await conn.close(timeout=2)

    async def dispatch_batch(
        self,
        units: UnitOfWorkFactory[NotificationsRepository],
        http: HttpPoster,
        channel: str,
        lane: Lane = ONE_LANE,
    ) -> int:
        """Fold the channel's due digests and claim one batch of the lane's deliveries (one short transaction),
        send them with no transaction open, then record every outcome (another); return how many were claimed.

        Each delivery's send succeeds or fails on its own: nothing one of them holds can stop the others."""
        now = self._clock.now()
        claim = Claim(uuid4(), now + timedelta(seconds=self._settings.claim_seconds))
        # Sends start only in the claim's first half: the last one ends well before another round may take over.
        send_until = time.monotonic() + self._settings.claim_seconds / 2
        async with units.begin() as uow:
            repository = uow.repository
            if channel != WEBHOOK:
                await repository.gather_due_digests(now, self._settings.dispatch_batch_size, channel, lane)
            rows = await repository.claim_sendable(now, self._settings.dispatch_batch_size, channel, lane, claim)
            claimed = [
                await _with_partner_names(repository, delivery) if delivery["template"] == "digest" else delivery
                for delivery in map(dict, rows)
            ]
        mail = self._mail_of(channel, lane)
        settled: list[Settled] = []
        try:
            for delivery in claimed:
                if time.monotonic() >= send_until:
                    break
                settled.append(await self._settle(delivery, mail, http, now))
        except asyncio.CancelledError:
            # Stopping: what went out is recorded now rather than sent again once the claim lapses.
            await self._record_when_stopping(units, claim, claimed, settled)
            raise
        finally:
            await mail.close_if_idle()
        if claimed:
            await self._record(units, claim, claimed, settled)
        return len(claimed)

    async def _record(
        self,
        units: UnitOfWorkFactory[NotificationsRepository],
        claim: Claim,
        claimed: list[dict[str, Any]],
        settled: list[Settled],
    ) -> None:
        """The round's outcomes and their events, in one transaction; deliveries the round did not reach are given back."""
        reached = {outcome.delivery_id for outcome, _ in settled}
        given_back = [Outcome(d["delivery_id"], "pending") for d in claimed if d["delivery_id"] not in reached]
        async with units.begin() as uow:
            recorded = await uow.repository.record(claim, [outcome for outcome, _ in settled] + given_back)
            for outcome, events in settled:
                if outcome.delivery_id in recorded:
                    for event, correlation_id in events:
                        uow.emit(event, correlation_id=correlation_id)

    async def _record_when_stopping(
        self,
        units: UnitOfWorkFactory[NotificationsRepository],
        claim: Claim,
        claimed: list[dict[str, Any]],
        settled: list[Settled],
    ) -> None:
        try:
            await self._record(units, claim, claimed, settled)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning(
                "outcomes not recorded at shutdown; sent again once the claim lapses", error=type(error).__name__
            )

    async def _settle(self, delivery: dict[str, Any], mail: MailRelay, http: HttpPoster, now: datetime) -> Settled:
        """Send one delivery or decide not to; whatever it raises that nobody foresaw (a bug, data stored before
        it was checked, such as a time zone that does not exist) fails this delivery for good, not the round."""
        try:
            if delivery["channel"] == WEBHOOK:
                return await self._deliver_webhook(delivery, http, now)
            return await self._deliver_to_person(delivery, mail, http, now)
        except Exception as error:
            log.exception("cannot deliver", delivery_id=str(delivery["delivery_id"]))
            failure = SendFailed(f"cannot deliver: {type(error).__name__}: {error}", permanent=True)
            return _failed(delivery, failure, delivery["attempts"] + 1, now)

    async def _deliver_to_person(
        self, delivery: dict[str, Any], mail: MailRelay, http: HttpPoster, now: datetime
    ) -> Settled:
        delivery_id, channel, template = delivery["delivery_id"], delivery["channel"], delivery["template"]
        preferences = preferences_from(delivery)
        kind = KIND_OF_TEMPLATE[template]
        starts_at = delivery["context"].get("starts_at") if kind in SESSION_KINDS else None
        decision = decide(
            now,
            preferences,
            delivery["time_zone"],
            channel,
            template,
            datetime.fromisoformat(starts_at) if starts_at else None,
            self._settings.urgent_lead,
        )
        match decision:
            case Skip(reason):
                return Outcome(delivery_id, "skipped", error=reason), []
            case WaitUntil(at):
                return Outcome(delivery_id, "pending", next_attempt_at=at), []
            case HoldForDigest(at):
                return Outcome(delivery_id, "held", next_attempt_at=at), []
        attempts = delivery["attempts"] + 1
        unsubscribe_url = self._settings.unsubscribe_url(delivery["recipient_id"], kind, delivery["link_generation"])
        try:
            message = self._render(delivery, kind, unsubscribe_url, preferences.language_for(delivery["locale"]))
            send = self._sending(channel, delivery, message, unsubscribe_url, preferences, mail, http)
            async with self._limits[channel]:
                await _failing_on_its_own(send)
        except SendFailed as failure:
            return _failed(delivery, failure, attempts, now)
        sent = sent_events(delivery, attempts, now)
        events: list[tuple[Event, UUID | None]] = [(event, delivery["correlation_id"]) for event in sent]
        events += [(v1, delivery["correlation_id"]) for event in sent if (v1 := event.as_v1()) is not None]
        return Outcome(delivery_id, "sent", attempted=True, sent_at=now), events

    def _render(self, delivery: dict[str, Any], kind: str, unsubscribe_url: str, locale: str) -> RenderedMessage:
        """The message in the recipient's language; a template that cannot render fails this delivery only."""
        context = {
            **delivery["context"],
            "display_name": delivery["display_name"],
            "partner_name": delivery["partner_name"],
            "time_zone": delivery["time_zone"],
        }
        fallback = self._settings.default_locale
        try:
            portal_url = self._settings.portal_url
            message = render(delivery["template"], locale, context, fallback, portal_url)
            message = with_footer(message, locale, unsubscribe_url, kind, fallback, portal_url)
        except Exception as error:
            raise SendFailed(
                f"cannot render {delivery['template']}: {type(error).__name__}: {error}", permanent=True
            ) from None
        return RenderedMessage(one_line(message.subject), message.text, message.html)

    def _sending(
        self,
        channel: str,
        delivery: dict[str, Any],
        message: RenderedMessage,
        unsubscribe_url: str,
        preferences: Preferences,
        mail: MailRelay,
        http: HttpPoster,
    ) -> Coroutine[Any, Any, None]:
        """The send of this message on `channel`, composed first: what cannot be composed (an address that is not one,
        a header the email library refuses) fails this delivery for good before anything is sent."""
        try:
            if channel == "email":
                return mail.send(compose(delivery, message, self._settings.smtp_sender, unsubscribe_url))
            payload = slack_payload(message) if channel == "slack" else teams_payload(message)
            return http.post_chat(channel, preferences.chat_urls[channel], payload)
        except Exception as error:
            raise SendFailed(
                f"cannot compose the {channel} message: {type(error).__name__}: {error}", permanent=True
            ) from None

    async def _deliver_webhook(self, delivery: dict[str, Any], http: HttpPoster, now: datetime) -> Settled:
        delivery_id, attempts = delivery["delivery_id"], delivery["attempts"] + 1
        try:
            async with self._limits[WEBHOOK]:
                await _failing_on_its_own(
                    http.post_signed(
                        delivery["webhook_url"],
                        delivery["webhook_secret"],
                        delivery_id,
                        json.dumps(delivery["context"]),
                    )
                )
        except SendFailed as failure:
            return _failed(delivery, failure, attempts, now)
        return Outcome(delivery_id, "sent", attempted=True, sent_at=now, drop_context=True), []


def woken(hint: str, wakes_of: Mapping[str, Sequence[tuple[Lane, Woken]]]) -> list[Woken]:
    """Of each channel's loops (`wakes_of`), those a wake-up hint calls: every loop of the channel it names, or when
    it names the lane hashes of the recipients owed messages (`channel:hash,hash`), only the loops of those lanes."""
    channel, _, listed = hint.partition(":")
    try:
        hashes = {int(h) for h in listed.split(",")} if listed else None
    except ValueError:
        hashes = None
    return [
        wake
        for lane, wake in wakes_of.get(channel, ())
        if hashes is None or any(h % lane.of == lane.index for h in hashes)
    ]


async def _failing_on_its_own(send: Coroutine[Any, Any, None]) -> None:
    """Await the send; anything it raises beyond SendFailed (an error no channel foresaw) is a failure of this
    delivery worth another try, never of the round."""
    try:
        await send
    except SendFailed:
        raise
    except Exception as error:
        log.exception("unexpected error sending a delivery")
        raise SendFailed(f"unexpected: {type(error).__name__}: {error}", permanent=False) from None


def _failed(delivery: dict[str, Any], failure: SendFailed, attempts: int, now: datetime) -> Settled:
    delivery_id, channel = delivery["delivery_id"], delivery["channel"]
    if not gives_up(failure, attempts):
        next_attempt_at = now + retry_delay(attempts, failure)
        return Outcome(
            delivery_id, "pending", attempted=True, error=failure.reason, next_attempt_at=next_attempt_at
        ), []
    log.warning(
        "delivery failed", delivery_id=str(delivery_id), channel=channel, reason=failure.reason, attempts=attempts
    )
    # A subscriber's failures are in its delivery log; `NotificationFailed` is about people.
    failed = [] if channel == WEBHOOK else failed_events(delivery, failure, attempts, now)
    events: list[tuple[Event, UUID | None]] = [(event, delivery["correlation_id"]) for event in failed]
    return Outcome(delivery_id, "failed", attempted=True, error=failure.reason), events


async def _with_partner_names(repository: NotificationsRepository, digest: dict[str, Any]) -> dict[str, Any]:
    """A digest's items with their partners' current names, looked up now rather than stored in the log."""
    items = digest["context"]["items"]
    names = await repository.display_names(
        [UUID(i["context"]["partner_id"]) for i in items if "partner_id" in i["context"]]
    )
    named = [
        {
            **item,
            "context": {
                **item["context"],
                "partner_name": names.get(UUID(item["context"]["partner_id"])),
            },
        }
        if "partner_id" in item["context"]
        else item
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
            notification_id=notification_id,
            participant_id=delivery["recipient_id"],
            channel=delivery["channel"],
            template=template,
            cause_event_id=cause,
            sent_at=now,
            attempts=attempts,
            digest_id=digest_id,
        )
        for notification_id, template, cause, digest_id in _items(delivery)
    ]


def failed_events(
    delivery: dict[str, Any], failure: SendFailed, attempts: int, now: datetime
) -> list[NotificationFailed]:
    return [
        NotificationFailed(
            notification_id=notification_id,
            participant_id=delivery["recipient_id"],
            channel=delivery["channel"],
            template=template,
            cause_event_id=cause,
            reason=failure.reason,
            permanent=failure.permanent,
            attempts=attempts,
            failed_at=now,
        )
        for notification_id, template, cause, _ in _items(delivery)
    ]

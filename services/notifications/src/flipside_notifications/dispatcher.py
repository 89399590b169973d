"""The dispatcher: sends owed e-mails, records each outcome, announces what was sent.

Guarantee: each delivery row is sent until the relay accepts it once, and is
then marked sent with its `NotificationSent` event in one transaction. A crash
after the relay accepted a message and before that commit sends it again on
restart, with the same Message-ID (`<delivery id@flipside>`): at most that one
duplicate, recognisable by its id. Redelivered events never owe a second message,
because deliveries are unique on (event id, recipient, channel).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from flipside_shared.events import NotificationSent
from flipside_shared.polling import drain_forever
from flipside_shared.service import Runtime

from .domain.failures import MAX_ATTEMPTS, is_permanent, retry_delay
from .mailer import SendFailed, compose, send
from .repository import EMAIL, NotificationsRepository
from .settings import NotificationSettings

log = structlog.get_logger(__name__)


class Dispatcher:
    def __init__(self, settings: NotificationSettings) -> None:
        self._settings = settings

    async def run(self, runtime: Runtime) -> None:
        await drain_forever(
            lambda: self.dispatch_batch(runtime), self._settings.dispatch_batch_size, self._settings.dispatch_poll_seconds
        )

    async def dispatch_batch(self, runtime: Runtime) -> int:
        """Send one batch; return how many deliveries were claimed."""
        pause = 1.0 / self._settings.smtp_max_per_second
        async with runtime.units.begin() as uow:
            repository = NotificationsRepository(uow.conn)
            claimed = await repository.claim_sendable(datetime.now(UTC), self._settings.dispatch_batch_size)
            for delivery in claimed:
                await self._deliver(uow, repository, delivery)
                await asyncio.sleep(pause)
        return len(claimed)

    async def _deliver(self, uow, repository: NotificationsRepository, delivery) -> None:
        delivery_id = delivery["delivery_id"]
        try:
            await send(compose(delivery, self._settings.smtp_sender), self._settings)
        except SendFailed as failure:
            attempts = delivery["attempts"] + 1
            if is_permanent(failure.smtp_code) or attempts >= MAX_ATTEMPTS:
                await repository.mark_failed(delivery_id, str(failure))
                log.warning("delivery failed", delivery_id=str(delivery_id), reason=str(failure), attempts=attempts)
            else:
                await repository.retry_later(delivery_id, str(failure), datetime.now(UTC) + retry_delay(attempts))
            return
        now = datetime.now(UTC)
        await repository.mark_sent(delivery_id, now)
        uow.emit(
            NotificationSent(
                notification_id=delivery_id,
                participant_id=delivery["recipient_id"],
                channel=EMAIL,
                template=delivery["template"],
                cause_event_id=delivery["event_id"],
                sent_at=now,
            ),
            correlation_id=delivery["correlation_id"],
        )

"""The timer worker: fires due timers exactly once across replicas.

Each round claims due timers with `FOR UPDATE SKIP LOCKED` and, in the same
transaction, writes their events to the outbox and marks them settled: a
replica that dies mid-round rolls back and its timers are claimed again.
"""

from __future__ import annotations

import asyncpg
import structlog
from prometheus_client import Gauge

from flipside_shared.clock import Clock
from flipside_shared.events import CheckInDue, ReminderDue
from flipside_shared.polling import drain_forever
from flipside_shared.service import Runtime

from .domain.timers import fires_when_overdue
from .repository import SchedulingRepository

log = structlog.get_logger(__name__)

TIMERS_OVERDUE = Gauge("flipside_timers_overdue", "Pending timers already due, left after the last round.")


class TimerWorker:
    def __init__(self, clock: Clock, poll_seconds: float, batch_size: int) -> None:
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size

    async def run(self, runtime: Runtime[SchedulingRepository]) -> None:
        await drain_forever(lambda: self.fire_due(runtime), self._batch_size, self._poll_seconds)

    async def fire_due(self, runtime: Runtime[SchedulingRepository]) -> int:
        """One round: settle up to a batch of due timers; return how many were claimed."""
        now = self._clock.now()
        async with runtime.units.begin() as uow:
            repository = uow.repository
            due = await repository.claim_due_timers(now, self._batch_size)
            fired, dropped = [], []
            for timer in due:
                if not fires_when_overdue(timer["kind"], timer["starts_at"], now):
                    dropped.append(timer["timer_id"])
                    continue
                uow.emit(_event(timer), correlation_id=timer["correlation_id"])
                fired.append(timer["timer_id"])
            await repository.settle_timers(fired, dropped, now)
            TIMERS_OVERDUE.set(await repository.count_due(now) if len(due) == self._batch_size else 0)
        if due:
            log.info("timers settled", fired=len(fired), dropped=len(dropped))
        return len(due)


def _event(timer: asyncpg.Record) -> ReminderDue | CheckInDue:
    if timer["kind"] == "reminder":
        return ReminderDue(
            session_id=timer["session_id"],
            pair_id=timer["pair_id"],
            participant_ids=[timer["mentor_id"], timer["mentee_id"]],
            starts_at=timer["starts_at"],
            minutes_before=timer["minutes_before"],
        )
    return CheckInDue(
        session_id=timer["session_id"],
        pair_id=timer["pair_id"],
        program_id=timer["program_id"],
        mentor_id=timer["mentor_id"],
        mentee_id=timer["mentee_id"],
        session_started_at=timer["starts_at"],
    )

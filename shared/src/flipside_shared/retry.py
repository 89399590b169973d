"""Which failures pass on their own, and how long to wait before trying again."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import structlog
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NotLeaderForPartitionError, RequestTimedOutError

log = structlog.get_logger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes ConnectionError: the database or broker is not reachable right now
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, statement cancelled
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.TooManyConnectionsError,
    KafkaConnectionError,
    KafkaTimeoutError,
    NotLeaderForPartitionError,
    RequestTimedOutError,
)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT_ERRORS)


class Backoff:
    """Exponential backoff with full jitter, capped; reset after a success."""

    def __init__(self, first: float = 0.1, cap: float = 5.0) -> None:
        self._first = first
        self._cap = cap
        self.attempts = 0

    async def sleep(self, error: BaseException) -> None:
        self.attempts += 1
        delay = random.uniform(0, min(self._cap, self._first * 2**self.attempts))
        log.warning("retrying after failure", error=type(error).__name__, detail=str(error)[:200], attempt=self.attempts, delay=round(delay, 3))
        await asyncio.sleep(delay)

    def reset(self) -> None:
        self.attempts = 0

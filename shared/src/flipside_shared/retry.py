"""Which failures pass on their own, and how long to wait before trying again."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import structlog
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    RecordListTooLargeError,
    RecordTooLargeError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)

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


# OSErrors of the local file system say the code or the deployment is wrong: retried, they would hold a
# partition forever instead of reaching the dead-letter topic.
LOCAL_FAULTS: tuple[type[BaseException], ...] = (
    FileNotFoundError,
    FileExistsError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT_ERRORS) and not isinstance(error, LOCAL_FAULTS)


# The broker (or the producer, on its behalf) refuses this one record, and would refuse it again:
# sending it once more changes nothing. Every other failure is taken as trouble that passes.
RECORD_REFUSALS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,  # larger than the producer's max_request_size or the topic's max.message.bytes
    RecordTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,  # CORRUPT_MESSAGE: the broker found the record invalid as it is
)
# The same for every record of the topic: refused, of an illegal name, or still unknown after the
# producer's metadata wait (deleted, or never created where topics are managed by hand).
TOPIC_REFUSALS: tuple[type[BaseException], ...] = (
    TopicAuthorizationFailedError,
    InvalidTopicError,
    UnknownTopicOrPartitionError,
)


def is_refusal(error: BaseException) -> bool:
    """Whether the broker will never take this record as it is, so retrying it can only hold up the rest."""
    return isinstance(error, RECORD_REFUSALS + TOPIC_REFUSALS)


class Backoff:
    """Exponential backoff with full jitter, capped; reset after a success."""

    def __init__(self, first: float = 0.1, cap: float = 5.0) -> None:
        self._first = first
        self._cap = cap
        self.attempts = 0

    async def sleep(self, error: BaseException) -> None:
        self.attempts += 1
        delay = random.uniform(0, min(self._cap, self._first * 2**self.attempts))
        log.warning(
            "retrying after failure",
            error=type(error).__name__,
            detail=str(error)[:200],
            attempt=self.attempts,
            delay=round(delay, 3),
        )
        await asyncio.sleep(delay)

    def reset(self) -> None:
        self.attempts = 0

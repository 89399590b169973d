"""One transaction: the state change, the inbox row and the outgoing events commit together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar, cast
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from .envelope import Envelope, Tombstone
from .events import Event, Stream
from .outbox import write_outbox
from .settings import KAFKA_MAX_MESSAGE_BYTES

# What Kafka adds to a record's key, value and headers in a batch of its own (the batch header, lengths, offsets),
# with room to spare: about 60 bytes for the batch, 50 for the record and 10 for each header.
RECORD_OVERHEAD_BYTES = 512


class EventTooLarge(ValueError):
    """An event whose Kafka record would be bigger than its topic accepts: refused before it reaches the outbox,
    where no relay could ever publish it."""


def record_bytes(envelope: Envelope) -> int:
    """The size of the envelope's Kafka record, overhead included."""
    headers = sum(len(name.encode()) + len(value) for name, value in envelope.headers())
    return len(envelope.subject.encode()) + len(envelope.body()) + headers + RECORD_OVERHEAD_BYTES


Repository = TypeVar("Repository")
"""A service's repository: its queries on one connection, built by a `RepositoryFactory`."""

RepositoryFactory = Callable[[asyncpg.Connection], Repository]


@dataclass
class UnitOfWork(Generic[Repository]):
    """What a handler gets: the service's repository on the open transaction, and a way to emit events.

    `conn` is the same transaction's connection, for the shared machinery (inbox, erasure records).
    """

    conn: asyncpg.Connection
    source: str
    repository: Repository
    cause: Envelope | None = None
    correlation_id: UUID | None = None
    max_record_bytes: int = KAFKA_MAX_MESSAGE_BYTES
    emitted: list[Envelope | Tombstone] = field(default_factory=list)
    causes: dict[int, Envelope] = field(default_factory=dict)
    """The envelopes of the events handed to a handler of many at once, by the identity of their event."""
    committed: list[Callable[[], None]] = field(default_factory=list)
    """What to do once the transaction has committed, in order (`after_commit`)."""

    def caused_by(self, event: Event) -> UnitOfWork[Repository]:
        """This unit, emitting as a consequence of `event`, one of the events this unit was handed.

        A handler of many events calls it for each event whose consequences it emits, so every outgoing
        event names its own cause and carries on its chain; what it emits goes to this unit's outbox, in order.
        """
        if self.cause is not None and self.cause.event is event:
            return self
        cause = self.causes.get(id(event))
        if cause is None or cause.event is not event:
            raise ValueError(f"{event.ce_type} is not one of the events this unit of work was handed")
        return replace(self, cause=cause, correlation_id=None, causes={})

    def emit(self, event: Event, correlation_id: UUID | None = None) -> Envelope:
        """Queue `event` for the outbox; `correlation_id` names the chain when no event caused this work.

        Raises EventTooLarge when its record would not fit its topic.
        """
        envelope = Envelope.caused_by(self.cause, event, self.source, correlation_id or self.correlation_id)
        if (size := record_bytes(envelope)) > self.max_record_bytes:
            raise EventTooLarge(
                f"{event.ce_type} would be a Kafka record of {size} bytes, over the {self.max_record_bytes} its topic accepts"
            )
        self.emitted.append(envelope)
        return envelope

    def tombstone(self, stream: Stream, key: str) -> None:
        """Queue a record with no value under `key` for the outbox: compaction of `stream` then forgets that key."""
        self.emitted.append(Tombstone(stream, key))

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the transaction has committed, never if it rolls back: for what a process keeps in
        memory about the state it stored."""
        self.committed.append(callback)


@dataclass
class BatchOfWork(Generic[Repository]):
    """Several units of work in one transaction: each keeps its own cause, all commit together."""

    conn: asyncpg.Connection
    source: str
    repository: Repository
    max_record_bytes: int = KAFKA_MAX_MESSAGE_BYTES
    units: list[UnitOfWork[Repository]] = field(default_factory=list)
    committed: list[Callable[[], None]] = field(default_factory=list)
    """What its units asked to do once the transaction has committed."""

    def unit(
        self, cause: Envelope | None = None, correlation_id: UUID | None = None, causes: Sequence[Envelope] = ()
    ) -> UnitOfWork[Repository]:
        """A unit of work in this transaction: of one `cause`, or of several `causes` handed to one handler."""
        uow = UnitOfWork(
            conn=self.conn,
            source=self.source,
            repository=self.repository,
            cause=cause,
            correlation_id=correlation_id,
            max_record_bytes=self.max_record_bytes,
            causes={id(envelope.event): envelope for envelope in causes},
            committed=self.committed,
        )
        self.units.append(uow)
        return uow


class UnitOfWorkFactory(Generic[Repository]):
    """The only way a service reaches its database: units of work that commit, and reads that change nothing."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        source: str,
        topic_prefix: str,
        repository: RepositoryFactory[Repository],
        max_record_bytes: int = KAFKA_MAX_MESSAGE_BYTES,
    ) -> None:
        self._pool = pool
        self._repository = repository
        self._source = source
        self._topic_prefix = topic_prefix
        self._max_record_bytes = max_record_bytes

    @asynccontextmanager
    async def begin(
        self, cause: Envelope | None = None, correlation_id: UUID | None = None
    ) -> AsyncIterator[UnitOfWork[Repository]]:
        """Commit state and emitted events together, or neither.

        Work not caused by a consumed event (timers, HTTP commands) passes the
        `correlation_id` of the chain it continues, if any.
        """
        async with self.begin_batch() as batch:
            yield batch.unit(cause, correlation_id)

    @asynccontextmanager
    async def begin_batch(self) -> AsyncIterator[BatchOfWork[Repository]]:
        """One transaction for many units: their states and events, in the order of the units, or nothing."""
        async with self._pool.acquire() as proxy:
            async with proxy.transaction():
                conn = pooled(proxy)
                batch = BatchOfWork(
                    conn=conn,
                    source=self._source,
                    repository=self._repository(conn),
                    max_record_bytes=self._max_record_bytes,
                )
                yield batch
                await write_outbox(
                    conn, [envelope for uow in batch.units for envelope in uow.emitted], self._topic_prefix
                )
            for callback in batch.committed:
                callback()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Repository]:
        """The repository on a pooled connection, for reads that emit nothing (each statement sees committed data)."""
        async with self._pool.acquire() as proxy:
            yield self._repository(pooled(proxy))


def pooled(proxy: PoolConnectionProxy) -> asyncpg.Connection:
    """The connection behind a pool's proxy, as the code that takes a connection expects it."""
    # A pool hands out a proxy that forwards every method of the connection it holds; the stubs keep them apart.
    return cast(asyncpg.Connection, proxy)

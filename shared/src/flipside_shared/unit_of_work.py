"""One transaction: the state change, the inbox row and the outgoing events commit together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from .events import Event, Stream
from .envelope import Envelope, Tombstone
from .outbox import write_outbox


@dataclass
class UnitOfWork:
    """What a handler gets: the open transaction's connection and a way to emit events."""

    conn: asyncpg.Connection
    source: str
    cause: Envelope | None = None
    correlation_id: UUID | None = None
    emitted: list[Envelope | Tombstone] = field(default_factory=list)

    def emit(self, event: Event, correlation_id: UUID | None = None) -> Envelope:
        """Queue `event` for the outbox; `correlation_id` names the chain when no event caused this work."""
        envelope = Envelope.caused_by(self.cause, event, self.source, correlation_id or self.correlation_id)
        self.emitted.append(envelope)
        return envelope

    def tombstone(self, stream: Stream, key: str) -> None:
        """Queue a record with no value under `key` for the outbox: compaction of `stream` then forgets that key."""
        self.emitted.append(Tombstone(stream, key))


@dataclass
class BatchOfWork:
    """Several units of work in one transaction: each keeps its own cause, all commit together."""

    conn: asyncpg.Connection
    source: str
    units: list[UnitOfWork] = field(default_factory=list)

    def unit(self, cause: Envelope | None = None, correlation_id: UUID | None = None) -> UnitOfWork:
        uow = UnitOfWork(conn=self.conn, source=self.source, cause=cause, correlation_id=correlation_id)
        self.units.append(uow)
        return uow


class UnitOfWorkFactory:
    def __init__(self, pool: asyncpg.Pool, source: str, topic_prefix: str) -> None:
        self._pool = pool
        self._source = source
        self._topic_prefix = topic_prefix

    @asynccontextmanager
    async def begin(
        self, cause: Envelope | None = None, correlation_id: UUID | None = None
    ) -> AsyncIterator[UnitOfWork]:
        """Commit state and emitted events together, or neither.

        Work not caused by a consumed event (timers, HTTP commands) passes the
        `correlation_id` of the chain it continues, if any.
        """
        async with self.begin_batch() as batch:
            yield batch.unit(cause, correlation_id)

    @asynccontextmanager
    async def begin_batch(self) -> AsyncIterator[BatchOfWork]:
        """One transaction for many units: their states and events, in the order of the units, or nothing."""
        async with self._pool.acquire() as conn, conn.transaction():
            batch = BatchOfWork(conn=conn, source=self._source)
            yield batch
            await write_outbox(conn, [envelope for uow in batch.units for envelope in uow.emitted], self._topic_prefix)

"""From a Kafka record to a committed effect, exactly once in what anyone can see.

Offsets are committed only after the handler's transaction has committed (the
subscriber acknowledges after `process_batch` returns). The effect, the inbox row and
the outgoing events share that transaction, so a redelivered record finds its
id in the inbox and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Generic, TypeAlias, TypeVar
from uuid import UUID

import structlog
from aiokafka.structs import ConsumerRecord

from .deadletter import DeadLetters
from .envelope import Envelope, PoisonMessage, check_key, decode
from .erasures import brings_back, erased_among, remember_erasure
from .events import EVENT_TYPES, Event, ParticipantErased, Stream
from .inbox import ReusedEventId, first_deliveries, first_delivery
from .metrics import EVENTS, HANDLER_SECONDS
from .retry import Backoff, is_transient
from .unit_of_work import BatchOfWork, EventTooLarge, Repository, UnitOfWork, UnitOfWorkFactory
from .unstorable import UNSTORABLE
from .unstorable import reason as unstorable_reason

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=Event)

Handler: TypeAlias = Callable[[UnitOfWork[Repository], E], Awaitable[None]]
"""What a service does with one event of type E, inside the unit of work that also records it as handled."""

ManyHandler: TypeAlias = Callable[[UnitOfWork[Repository], list[E]], Awaitable[None]]
"""What a service does with several events of type E at once, in their order, inside one unit of work: set-based
work (one query per table for all of them) where one event at a time would cost statements per event."""

HANDLER_ATTEMPTS = 3


class RejectedEvent(Exception):
    """A well-formed event that this service's rules can never accept: dead-lettered with the reason."""


class EventHandlers(Generic[Repository]):
    """The events a service consumes and the handler of each: those of Flipside's services, on their stream's
    topic, and those it takes from systems outside Flipside, on the stream's inbound topic.

    Registering checks the types: a handler of `E` goes only with `handles(E)`.
    """

    def __init__(self) -> None:
        self._by_type: dict[type[Event], Handler[Repository, Any]] = {}
        self._inbound_by_type: dict[type[Event], Handler[Repository, Any]] = {}
        self._many_by_type: dict[type[Event], ManyHandler[Repository, Any]] = {}

    def handles(self, event_type: type[E]) -> Callable[[Handler[Repository, E]], Handler[Repository, E]]:
        return self._registering(self._by_type, event_type)

    def handles_many(self, event_type: type[E]) -> Callable[[ManyHandler[Repository, E]], ManyHandler[Repository, E]]:
        """Register a handler given every event of `event_type` on its stream's own topic that comes in a row in a
        batch, in their order.

        The events it is handed are first deliveries only (the inbox took them in bulk). When the batch fails and
        is handled record by record, it is handed lists of one, each in a transaction of its own. It emits the
        consequences of each event through `uow.caused_by(event)`.
        """

        def register(handler: ManyHandler[Repository, E]) -> ManyHandler[Repository, E]:
            self._many_by_type[event_type] = handler
            self._by_type[event_type] = _one_at_a_time(handler)
            return handler

        return register

    def handles_inbound(self, event_type: type[E]) -> Callable[[Handler[Repository, E]], Handler[Repository, E]]:
        return self._registering(self._inbound_by_type, event_type)

    @staticmethod
    def _registering(
        handlers: dict[type[Event], Handler[Repository, Any]], event_type: type[E]
    ) -> Callable[[Handler[Repository, E]], Handler[Repository, E]]:
        def register(handler: Handler[Repository, E]) -> Handler[Repository, E]:
            handlers[event_type] = handler
            return handler

        return register

    def takes(self, event_type: type[Event], inbound: bool) -> bool:
        """Whether the service handles events of `event_type` on its stream's inbound topic, or its own topic."""
        return event_type in (self._inbound_by_type if inbound else self._by_type)

    def handler_for(self, event: Event, inbound: bool) -> Handler[Repository, Any] | None:
        """The handler of one event (for a handler of many: that handler, given a list of one)."""
        return (self._inbound_by_type if inbound else self._by_type).get(type(event))

    def many_handler_for(self, event: Event, inbound: bool) -> ManyHandler[Repository, Any] | None:
        """The handler of several events of this one's type at once, if the service registered one."""
        return None if inbound else self._many_by_type.get(type(event))

    def subscriptions(self, prefix: str) -> dict[str, list[type[Event]]]:
        """Each topic the service reads, with the event types it handles there."""
        topics: dict[str, list[type[Event]]] = {}
        for event_type in self._by_type:
            topics.setdefault(event_type.stream.topic(prefix), []).append(event_type)
        for event_type in self._inbound_by_type:
            topics.setdefault(event_type.stream.inbound_topic(prefix), []).append(event_type)
        return dict(sorted(topics.items()))

    def streams(self) -> list[Stream]:
        """The streams the service reads, on their own topic, their inbound topic or both."""
        return sorted({t.stream for t in (*self._by_type, *self._inbound_by_type)}, key=lambda s: s.name)


def _one_at_a_time(handler: ManyHandler[Repository, E]) -> Handler[Repository, E]:
    async def handle_one(uow: UnitOfWork[Repository], event: E) -> None:
        await handler(uow, [event])

    return handle_one


@dataclass(frozen=True)
class Routed(Generic[Repository]):
    """A record on its way to its handler: of its event alone, and of a run of such events if it takes many."""

    record: ConsumerRecord
    envelope: Envelope
    handler: Handler[Repository, Any]
    many: ManyHandler[Repository, Any] | None


class EventProcessor(Generic[Repository]):
    def __init__(
        self,
        handlers: EventHandlers[Repository],
        units: UnitOfWorkFactory[Repository],
        dead_letters: DeadLetters,
        topic_prefix: str,
    ) -> None:
        self._handlers = handlers
        self._units = units
        self._dead_letters = dead_letters
        self._topic_prefix = topic_prefix

    async def process_batch(self, records: Sequence[ConsumerRecord]) -> None:
        """Handle records in their order; return only when every effect or dead letter is durable.

        The records' effects share one transaction, each with its own inbox row and its own events: one
        commit per batch instead of one per record is where bulk throughput comes from. If any record
        fails, that transaction is rolled back and the records are handled one by one, each in its own
        transaction with its own retries and dead letter, as if the batch had never been tried.
        """
        work = [item for item in [await self._routed(record) for record in records] if item is not None]
        if len(work) > 1:
            try:
                await self._handle_together(work)
                return
            except Exception as error:
                log.info("batch handled record by record after a failure", reason=f"{type(error).__name__}: {error}")
        for item in work:
            await self._handle(item.record, item.envelope, item.handler)

    async def _routed(self, record: ConsumerRecord) -> Routed[Repository] | None:
        """The record's envelope and handler; None once it is dead-lettered, a tombstone or not this service's."""
        if record.value is None:
            # A tombstone (an erased person's key on a compacted topic) is no event and no poison: committed past.
            EVENTS.labels("tombstone", "ignored").inc()
            return None
        if self._not_taken(record):
            # Another service's event on a shared stream (its own events, often): whoever takes it checks it.
            EVENTS.labels(_header(record, "ce_type"), "ignored").inc()
            return None
        try:
            envelope = decode(record.headers or [], record.value)
            check_key(record.key, envelope)
        except PoisonMessage as error:
            await self._dead_letters.send(record, str(error))
            EVENTS.labels(_header(record, "ce_type"), "dead_lettered").inc()
            return None
        inbound = record.topic == envelope.event.stream.inbound_topic(self._topic_prefix)
        handler = self._handlers.handler_for(envelope.event, inbound)
        if handler is None:
            # Reached only when `_not_taken` could not read the type header (a header of that name without a value came
            # after it, which decoding skips): another service's event, ignored here too.
            EVENTS.labels(envelope.type, "ignored").inc()
            return None
        accepted = envelope.event.accepted_sources(record.topic, self._topic_prefix)
        if envelope.source not in accepted:
            # Whoever may write to a topic could otherwise speak as any service: erase people, send anyone's mail.
            await self._dead_letters.send(record, f"rejected: {_unaccepted_source(record.topic, envelope, accepted)}")
            EVENTS.labels(envelope.type, "dead_lettered").inc()
            return None
        return Routed(record, envelope, handler, self._handlers.many_handler_for(envelope.event, inbound))

    def _not_taken(self, record: ConsumerRecord) -> bool:
        """Whether the record's type (as its header names it) is one the service handles nowhere on its topic: then its
        body is never decoded. A record whose type is unknown or not named goes on to be dead-lettered."""
        event_type = EVENT_TYPES.get(_header(record, "ce_type"))
        if event_type is None:
            return False
        return not self._handlers.takes(event_type, record.topic == event_type.stream.inbound_topic(self._topic_prefix))

    async def _handle_together(self, work: list[Routed[Repository]]) -> None:
        started = time.perf_counter()
        async with self._units.begin_batch() as batch:
            # The whole batch's inbox rows and erasure checks in one statement each, not one per record: an
            # erasure handled in the batch joins `erased`, so a profile after it in the batch is still skipped.
            envelopes = [item.envelope for item in work]
            firsts = iter(await first_deliveries(batch.conn, envelopes))
            erased = await erased_among(batch.conn, [envelope.event for envelope in envelopes])
            outcomes: list[str] = []
            for many, run in groupby(work, key=lambda item: item.many):
                if many is None:
                    for item in run:
                        with _about(item.envelope):
                            unit = batch.unit(cause=item.envelope)
                            outcomes.append(await self._apply(unit, item.envelope, item.handler, next(firsts), erased))
                else:
                    items = list(run)
                    run_firsts = [next(firsts) for _ in items]
                    outcomes += await self._apply_many(
                        batch, [item.envelope for item in items], many, run_firsts, erased
                    )
        elapsed = time.perf_counter() - started
        for item, outcome in zip(work, outcomes, strict=True):
            HANDLER_SECONDS.labels(item.envelope.type).observe(elapsed)
            EVENTS.labels(item.envelope.type, outcome).inc()

    async def _apply_many(
        self,
        batch: BatchOfWork[Repository],
        envelopes: list[Envelope],
        handler: ManyHandler[Repository, Any],
        firsts: list[bool],
        erased: set[UUID],
    ) -> list[str]:
        """The effect of a run of events of one type in the open transaction, in bulk: the outcome of each, given
        which are first deliveries and who is erased so far.

        A run is consecutive in the batch, so no record of another type comes between two of its events: the
        handler sees each key's events in their order, and the records around the run before or after them.
        """
        outcomes = [
            "duplicate" if not first else "erased" if brings_back(envelope.event, erased) else "handled"
            for envelope, first in zip(envelopes, firsts, strict=True)
        ]
        taken = [envelope for envelope, outcome in zip(envelopes, outcomes, strict=True) if outcome == "handled"]
        for envelope in taken:
            if isinstance(envelope.event, ParticipantErased):
                await remember_erasure(batch.conn, envelope.event)
                erased.add(envelope.event.participant_id)
        if taken:
            await handler(batch.unit(causes=taken), [envelope.event for envelope in taken])
        return outcomes

    async def _handle(self, record: ConsumerRecord, envelope: Envelope, handler: Handler[Repository, Any]) -> None:
        with _about(envelope):
            with HANDLER_SECONDS.labels(envelope.type).time():
                outcome = await self._handle_with_retries(record, envelope, handler)
            EVENTS.labels(envelope.type, outcome).inc()

    async def _handle_with_retries(
        self, record: ConsumerRecord, envelope: Envelope, handler: Handler[Repository, Any]
    ) -> str:
        """Handle until done; return the outcome: handled, duplicate, erased or dead_lettered."""
        backoff = Backoff()
        failures = 0
        while True:
            try:
                async with self._units.begin(cause=envelope) as uow:
                    first = await first_delivery(uow.conn, envelope)
                    return await self._apply(
                        uow, envelope, handler, first, await erased_among(uow.conn, [envelope.event])
                    )
            except (RejectedEvent, ReusedEventId, EventTooLarge) as error:
                await self._dead_letters.send(record, f"rejected: {error}")
                return "dead_lettered"
            except UNSTORABLE as error:
                await self._dead_letters.send(record, f"rejected: {unstorable_reason(error)}")
                return "dead_lettered"
            except Exception as error:
                EVENTS.labels(envelope.type, "retried").inc()
                if is_transient(error):
                    # Keep the partition where it is: order matters more than progress.
                    await backoff.sleep(error)
                    continue
                failures += 1
                log.exception("handler failed", attempt=failures)
                if failures >= HANDLER_ATTEMPTS:
                    await self._dead_letters.send(record, f"handler error: {type(error).__name__}: {error}")
                    return "dead_lettered"
                await backoff.sleep(error)

    async def _apply(
        self,
        uow: UnitOfWork[Repository],
        envelope: Envelope,
        handler: Handler[Repository, Any],
        first: bool,
        erased: set[UUID],
    ) -> str:
        """The event's effect in the open transaction, unless it is no `first` delivery (its id was in the inbox
        already) or a profile of someone in `erased`; an erasure handled joins `erased`."""
        if not first:
            log.info("duplicate event ignored")
            return "duplicate"
        if brings_back(envelope.event, erased):
            log.info("profile of an erased participant ignored")
            return "erased"
        if isinstance(envelope.event, ParticipantErased):
            await remember_erasure(uow.conn, envelope.event)
            erased.add(envelope.event.participant_id)
        await handler(uow, envelope.event)
        return "handled"


@contextmanager
def _about(envelope: Envelope) -> Iterator[None]:
    """Log lines written while handling the event name it."""
    structlog.contextvars.bind_contextvars(
        event_id=str(envelope.id), event_type=envelope.type, correlation_id=str(envelope.correlation_id)
    )
    try:
        yield
    finally:
        structlog.contextvars.unbind_contextvars("event_id", "event_type", "correlation_id")


def _unaccepted_source(topic: str, envelope: Envelope, accepted: tuple[str, ...]) -> str:
    allowed = ", ".join(accepted) if accepted else "no source"
    return f"{envelope.type} from source {envelope.source!r} is not accepted on {topic} (accepted there: {allowed})"


def _header(record: ConsumerRecord, name: str) -> str:
    """A header for a metric label: bounded, so a flood of junk cannot explode the label space."""
    value = dict(record.headers or ()).get(name, b"")
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else ""
    return text if text in EVENT_TYPES else "unknown"

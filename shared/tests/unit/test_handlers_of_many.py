"""A handler of many events at once: what it is handed from a batch, and from the record-by-record fallback.

The database is a fake that keeps the inbox and the erasures; transactions on the real database and records on the
real broker are in tests/integration/test_handlers_of_many.py.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from aiokafka.structs import ConsumerRecord

from flipside_devstack.dead_letters import RecordedDeadLetters
from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import envelope
from flipside_shared.consumer import EventHandlers, EventProcessor, RejectedEvent
from flipside_shared.envelope import Envelope
from flipside_shared.events import ParticipantEnrolled, ParticipantUpdated, ParticipantWithdrawn
from flipside_shared.unit_of_work import BatchOfWork, UnitOfWork


class FakeConnection:
    """The inbox and erasures tables, as the consumer's statements read and write them."""

    def __init__(self) -> None:
        self.inbox: dict = {}
        self.erased: set = set()

    async def fetch(self, query: str, *args):
        if query.startswith("INSERT INTO inbox"):
            ids, _, digests = args
            inserted = []
            for event_id, digest in zip(ids, digests, strict=True):
                if event_id not in self.inbox:
                    self.inbox[event_id] = digest
                    inserted.append({"event_id": event_id})
            return inserted
        if query.startswith("SELECT event_id, digest FROM inbox"):
            return [{"event_id": i, "digest": self.inbox[i]} for i in args[0] if i in self.inbox]
        if query.startswith("SELECT participant_id FROM erasures"):
            return [{"participant_id": i} for i in args[0] if i in self.erased]
        raise AssertionError(f"unexpected statement: {query}")

    async def execute(self, query: str, *args) -> str:
        assert query.startswith("INSERT INTO inbox"), query
        inserted = await self.fetch(query, [args[0]], [args[1]], [args[2]])
        return f"INSERT 0 {len(inserted)}"

    async def fetchval(self, query: str, *args):
        if query.startswith("SELECT digest FROM inbox"):
            return self.inbox.get(args[0])
        if "FROM erasures" in query:
            return args[0] in self.erased
        raise AssertionError(f"unexpected statement: {query}")


class FakeUnits:
    """Transactions on the fake connection: a failed one leaves the inbox as it was and commits no event."""

    def __init__(self) -> None:
        self.conn = FakeConnection()
        self.transactions = 0
        self.committed: list[Envelope] = []

    @asynccontextmanager
    async def begin_batch(self) -> AsyncIterator[BatchOfWork[None]]:
        before = copy.copy(self.conn.inbox)
        batch = BatchOfWork(conn=self.conn, source="/flipside/matching", repository=None)  # type: ignore[arg-type]
        try:
            yield batch
        except BaseException:
            self.conn.inbox = before
            raise
        self.transactions += 1
        self.committed += [e for uow in batch.units for e in uow.emitted if isinstance(e, Envelope)]

    @asynccontextmanager
    async def begin(self, cause: Envelope | None = None) -> AsyncIterator[UnitOfWork[None]]:
        async with self.begin_batch() as batch:
            yield batch.unit(cause)


def as_record(sent: Envelope, offset: int) -> ConsumerRecord:
    return ConsumerRecord(
        topic="t.participants",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=sent.subject.encode(),
        value=sent.body(),
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=0,
        headers=sent.headers(),
    )


def records(*envelopes: Envelope) -> list[ConsumerRecord]:
    return [as_record(sent, offset) for offset, sent in enumerate(envelopes)]


def recording_handlers(calls: list) -> EventHandlers[None]:
    """Enrolments taken many at once, echoed as updates; withdrawals one at a time."""
    handlers = EventHandlers[None]()

    @handlers.handles_many(ParticipantEnrolled)
    async def enrolments(uow, events):
        calls.append(("enrolled", [event.participant_id for event in events]))
        for event in events:
            if event.profile.interests == ["poison"]:
                raise RejectedEvent("a poisoned profile")
            uow.caused_by(event).emit(ParticipantUpdated(participant_id=event.participant_id, profile=event.profile))

    @handlers.handles(ParticipantWithdrawn)
    async def withdrawal(uow, event):
        calls.append(("withdrawn", [event.participant_id]))

    return handlers


def processor(handlers: EventHandlers[None], units: FakeUnits, dead_letters: RecordedDeadLetters) -> EventProcessor:
    return EventProcessor(handlers, units, dead_letters, "t.")  # type: ignore[arg-type]


async def test_a_run_of_events_of_one_type_reaches_its_handler_as_one_list_in_order_in_one_transaction():
    calls: list = []
    units, dead_letters = FakeUnits(), RecordedDeadLetters()
    people = [enrolled() for _ in range(3)]
    sent = [envelope(p) for p in people]
    await processor(recording_handlers(calls), units, dead_letters).process_batch(records(*sent))

    assert calls == [("enrolled", [p.participant_id for p in people])]
    assert units.transactions == 1
    assert [e.event.participant_id for e in units.committed] == [p.participant_id for p in people]
    assert [e.causation_id for e in units.committed] == [s.id for s in sent], "each update names its own cause"
    assert [e.correlation_id for e in units.committed] == [s.correlation_id for s in sent]
    assert dead_letters.sent == []


async def test_another_type_between_two_runs_keeps_each_keys_order():
    calls: list = []
    units = FakeUnits()
    first, second = enrolled(), enrolled()
    withdrawn = ParticipantWithdrawn(
        participant_id=first.participant_id, program_id=first.profile.program_id, withdrawn_at=datetime.now(UTC)
    )
    again = enrolled(participant_id=first.participant_id)
    batch = records(envelope(first), envelope(second), envelope(withdrawn), envelope(again))
    await processor(recording_handlers(calls), units, RecordedDeadLetters()).process_batch(batch)

    assert calls == [
        ("enrolled", [first.participant_id, second.participant_id]),
        ("withdrawn", [first.participant_id]),
        ("enrolled", [first.participant_id]),
    ]


async def test_duplicates_in_a_batch_and_events_handled_before_are_not_handed_again():
    calls: list = []
    units = FakeUnits()
    old, new = envelope(enrolled()), envelope(enrolled())
    units.conn.inbox[old.id] = None  # handled before digests were kept
    await processor(recording_handlers(calls), units, RecordedDeadLetters()).process_batch(records(old, new, new))

    assert calls == [("enrolled", [new.event.participant_id])]
    assert len(units.committed) == 1


async def test_profiles_of_erased_people_are_not_handed_to_the_handler():
    calls: list = []
    units = FakeUnits()
    erased, kept = enrolled(), enrolled()
    units.conn.erased.add(erased.participant_id)
    await processor(recording_handlers(calls), units, RecordedDeadLetters()).process_batch(
        records(envelope(erased), envelope(kept))
    )

    assert calls == [("enrolled", [kept.participant_id])]
    assert len(units.conn.inbox) == 2, "the skipped one is handled too: never handed again"


async def test_a_poison_record_is_dead_lettered_and_the_rest_commit_each_through_a_list_of_one():
    calls: list = []
    units, dead_letters = FakeUnits(), RecordedDeadLetters()
    before, poison, after = enrolled(), enrolled(interests=["poison"]), enrolled()
    await processor(recording_handlers(calls), units, dead_letters).process_batch(
        records(envelope(before), envelope(poison), envelope(after))
    )

    assert calls[0] == ("enrolled", [before.participant_id, poison.participant_id, after.participant_id])
    assert calls[1:] == [("enrolled", [p.participant_id]) for p in (before, poison, after)]
    ((record, reason),) = dead_letters.sent
    assert (record.offset, reason) == (1, "rejected: a poisoned profile")
    assert [e.event.participant_id for e in units.committed] == [before.participant_id, after.participant_id]


async def test_an_id_reused_for_other_content_in_one_batch_is_dead_lettered_and_the_first_kept():
    calls: list = []
    units, dead_letters = FakeUnits(), RecordedDeadLetters()
    first = envelope(enrolled())
    reused = replace(first, event=enrolled())
    await processor(recording_handlers(calls), units, dead_letters).process_batch(records(first, reused))

    ((record, reason),) = dead_letters.sent
    assert record.offset == 1
    assert reason.startswith("rejected: event id") and "different content" in reason
    assert [e.event.participant_id for e in units.committed] == [first.event.participant_id]


def test_a_handler_of_many_is_what_a_single_event_reaches_too_as_a_list_of_one():
    handlers = recording_handlers([])
    event = enrolled()
    assert handlers.handler_for(event, inbound=False) is not None
    assert handlers.many_handler_for(event, inbound=False) is not None
    assert handlers.many_handler_for(event, inbound=True) is None
    assert handlers.subscriptions("t.") == {"t.participants": [ParticipantEnrolled, ParticipantWithdrawn]}


def test_a_unit_refuses_to_emit_as_caused_by_an_event_it_was_not_handed():
    batch = BatchOfWork(conn=None, source="/flipside/matching", repository=None)  # type: ignore[arg-type]
    handed = envelope(enrolled())
    uow = batch.unit(causes=[handed])
    assert uow.caused_by(handed.event).cause is handed
    with pytest.raises(ValueError, match="not one of the events"):
        uow.caused_by(enrolled(participant_id=uuid4()))

"""A service reads whole streams, other services' events among its own: those of a type it handles nowhere on the
topic are passed over by their type header, their bodies never decoded (nor dead-lettered for what they hold)."""

from datetime import UTC, datetime
from uuid import uuid4

from aiokafka.structs import ConsumerRecord

from flipside_devstack.dead_letters import RecordedDeadLetters
from flipside_shared.consumer import EventHandlers, EventProcessor
from flipside_shared.envelope import Envelope
from flipside_shared.events import ParticipantErased, ParticipantWithdrawn
from flipside_shared.events.sources import HR, MATCHING

PREFIX = "f."


def record_of(envelope: Envelope, topic: str, body: bytes | None = None) -> ConsumerRecord:
    value = envelope.body() if body is None else body
    return ConsumerRecord(topic, 0, 0, 0, 0, envelope.subject.encode(), value, None, 0, 0, envelope.headers())


def erasure(source: str = MATCHING) -> Envelope:
    return Envelope.caused_by(None, ParticipantErased(participant_id=uuid4(), erased_at=datetime.now(UTC)), source)


def withdrawal() -> Envelope:
    event = ParticipantWithdrawn(participant_id=uuid4(), program_id="p", withdrawn_at=datetime.now(UTC))
    return Envelope.caused_by(None, event, MATCHING)


def processor_taking_erasures(handled: list, dead_letters: RecordedDeadLetters) -> EventProcessor:
    handlers = EventHandlers()

    @handlers.handles(ParticipantErased)
    async def erased(uow, event):
        handled.append(event)

    return EventProcessor(handlers, units=None, dead_letters=dead_letters, topic_prefix=PREFIX)


async def test_a_record_of_a_type_the_service_does_not_handle_is_passed_over_whatever_its_body_holds():
    handled, dead_letters = [], RecordedDeadLetters()
    processor = processor_taking_erasures(handled, dead_letters)
    await processor.process_batch(
        [
            record_of(withdrawal(), "f.participants", body=b"{not json"),
            record_of(withdrawal(), "f.participants", body=b'{"participant_id": "not an id"}'),
        ]
    )
    assert handled == [] and dead_letters.reasons == []


async def test_a_type_handled_on_the_stream_s_own_topic_is_passed_over_on_its_inbound_topic_if_not_handled_there():
    handled, dead_letters = [], RecordedDeadLetters()
    processor = processor_taking_erasures(handled, dead_letters)
    await processor.process_batch([record_of(erasure(HR), "f.inbound.participants", body=b"{not json")])
    assert handled == [] and dead_letters.reasons == []


async def test_a_record_of_a_type_the_service_handles_is_still_decoded_and_dead_lettered_when_it_cannot_be():
    handled, dead_letters = [], RecordedDeadLetters()
    processor = processor_taking_erasures(handled, dead_letters)
    await processor.process_batch([record_of(erasure(), "f.participants", body=b"{not json")])
    assert handled == []
    assert len(dead_letters.reasons) == 1 and dead_letters.reasons[0].startswith("body is not JSON")


async def test_a_record_of_an_unknown_type_is_still_dead_lettered():
    handled, dead_letters = [], RecordedDeadLetters()
    processor = processor_taking_erasures(handled, dead_letters)
    envelope = erasure()
    headers = [
        (name, b"flipside.participant.vanished.v1" if name == "ce_type" else value)
        for name, value in envelope.headers()
    ]
    record = ConsumerRecord(
        "f.participants", 0, 0, 0, 0, envelope.subject.encode(), envelope.body(), None, 0, 0, headers
    )
    await processor.process_batch([record])
    assert dead_letters.reasons == ["unknown event type or version 'flipside.participant.vanished.v1'"]

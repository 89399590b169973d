"""An event is taken only from the sources its class declares, and only on its own topics (before any handler runs)."""

from datetime import UTC, datetime
from uuid import uuid4

from aiokafka.structs import ConsumerRecord

from flipside_devstack.dead_letters import RecordedDeadLetters
from flipside_shared.consumer import EventHandlers, EventProcessor
from flipside_shared.envelope import Envelope
from flipside_shared.events import ParticipantErased
from flipside_shared.events.sources import HR, MATCHING, NOTIFICATIONS

PREFIX = "f."


def erasure_record(source: str, topic: str) -> ConsumerRecord:
    envelope = Envelope.caused_by(None, ParticipantErased(participant_id=uuid4(), erased_at=datetime.now(UTC)), source)
    return ConsumerRecord(
        topic,
        0,
        0,
        0,
        0,
        envelope.subject.encode(),
        envelope.body(),
        None,
        0,
        0,
        envelope.headers(),
    )


def test_an_event_is_accepted_from_its_services_on_its_topic_and_from_outside_systems_on_the_inbound_topic_only():
    assert ParticipantErased.accepted_sources("f.participants", PREFIX) == (MATCHING,)
    assert HR in ParticipantErased.accepted_sources("f.inbound.participants", PREFIX)
    assert ParticipantErased.accepted_sources("f.feedback", PREFIX) == ()


async def test_a_record_from_a_source_not_accepted_on_its_topic_is_dead_lettered_naming_source_type_and_topic():
    handled = []
    handlers = EventHandlers()
    handlers.handles(ParticipantErased)(lambda uow, event: handled.append(event))
    dead_letters = RecordedDeadLetters()
    processor = EventProcessor(handlers, units=None, dead_letters=dead_letters, topic_prefix=PREFIX)
    await processor.process_batch(
        [
            erasure_record(NOTIFICATIONS, "f.participants"),
            erasure_record(HR, "f.participants"),  # an HR system's source, but not on its inbound topic
            erasure_record(MATCHING, "f.feedback"),  # matching's source, on a topic that never carries erasures
        ]
    )
    assert handled == []
    assert dead_letters.reasons == [
        "rejected: flipside.participant.erased.v1 from source '/flipside/notifications' is not accepted on f.participants "
        "(accepted there: /flipside/matching)",
        "rejected: flipside.participant.erased.v1 from source 'urn:flipside:inbound:hr' is not accepted on f.participants "
        "(accepted there: /flipside/matching)",
        "rejected: flipside.participant.erased.v1 from source '/flipside/matching' is not accepted on f.feedback "
        "(accepted there: no source)",
    ]

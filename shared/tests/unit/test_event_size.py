"""An event too big for its topic is refused when it is emitted, before it reaches the outbox."""

import pytest
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from flipside_devstack.factories import enrolled
from flipside_shared.envelope import Envelope
from flipside_shared.events import ParticipantEnrolled
from flipside_shared.text import FEW_ITEMS, NAME_CHARS
from flipside_shared.unit_of_work import EventTooLarge, UnitOfWork, record_bytes


def biggest_enrolment() -> ParticipantEnrolled:
    """Every list of the profile full of the longest names, each character four bytes of UTF-8."""
    name = "\U0001f600" * NAME_CHARS
    return enrolled(
        display_name=name,
        department=name,
        languages=[name] * FEW_ITEMS,
        interests=[name] * FEW_ITEMS,
        skills=[{"name": name}] * FEW_ITEMS,
        goals=[{"name": name}] * FEW_ITEMS,
    )


def test_the_record_size_covers_what_kafka_counts_for_a_batch_of_one():
    envelope = Envelope(event=biggest_enrolment(), source="/flipside/test")
    kafka_counts = DefaultRecordBatchBuilder.estimate_size_in_bytes(
        envelope.subject.encode(),
        envelope.body(),
        envelope.headers(),
    )
    assert kafka_counts <= record_bytes(envelope) <= kafka_counts + 512


def test_an_event_over_the_limit_is_refused_and_nothing_is_queued():
    event = biggest_enrolment()
    size = record_bytes(Envelope(event=event, source="/flipside/test"))
    fits = UnitOfWork(conn=None, source="/flipside/test", repository=None, max_record_bytes=size + 100)
    fits.emit(event)
    too_small = UnitOfWork(conn=None, source="/flipside/test", repository=None, max_record_bytes=size - 100)
    with pytest.raises(
        EventTooLarge, match=r"flipside.participant.enrolled.v1 would be a Kafka record of \d+ bytes, over the \d+"
    ):
        too_small.emit(event)
    assert len(fits.emitted) == 1 and too_small.emitted == []


def test_the_biggest_profile_people_can_send_fits_the_default_limit():
    """The text bounds keep a whole profile far under Kafka's default 1 MiB."""
    UnitOfWork(conn=None, source="/flipside/test", repository=None).emit(biggest_enrolment())

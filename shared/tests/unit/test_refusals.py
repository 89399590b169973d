"""Which publishing failures park an outbox row (refused for good) and which retry the round."""

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    LeaderNotAvailableError,
    MessageSizeTooLargeError,
    NotEnoughReplicasError,
    NotLeaderForPartitionError,
    OutOfOrderSequenceNumber,
    RecordTooLargeError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
    UnknownError,
    UnknownTopicOrPartitionError,
)

from flipside_shared.retry import is_refusal


@pytest.mark.parametrize(
    "error",
    [
        MessageSizeTooLargeError("The message is 2097324 bytes when serialized"),
        MessageSizeTooLargeError(),  # the broker's answer for a topic's own limit
        RecordTooLargeError(),
        TopicAuthorizationFailedError("flipside.pairs"),
        UnknownTopicOrPartitionError(),
    ],
)
def test_a_refusal_of_the_record_or_its_topic_parks_it(error):
    assert is_refusal(error)


@pytest.mark.parametrize(
    "error",
    [
        KafkaConnectionError("Unable to bootstrap"),
        KafkaTimeoutError(),
        RequestTimedOutError(),
        NotLeaderForPartitionError(),
        LeaderNotAvailableError(),
        NotEnoughReplicasError(),
        OutOfOrderSequenceNumber(),
        UnknownError(),
        ConnectionResetError(),
    ],
)
def test_broker_trouble_and_unknown_errors_retry_the_round(error):
    assert not is_refusal(error)

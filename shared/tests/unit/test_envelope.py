import contextlib
import json
import re
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flipside_devstack.factories import enrolled, pair_created
from flipside_shared.envelope import Envelope, PoisonMessage, decode
from flipside_shared.events import EVENT_TYPES, ParticipantEnrolled


def test_round_trip_keeps_event_and_chain():
    first = Envelope.caused_by(None, enrolled(), "/tests")
    second = Envelope.caused_by(first, pair_created(), "/flipside/matching")
    decoded = decode(second.headers(), second.body())
    assert decoded.event == second.event
    assert decoded.id == second.id
    assert decoded.correlation_id == first.id and decoded.causation_id == first.id
    headers = dict(second.headers())
    assert headers["ce_type"] == b"flipside.pair.created.v1"
    assert headers["ce_subject"] == str(second.event.pair_id).encode()
    assert headers["content-type"] == b"application/json"
    UUID(headers["ce_id"].decode())


def test_every_event_type_is_versioned():
    assert all(re.fullmatch(r"flipside\.[a-z-]+\.[a-z-]+\.v[1-9][0-9]*", ce_type) for ce_type in EVENT_TYPES)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, b: ([x for x in h if x[0] != "ce_type"], b), "missing CloudEvents headers: ce_type"),
        (lambda h, b: (h, b"{not json"), "body is not JSON"),
        (lambda h, b: (h, b + b"}"), "body is not JSON: trailing characters"),
        (lambda h, b: (h, b"\xff" + b), "body is not JSON"),
        (lambda h, b: (h, None), "empty message body"),
        (
            lambda h, b: (_replace(h, "ce_type", b"flipside.participant.enrolled.v9"), b),
            "unknown event type or version",
        ),
        (lambda h, b: (_replace(h, "ce_specversion", b"0.3"), b), "unsupported CloudEvents specversion"),
        (lambda h, b: (_replace(h, "ce_id", b"not-a-uuid"), b), "malformed CloudEvents attribute"),
        (
            lambda h, b: (h, json.dumps({**json.loads(b), "surprise": 1}).encode()),
            "surprise: Extra inputs are not permitted",
        ),
        (lambda h, b: (h, json.dumps({**json.loads(b), "participant_id": 5}).encode()), "participant_id"),
    ],
)
def test_poison_messages_say_why(mutate, reason):
    original = Envelope.caused_by(None, enrolled(), "/tests")
    headers, body = mutate(original.headers(), original.body())
    with pytest.raises(PoisonMessage, match=reason):
        decode(headers, body)


def test_unknown_fields_are_rejected_and_never_emitted():
    event = enrolled()
    assert set(json.loads(event.model_dump_json())) == {"participant_id", "profile", "agreement_version"}
    with pytest.raises(ValueError):
        ParticipantEnrolled.model_validate({**event.model_dump(), "age": 23})


def test_time_zone_must_be_iana():
    with pytest.raises(ValueError, match="unknown IANA time zone"):
        enrolled(time_zone="Mars/Olympus")


@given(st.binary(max_size=300), st.lists(st.tuples(st.text(max_size=20), st.binary(max_size=40)), max_size=6))
def test_arbitrary_bytes_are_poison_or_valid_never_a_crash(body, headers):
    with contextlib.suppress(PoisonMessage):
        decode(headers, body)


def _replace(headers, name, value):
    return [(n, value if n == name else v) for n, v in headers]


def test_working_hours_with_a_utc_offset_are_poison_naming_the_field_not_a_crash():
    original = Envelope.caused_by(None, enrolled(), "/tests")
    fields = json.loads(original.body())
    fields["profile"]["working_hours"][0]["start"] = "09:00+05:00"  # beside an end without one: once a TypeError
    with pytest.raises(PoisonMessage, match=r"working_hours\.0\.start: .*no UTC offset"):
        decode(original.headers(), json.dumps(fields).encode())

"""Malformed Kafka records for Flipside's consumers, as hypothesis strategies.

Each record starts from a valid event and breaks one thing about it (the body,
a field, a CloudEvents header, the key), and says which reason its dead letter
must give. Every record carries a `fuzz-case` header of its own, so a test can
find it again wherever it lands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from hypothesis import strategies as st

from flipside_shared.envelope import REQUIRED_HEADERS, Envelope, PoisonMessage, decode
from flipside_shared.events import EVENT_TYPES

CASE_HEADER = "fuzz-case"

Headers = tuple[tuple[str, bytes | None], ...]


@dataclass(frozen=True)
class KafkaRecord:
    """One record as a producer sends it, whatever it holds."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers

    @property
    def case(self) -> str:
        return (dict(self.headers)[CASE_HEADER] or b"").decode()


@dataclass(frozen=True)
class MalformedRecord:
    kind: str
    record: KafkaRecord
    reason: str
    """A regular expression the dead letter's `dlq_reason` must match."""
    event_type: str | None = None
    """Set when only consumers that handle this event type can tell it is wrong (a reused event id, a foreign source)."""


def good_record(topic: str, envelope: Envelope) -> KafkaRecord:
    """A well-formed record of `envelope`, tagged like the malformed ones so a test can tell it never dead-letters."""
    headers = (*envelope.headers(), (CASE_HEADER, str(uuid4()).encode()))
    return KafkaRecord(topic, envelope.subject.encode(), envelope.body(), headers)


def _tagged(headers: Sequence[tuple[str, bytes | None]]) -> Headers:
    return (*headers, (CASE_HEADER, str(uuid4()).encode()))


def _without(headers: Sequence[tuple[str, bytes | None]], name: str) -> list[tuple[str, bytes | None]]:
    return [(n, v) for n, v in headers if n != name]


def _replaced(
    headers: Sequence[tuple[str, bytes | None]], name: str, value: bytes | None
) -> list[tuple[str, bytes | None]]:
    return [*_without(headers, name), (name, value)]


def _refused(headers: Sequence[tuple[str, bytes]], value: bytes | None) -> str | None:
    """Why the shared envelope decoding refuses this record, or None if it accepts it."""
    try:
        decode(list(headers), value)
    except PoisonMessage as error:
        return str(error)
    return None


def not_json(text: bytes) -> bool:
    try:
        json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return True
    return False


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _not_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return True
    return False


def _not_aware_time(text: str) -> bool:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is None
    except ValueError:
        return True


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=2),
)
HEADER_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40)


def malformed_records(
    topic: str, template: Envelope, keys: Sequence[bytes]
) -> dict[str, st.SearchStrategy[MalformedRecord]]:
    """By kind, records that break `template` (a valid event on `topic`) in one way each, keyed like the good records (`keys`)."""
    headers = template.headers()
    body = template.body()
    fields = json.loads(body)
    model = type(template.event)
    required = sorted(name for name, info in model.model_fields.items() if info.is_required())
    key = st.sampled_from(list(keys))

    def poison(
        kind: str, reason: str, value_and_headers: st.SearchStrategy[tuple[bytes | None, list]]
    ) -> tuple[str, st.SearchStrategy]:
        """Cases the shared decoding must refuse, for the reason given (checked here, so no case is valid by chance)."""
        candidates = st.tuples(key, value_and_headers).filter(
            lambda drawn: re.search(reason, _refused(drawn[1][1], drawn[1][0]) or "(accepted)") is not None
        )
        return kind, candidates.map(
            lambda drawn: MalformedRecord(kind, KafkaRecord(topic, drawn[0], drawn[1][0], _tagged(drawn[1][1])), reason)
        )

    def with_body(values: st.SearchStrategy[bytes]) -> st.SearchStrategy:
        return values.map(lambda value: (value, headers))

    def with_fields(change: Callable[..., dict[str, Any]]) -> Callable[..., tuple[bytes, list]]:
        return lambda *drawn: (json.dumps(change(*drawn)).encode(), headers)

    def header_set(name: str, values: st.SearchStrategy[bytes]) -> st.SearchStrategy:
        return values.map(lambda value: (body, _replaced(headers, name, value)))

    schema = rf"{re.escape(template.type)} schema violation"
    unknown_type = r"unknown event type or version"
    malformed_attribute = r"malformed CloudEvents attribute"
    wrong_key = st.one_of(st.none(), st.uuids().map(lambda other: str(other).encode())).map(
        lambda other: MalformedRecord(
            "key_not_subject",
            KafkaRecord(topic, other, body, _tagged(_replaced(headers, "ce_id", str(uuid4()).encode()))),
            r"key .* is not the event's subject",
        )
    )
    declared = {*model.sources, *model.inbound_sources}
    foreign_source = HEADER_TEXT.filter(lambda text: text not in declared).map(
        lambda source: MalformedRecord(
            "foreign_source",
            KafkaRecord(
                topic,
                template.subject.encode(),
                body,
                _tagged(
                    _replaced(
                        _replaced(headers, "ce_source", source.encode()),
                        "ce_id",
                        str(uuid4()).encode(),
                    )
                ),
            ),
            rf"(?s)rejected: {re.escape(template.type)} from source .* is not accepted on {re.escape(topic)}",
            event_type=template.type,
        )
    )
    return dict(
        [
            poison("not_json", r"body is not JSON", with_body(st.text(max_size=200).map(str.encode).filter(not_json))),
            poison("not_utf8", r"body is not JSON", with_body(st.binary(min_size=1, max_size=200).filter(_not_utf8))),
            poison(
                "not_an_object",
                schema,
                with_body(
                    st.one_of(st.integers(), st.lists(st.integers()), st.text()).map(
                        lambda value: json.dumps(value).encode()
                    )
                ),
            ),
            poison(
                "wrong_type",
                schema,
                st.tuples(st.sampled_from(sorted(fields)), JSON_VALUES).map(
                    lambda drawn: with_fields(lambda name, value: {**fields, name: value})(*drawn)
                ),
            ),
            poison(
                "missing_field",
                schema,
                st.sampled_from(required).map(with_fields(lambda name: {k: v for k, v in fields.items() if k != name})),
            ),
            poison(
                "unknown_field",
                schema,
                st.tuples(st.text(min_size=1, max_size=20).filter(lambda n: n not in fields), JSON_VALUES).map(
                    lambda drawn: with_fields(lambda name, value: {**fields, name: value})(*drawn)
                ),
            ),
            poison(
                "missing_header",
                r"missing CloudEvents headers: ce_\w+",
                st.sampled_from(REQUIRED_HEADERS).map(lambda name: (body, _without(headers, name))),
            ),
            poison(
                "empty_header",
                r"missing CloudEvents headers: ce_\w+",
                st.sampled_from(REQUIRED_HEADERS).map(lambda name: (body, _replaced(headers, name, b""))),
            ),
            poison(
                "null_header",
                r"missing CloudEvents headers: ce_\w+",
                st.sampled_from(REQUIRED_HEADERS).map(lambda name: (body, _replaced(headers, name, None))),
            ),
            poison(
                "wrong_specversion",
                r"unsupported CloudEvents specversion",
                header_set("ce_specversion", HEADER_TEXT.filter(lambda text: text != "1.0").map(str.encode)),
            ),
            poison(
                "wrong_content_type",
                r"unsupported content-type",
                header_set(
                    "content-type",
                    st.one_of(
                        st.sampled_from(
                            [b"text/plain", b"application/xml", b"application/cloudevents+json", b"application/avro"]
                        ),
                        HEADER_TEXT.map(str.encode),
                    ),
                ),
            ),
            poison(
                "unknown_type",
                unknown_type,
                header_set("ce_type", HEADER_TEXT.filter(lambda t: t not in EVENT_TYPES).map(str.encode)),
            ),
            poison(
                "unknown_version",
                unknown_type,
                header_set(
                    "ce_type",
                    st.integers(2, 99).map(lambda version: re.sub(r"v\d+$", f"v{version}", template.type).encode()),
                ),
            ),
            poison(
                "header_not_utf8",
                unknown_type,
                header_set("ce_type", st.binary(min_size=1, max_size=40).filter(_not_utf8)),
            ),
            poison(
                "bad_event_id", malformed_attribute, header_set("ce_id", HEADER_TEXT.filter(_not_uuid).map(str.encode))
            ),
            poison(
                "bad_time",
                malformed_attribute,
                header_set("ce_time", HEADER_TEXT.filter(_not_aware_time).map(str.encode)),
            ),
            poison(
                "no_body", r"empty message body", st.just((b"", headers))
            ),  # no value at all is a tombstone, skipped
            ("key_not_subject", wrong_key),
            ("foreign_source", foreign_source),
        ]
    )


def huge_record(topic: str, template: Envelope, key: bytes, size: int) -> MalformedRecord:
    """A record of about `size` bytes: the template's body with one big field too many."""
    fields = json.loads(template.body())
    padding = size - len(template.body()) - 64
    body = json.dumps({**fields, "padding": "x" * padding}).encode()
    reason = rf"{re.escape(template.type)} schema violation: padding"
    return MalformedRecord("huge", KafkaRecord(topic, key, body, _tagged(template.headers())), reason)


def nul_text(topic: str, envelope: Envelope, field: str) -> MalformedRecord:
    """An event whose `field` holds a NUL character, which its schema refuses (no PostgreSQL text column takes it)."""
    record = KafkaRecord(topic, envelope.subject.encode(), envelope.body(), _tagged(envelope.headers()))
    return MalformedRecord("nul_text", record, rf"schema violation: {re.escape(field)}: .*control character U\+0000")


def reused_id(topic: str, original: Envelope, changed: Envelope) -> MalformedRecord:
    """`changed` published under the id of `original`, which is handled first: the same id with other content."""
    headers = _replaced(changed.headers(), "ce_id", str(original.id).encode())
    return MalformedRecord(
        "reused_id",
        KafkaRecord(topic, changed.subject.encode(), changed.body(), _tagged(headers)),
        r"already handled with different content",
        event_type=original.type,
    )

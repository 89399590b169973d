"""CloudEvents 1.0 Kafka protocol binding, binary mode.

The event body is the Kafka value (JSON); its attributes travel as `ce_*`
headers. `correlationid` follows a whole chain (enrolment -> pair -> session ->
check-in -> feedback -> notification); `causationid` names the event that
directly caused this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from .events import Event, Stream, event_class
from .events.registry import UnknownEventType
from .events.sources import INBOUND

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type")
CORRELATION_HEADER = "ce_correlationid"

Headers = list[tuple[str, bytes]]


class PoisonMessage(ValueError):
    """A message that can never be handled as it is: it goes to the dead-letter topic."""


@dataclass(frozen=True)
class Envelope:
    event: Event
    source: str
    id: UUID = field(default_factory=uuid4)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: UUID | None = None
    causation_id: UUID | None = None

    @property
    def type(self) -> str:
        return self.event.ce_type

    @property
    def subject(self) -> str:
        return self.event.key()

    @classmethod
    def caused_by(
        cls, cause: Envelope | None, event: Event, source: str, correlation_id: UUID | None = None
    ) -> Envelope:
        """A new envelope in the same chain as `cause`, or in chain `correlation_id`, or starting a chain."""
        event_id = uuid4()
        if cause is None:
            return cls(event=event, source=source, id=event_id, correlation_id=correlation_id or event_id)
        return cls(
            event=event,
            source=source,
            id=event_id,
            correlation_id=cause.correlation_id or cause.id,
            causation_id=cause.id,
        )

    def topic(self, prefix: str) -> str:
        """Its stream's topic; for an event from a system outside Flipside, that stream's inbound topic."""
        stream = self.event.stream
        return stream.inbound_topic(prefix) if self.source.startswith(INBOUND) else stream.topic(prefix)

    def headers(self) -> Headers:
        return list(self._headers)

    def body(self) -> bytes:
        return self._body

    # An envelope and its event are frozen, so its record is encoded once however often it is used: an event emitted
    # is sized against its topic's limit, then written to the outbox, and an event consumed is hashed for the inbox.
    @cached_property
    def _headers(self) -> tuple[tuple[str, bytes], ...]:
        attributes = {
            "ce_specversion": SPEC_VERSION,
            "ce_id": str(self.id),
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "content-type": CONTENT_TYPE,
        }
        if self.correlation_id:
            attributes[CORRELATION_HEADER] = str(self.correlation_id)
        if self.causation_id:
            attributes["ce_causationid"] = str(self.causation_id)
        return tuple((name, value.encode()) for name, value in attributes.items())

    @cached_property
    def _body(self) -> bytes:
        return self.event.model_dump_json().encode()

    def structured(self) -> dict[str, Any]:
        """The CloudEvents structured-mode JSON form, for subscribers over HTTP (webhooks)."""
        attributes = {
            name.removeprefix("ce_"): value.decode() for name, value in self.headers() if name.startswith("ce_")
        }
        return {**attributes, "datacontenttype": CONTENT_TYPE, "data": self.event.model_dump(mode="json")}


@dataclass(frozen=True)
class Tombstone:
    """A record with no value under `subject` on a compacted stream: compaction then removes every earlier record of
    that key (an erased person's profiles). It is no event: consumers skip it."""

    stream: Stream
    subject: str
    id: UUID = field(default_factory=uuid4)

    def topic(self, prefix: str) -> str:
        return self.stream.topic(prefix)

    def headers(self) -> Headers:
        return []

    def body(self) -> None:
        return None


def headers_schema() -> dict[str, Any]:
    """The Kafka headers every event carries, as a JSON Schema for AsyncAPI documents."""
    uuid = {"type": "string", "format": "uuid"}
    properties = {
        "ce_specversion": {"const": SPEC_VERSION},
        "ce_id": {**uuid, "description": "the event id, the dedupe key"},
        "ce_source": {"type": "string", "description": "/flipside/<service>, or your system's"},
        "ce_type": {"type": "string", "description": "flipside.<aggregate>.<event>.v<N>"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "the aggregate id, also the record's key"},
        "content-type": {"const": CONTENT_TYPE},
        "ce_correlationid": {**uuid, "description": "the whole chain, from enrolment to e-mail"},
        "ce_causationid": {**uuid, "description": "the event that caused this one"},
    }
    return {"type": "object", "properties": properties, "required": list(REQUIRED_HEADERS)}


def decode(headers: Headers | dict[str, bytes], value: bytes | None) -> Envelope:
    """Turn a Kafka record into an envelope, or raise PoisonMessage saying why not."""
    attributes = {name: raw.decode("utf-8", "replace") for name, raw in _as_pairs(headers)}
    missing = [name for name in REQUIRED_HEADERS if not attributes.get(name)]
    if missing:
        raise PoisonMessage(f"missing CloudEvents headers: {', '.join(missing)}")
    if attributes["ce_specversion"] != SPEC_VERSION:
        raise PoisonMessage(f"unsupported CloudEvents specversion {attributes['ce_specversion']!r}")
    content_type = attributes.get("content-type", CONTENT_TYPE)
    if content_type.split(";")[0].strip() != CONTENT_TYPE:
        raise PoisonMessage(f"unsupported content-type {content_type!r}")
    try:
        cls = event_class(attributes["ce_type"])
    except UnknownEventType as error:
        raise PoisonMessage(str(error)) from None
    if not value:
        raise PoisonMessage("empty message body")
    try:
        event = cls.model_validate_json(value)
    except ValidationError as error:
        if not_json := _json_error(error):
            raise PoisonMessage(f"body is not JSON: {not_json}") from None
        raise PoisonMessage(f"{cls.ce_type} schema violation: {_summary(error)}") from None
    try:
        return Envelope(
            event=event,
            source=attributes["ce_source"],
            id=UUID(attributes["ce_id"]),
            time=_parse_time(attributes.get("ce_time")),
            correlation_id=_optional_uuid(attributes.get(CORRELATION_HEADER)),
            causation_id=_optional_uuid(attributes.get("ce_causationid")),
        )
    except ValueError as error:
        raise PoisonMessage(f"malformed CloudEvents attribute: {error}") from None


def check_key(key: bytes | None, envelope: Envelope) -> None:
    """Raise PoisonMessage unless the record is keyed by its event's subject: only then do an aggregate's events share a
    partition, and so keep their order."""
    if key != envelope.subject.encode():
        shown = key.decode("utf-8", "replace") if key is not None else None
        raise PoisonMessage(f"key {shown!r} is not the event's subject {envelope.subject!r}")


def _as_pairs(headers: Headers | dict[str, bytes]) -> list[tuple[str, bytes]]:
    """Headers as bytes; one without a value (Kafka allows that) counts as absent."""
    items = headers.items() if isinstance(headers, dict) else headers
    return [(name, raw if isinstance(raw, bytes) else str(raw).encode()) for name, raw in items if raw is not None]


def _parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"ce_time without a UTC offset: {value!r}")
    return parsed


def _optional_uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def _json_error(error: ValidationError) -> str | None:
    """Why the body could not be parsed, when it is not JSON at all: pydantic parses it while validating."""
    issue = error.errors()[0]
    return str(issue["ctx"]["error"]) if issue["type"] == "json_invalid" and "ctx" in issue else None


def _summary(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in issue['loc']) or '<root>'}: {issue['msg']}" for issue in error.errors()[:5]
    )

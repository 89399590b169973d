"""The base of every public event: strict, frozen, versioned pydantic models.

Event schemas are Flipside's public API. Unknown fields are rejected on input
(`extra="forbid"`) so a producer that drifts from the contract fails loudly at
the consumer instead of being half-understood, and models are frozen so a
handler cannot change an event it is about to re-emit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class Stream:
    """A topic of Flipside: one per aggregate, keyed by that aggregate's id.

    One topic per aggregate stream keeps per-entity order across event types:
    every event about one pair lands in one partition, in the order written.
    """

    name: str
    key_field: str

    def topic(self, prefix: str) -> str:
        return f"{prefix}{self.name}"

    def inbound_topic(self, prefix: str) -> str:
        """Where systems outside Flipside publish this stream's events that they may send."""
        return f"{prefix}inbound.{self.name}"


class Event(BaseModel):
    """One event type at one version; `ce_type` names both (`...v1`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ce_type: ClassVar[str]
    stream: ClassVar[Stream]
    # One person's own words and scores: recorded by the service they are for, never passed on to anyone.
    private: ClassVar[bool] = False
    sources: ClassVar[tuple[str, ...]]
    """The `ce_source` of each Flipside service that emits this event on its stream's topic."""
    inbound_sources: ClassVar[tuple[str, ...]] = ()
    """The `ce_source` of each kind of outside system that may send it, on the stream's inbound topic."""

    @classmethod
    def accepted_sources(cls, topic: str, prefix: str) -> tuple[str, ...]:
        """Whom this event is accepted from on `topic`: none but its stream's own topic and inbound topic carry it."""
        if topic == cls.stream.topic(prefix):
            return cls.sources
        if topic == cls.stream.inbound_topic(prefix):
            return cls.inbound_sources
        return ()

    def key(self) -> str:
        """The aggregate id: message key and CloudEvents subject."""
        value = getattr(self, self.stream.key_field)
        return str(value) if isinstance(value, UUID) else value


class StrictModel(BaseModel):
    """A value object nested inside events: strict and frozen like events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

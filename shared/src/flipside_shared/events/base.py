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


class Event(BaseModel):
    """One event type at one version; `ce_type` names both (`...v1`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ce_type: ClassVar[str]
    stream: ClassVar[Stream]
    # One person's own words and scores: recorded by the service they are for, never passed on to anyone.
    private: ClassVar[bool] = False

    def key(self) -> str:
        """The aggregate id: message key and CloudEvents subject."""
        value = getattr(self, self.stream.key_field)
        return str(value) if isinstance(value, UUID) else value


class StrictModel(BaseModel):
    """A value object nested inside events: strict and frozen like events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

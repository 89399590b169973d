"""A person's export, assembled from the parts every service sends: what is ready, what is missing, when it goes.

Each service answers a `PersonalDataExportRequested` with its part, as JSON text in numbered pieces. The export is
ready once every answering service's part is whole, or once the time to answer is over: then the services that
have not answered are named as such, and the person has what arrived. It can be downloaded until it expires.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flipside_shared.events.sources import service_source

ANSWERING_SERVICES = ("matching", "scheduling", "feedback", "notifications")
"""The services that hold program data about people and answer every export request (the portal keeps only
sign-in sessions)."""

NOT_ANSWERED = "not answered in time"


@dataclass(frozen=True)
class ExportTerms:
    """How long the services have to answer, and how long the export stays downloadable after that."""

    answer_within: timedelta
    keep_for: timedelta

    def answer_by(self, requested_at: datetime) -> datetime:
        return requested_at + self.answer_within

    def expires_at(self, requested_at: datetime) -> datetime:
        return self.answer_by(requested_at) + self.keep_for


@dataclass(frozen=True)
class ExportRequest:
    export_id: UUID
    participant_id: UUID
    requested_at: datetime
    answer_by: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class Piece:
    """One piece of one service's part, as it arrived."""

    service: str
    piece: int
    pieces: int
    text: str


@dataclass(frozen=True)
class Gathering:
    """Not ready yet: these services have answered, the others have until `answer_by`."""

    answered: tuple[str, ...]
    answer_by: datetime


@dataclass(frozen=True)
class Ready:
    document: dict[str, Any]


def sent_by_its_service(source: str, service: str) -> bool:
    """A part names the service it comes from; only that service may send it."""
    return source == service_source(service)


def whole_parts(pieces: Iterable[Piece]) -> dict[str, dict[str, Any]]:
    """Each service's part whose pieces have all arrived, joined and read: service -> table -> rows."""
    by_service: dict[str, dict[int, Piece]] = {}
    for piece in pieces:
        by_service.setdefault(piece.service, {})[piece.piece] = piece
    parts = {}
    for service, numbered in by_service.items():
        expected = next(iter(numbered.values())).pieces
        if set(numbered) == set(range(1, expected + 1)):
            parts[service] = json.loads("".join(numbered[n].text for n in range(1, expected + 1)))
    return parts


def assemble(request: ExportRequest, pieces: Iterable[Piece], now: datetime) -> Gathering | Ready:
    """The one document of everything the services hold about the person, once it is ready."""
    parts = whole_parts(pieces)
    if now < request.answer_by and not set(ANSWERING_SERVICES) <= set(parts):
        return Gathering(answered=tuple(sorted(parts)), answer_by=request.answer_by)
    services: dict[str, Any] = {
        service: {"status": "answered", "tables": parts[service]} if service in parts else {"status": NOT_ANSWERED}
        for service in sorted({*ANSWERING_SERVICES, *parts})
    }
    return Ready(
        {
            "export_id": str(request.export_id),
            "participant_id": str(request.participant_id),
            "requested_at": request.requested_at.isoformat(),
            "expires_at": request.expires_at.isoformat(),
            "not_answered": sorted(s for s, part in services.items() if part["status"] == NOT_ANSWERED),
            "services": services,
        }
    )

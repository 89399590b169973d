"""The `exports` stream: a person's right of access, everything Flipside holds about them, keyed by participant id.

Both events are private: they carry one person's data (or that they asked for it), so no webhook may subscribe
to them. The stream has a topic of its own, with a short retention, rather than `participants`: that topic is
compacted by participant id and kept for ever, where an export would outlive its download and, being the
person's latest record, push their profile out of the compacted topic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from ..text import Identifier
from . import sources as source
from .base import Event, Stream

EXPORTS = Stream(name="exports", key_field="participant_id")

DOCUMENT_PIECE_CHARS = 262_144
"""The most characters of JSON text one `PersonalDataExported` carries; a bigger part comes in several pieces."""

DocumentPiece = Annotated[
    str,
    Field(
        max_length=DOCUMENT_PIECE_CHARS,
        description="A piece of the part's JSON text (ASCII, an object of table name -> rows); the pieces `1` to "
        "`pieces`, joined in order, are the whole object.",
    ),
]


class PersonalDataExportRequested(Event):
    """A person (or an admin for them) asked for everything Flipside holds about them: every service gathers
    the rows of its own schema that name them and publishes them as `PersonalDataExported`."""

    ce_type = "flipside.export.requested.v1"
    stream = EXPORTS
    private = True
    sources = (source.MATCHING,)

    export_id: UUID
    participant_id: UUID
    requested_at: datetime


class PersonalDataExported(Event):
    """One service's part of a person's export, or one piece of it: what it holds about them, as JSON.

    A part is cut into pieces of at most `DOCUMENT_PIECE_CHARS` characters (and at most a quarter of the record
    size the service may publish), so that any part fits Kafka's message size; the service that took the
    request joins them."""

    ce_type = "flipside.export.exported.v1"
    stream = EXPORTS
    private = True
    sources = (source.MATCHING, source.SCHEDULING, source.FEEDBACK, source.NOTIFICATIONS)

    export_id: UUID
    participant_id: UUID
    service: Identifier = Field(description="The service whose part this is: matching, scheduling, feedback...")
    piece: int = Field(ge=1, le=100_000)
    pieces: int = Field(ge=1, le=100_000)
    document: DocumentPiece
    exported_at: datetime

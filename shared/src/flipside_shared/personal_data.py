"""A person's right of access: each service gathers the rows of its own schema that name them and publishes them.

Every service declares its `PersonalDataQueries`: for each of its tables that names a person, one query that
takes the person's id as `$1` and returns what the table holds about them (and nothing of anyone else's own
words). When a `PersonalDataExportRequested` arrives, `answer_export_request` runs them in the consumer's
transaction and emits the result as `PersonalDataExported`, cut into pieces that fit the topic, in the same
transaction: the answer is published once, with the inbox row that marks the request handled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from .clock import Clock
from .consumer import EventHandlers
from .events import PersonalDataExported, PersonalDataExportRequested
from .events.exports import DOCUMENT_PIECE_CHARS
from .unit_of_work import Repository, UnitOfWork


@dataclass(frozen=True)
class KeyedQuery:
    """A query of rows that hold not the person's id but a key made from it (a keyed hash): `$1` is `key`'s value
    for the person, made by the function the service registers under that name."""

    sql: str
    key: str


PersonKeys = Mapping[str, Callable[[UUID], object]]
"""Key name -> how the service makes that key from a person's id."""

PersonalDataQueries = Mapping[str, str | KeyedQuery]
"""Table name -> the query of its rows about one person, who is `$1` (or their key, for a `KeyedQuery`)."""

SHARED_PERSONAL_DATA: PersonalDataQueries = {
    "person_request_counts": "SELECT action, window_start, requests FROM person_request_counts WHERE person_id = $1",
}
"""Rows about a person in the tables every schema has beside the service's own (the other shared tables hold
event ids, events on their way out, and the ids of people erased, who can no longer ask)."""

PartDocument = dict[str, list[dict[str, Any]]]
"""One service's part: table name -> rows, each a JSON object."""


def json_value(value: Any) -> Any:
    """A column's value as JSON has it: ids and times as text, jsonb as it is, bytes as hex."""
    match value:
        case UUID() | Decimal():
            return str(value)
        case datetime() | date() | time():
            return value.isoformat()
        case bytes():
            return value.hex()
        case list() | tuple():
            return [json_value(item) for item in value]
        case dict():
            return {key: json_value(item) for key, item in value.items()}
        case _:
            return value


async def gather(
    conn: asyncpg.Connection, queries: PersonalDataQueries, person_id: UUID, keys: PersonKeys | None = None
) -> PartDocument:
    """Every table's rows about `person_id`, by table name, in the order of `queries`."""
    document: PartDocument = {}
    for table, query in queries.items():
        if isinstance(query, KeyedQuery):
            rows = await conn.fetch(query.sql, (keys or {})[query.key](person_id))
        else:
            rows = await conn.fetch(query, person_id)
        document[table] = [{column: json_value(value) for column, value in row.items()} for row in rows]
    return document


def pieces(document: PartDocument, piece_chars: int) -> list[str]:
    """The document's JSON text in pieces of at most `piece_chars` characters. ASCII only, so a character is a byte,
    and escaping it once more in the event's body at most doubles it."""
    text = json.dumps(document, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return [text[start : start + piece_chars] for start in range(0, len(text), piece_chars)]


def piece_chars(max_record_bytes: int) -> int:
    """How long a piece may be: a quarter of the record size, so that escaping and the envelope always fit."""
    return max(1, min(DOCUMENT_PIECE_CHARS, max_record_bytes // 4))


async def answer_export_request(
    uow: UnitOfWork[Any],
    service: str,
    queries: PersonalDataQueries,
    request: PersonalDataExportRequested,
    clock: Clock,
    keys: PersonKeys | None = None,
) -> None:
    """Publish this service's part of the export `request` asks for, in as many pieces as it takes."""
    document = await gather(uow.conn, {**queries, **SHARED_PERSONAL_DATA}, request.participant_id, keys)
    texts = pieces(document, piece_chars(uow.max_record_bytes))
    exported_at = clock.now()
    for number, text in enumerate(texts, start=1):
        uow.emit(
            PersonalDataExported(
                export_id=request.export_id,
                participant_id=request.participant_id,
                service=service,
                piece=number,
                pieces=len(texts),
                document=text,
                exported_at=exported_at,
            )
        )


def answer_export_requests(
    handlers: EventHandlers[Repository],
    service: str,
    queries: PersonalDataQueries,
    clock: Clock,
    keys: PersonKeys | None = None,
) -> None:
    """Register the service's answer to `PersonalDataExportRequested`: its part, from `queries` (and `keys`)."""

    @handlers.handles(PersonalDataExportRequested)
    async def export_requested(uow: UnitOfWork[Repository], event: PersonalDataExportRequested) -> None:
        await answer_export_request(uow, service, queries, event, clock, keys)

"""A service's part of an export: its rows as JSON, cut into pieces that always fit the topic's records."""

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from uuid import uuid4

from flipside_shared.clock import FixedClock
from flipside_shared.envelope import Envelope
from flipside_shared.events import SUBSCRIBABLE_EVENT_TYPES, PersonalDataExported, PersonalDataExportRequested
from flipside_shared.events.exports import DOCUMENT_PIECE_CHARS
from flipside_shared.personal_data import (
    SHARED_PERSONAL_DATA,
    KeyedQuery,
    answer_export_request,
    gather,
    json_value,
    piece_chars,
    pieces,
)
from flipside_shared.settings import KAFKA_MAX_MESSAGE_BYTES
from flipside_shared.unit_of_work import UnitOfWork, record_bytes


def test_columns_become_json_values():
    person = uuid4()
    row = {
        "id": person,
        "at": datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
        "day": date(2026, 12, 6),
        "from": time(9, 0),
        "score": Decimal("0.5"),
        "hash": b"\x01\xff",
        "hours": [{"weekday": 0}],
        "tags": ("a", person),
    }
    assert json_value(row) == {
        "id": str(person),
        "at": "2026-12-06T09:30:00+00:00",
        "day": "2026-12-06",
        "from": "09:00:00",
        "score": "0.5",
        "hash": "01ff",
        "hours": [{"weekday": 0}],
        "tags": ["a", str(person)],
    }


def test_a_part_is_cut_into_pieces_that_join_into_the_whole_document():
    document = {"deliveries": [{"context": {"text": f'message {n} \u00e9"\\'}} for n in range(500)]}
    cut = pieces(document, 1000)
    assert len(cut) > 1
    assert all(len(piece) <= 1000 and piece.isascii() for piece in cut)
    assert json.loads("".join(cut)) == document


def test_a_small_part_is_one_piece():
    assert pieces({"attendees": []}, 1000) == ['{"attendees":[]}']


def test_a_piece_is_a_quarter_of_the_record_size_at_most():
    assert piece_chars(KAFKA_MAX_MESSAGE_BYTES) == min(DOCUMENT_PIECE_CHARS, KAFKA_MAX_MESSAGE_BYTES // 4)
    assert piece_chars(40_000) == 10_000


def test_the_largest_piece_fits_a_record_even_when_every_character_is_escaped_again():
    worst = '"' * piece_chars(KAFKA_MAX_MESSAGE_BYTES)
    part = PersonalDataExported(
        export_id=uuid4(),
        participant_id=uuid4(),
        service="notifications",
        piece=1,
        pieces=1,
        document=worst,
        exported_at=datetime.now(UTC),
    )
    assert record_bytes(Envelope(event=part, source="/flipside/notifications")) <= KAFKA_MAX_MESSAGE_BYTES


def test_exports_are_private_so_no_webhook_ever_carries_them():
    assert PersonalDataExportRequested.private and PersonalDataExported.private
    assert not {PersonalDataExportRequested.ce_type, PersonalDataExported.ce_type} & set(SUBSCRIBABLE_EVENT_TYPES)


class RowsOf:
    """A connection whose every query finds the same rows."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows
        self.asked: list[tuple[str, object]] = []

    async def fetch(self, query: str, person: object) -> list[dict]:
        self.asked.append((query, person))
        return self.rows


async def test_a_service_answers_with_its_part_in_pieces_that_each_fit_its_record_limit():
    person = uuid4()
    conn = RowsOf([{"participant_id": person, "context": {"text": "\u00e9\\" * 300}} for _ in range(40)])
    uow = UnitOfWork(conn=conn, source="/flipside/notifications", repository=None, max_record_bytes=20_000)  # type: ignore[arg-type]
    request = PersonalDataExportRequested(export_id=uuid4(), participant_id=person, requested_at=datetime.now(UTC))

    await answer_export_request(
        uow, "notifications", {"deliveries": "SELECT ... $1"}, request, FixedClock(datetime.now(UTC))
    )

    parts = [envelope.event for envelope in uow.emitted if isinstance(envelope, Envelope)]
    assert len(parts) > 1 and {p.pieces for p in parts} == {len(parts)}
    assert [p.piece for p in parts] == list(range(1, len(parts) + 1))
    document = json.loads("".join(p.document for p in parts if isinstance(p, PersonalDataExported)))
    assert set(document) == {"deliveries", *SHARED_PERSONAL_DATA}
    assert document["deliveries"][0]["participant_id"] == str(person)
    assert {asked_for for _, asked_for in conn.asked} == {person}


async def test_a_table_under_a_key_made_from_the_person_is_asked_with_that_key():
    person = uuid4()
    conn = RowsOf([{"body": "mine"}])
    keyed = KeyedQuery("SELECT body FROM concerns WHERE contributor_hash = $1", "contributor")

    found = await gather(conn, {"concerns": keyed}, person, {"contributor": lambda p: b"hash:" + p.bytes})  # type: ignore[arg-type]

    assert found == {"concerns": [{"body": "mine"}]}
    assert conn.asked == [(keyed.sql, b"hash:" + person.bytes)]

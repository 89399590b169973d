"""Assembling a person's export from the services' parts: ready when all have answered or the time is over."""

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from flipside_matching.domain.exports import (
    ANSWERING_SERVICES,
    NOT_ANSWERED,
    ExportRequest,
    ExportTerms,
    Gathering,
    Piece,
    Ready,
    assemble,
    sent_by_its_service,
    whole_parts,
)

ASKED = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
TERMS = ExportTerms(answer_within=timedelta(minutes=10), keep_for=timedelta(days=7))
REQUEST = ExportRequest(uuid4(), uuid4(), ASKED, TERMS.answer_by(ASKED), TERMS.expires_at(ASKED))


def part(service: str, tables: dict, size: int = 1000) -> list[Piece]:
    text = json.dumps(tables)
    cut = [text[i : i + size] for i in range(0, len(text), size)]
    return [Piece(service, n, len(cut), t) for n, t in enumerate(cut, start=1)]


def test_the_terms_give_the_time_to_answer_and_then_the_time_to_download():
    assert (REQUEST.answer_by, REQUEST.expires_at) == (
        ASKED + timedelta(minutes=10),
        ASKED + timedelta(days=7, minutes=10),
    )
    assert not REQUEST.expired(REQUEST.expires_at - timedelta(seconds=1))
    assert REQUEST.expired(REQUEST.expires_at)


def test_pieces_arriving_in_any_order_join_and_an_incomplete_part_does_not_count():
    sessions = {"sessions": [{"note": "x" * 50} for _ in range(100)]}
    arrived = list(reversed(part("scheduling", sessions, size=300)))
    partial = part("feedback", {"goals": [{"title": "y" * 900}]}, size=300)[:-1]
    assert whole_parts(arrived + partial) == {"scheduling": sessions}


def test_until_everyone_answers_and_before_the_time_is_over_it_is_still_gathering():
    state = assemble(REQUEST, part("matching", {"participants": []}), ASKED + timedelta(minutes=1))
    assert state == Gathering(answered=("matching",), answer_by=REQUEST.answer_by)


def test_once_every_service_has_answered_it_is_ready_at_once():
    pieces = [p for service in ANSWERING_SERVICES for p in part(service, {f"{service}_rows": [{"n": 1}]})]
    state = assemble(REQUEST, pieces, ASKED + timedelta(minutes=1))
    assert isinstance(state, Ready)
    assert state.document["not_answered"] == []
    assert state.document["services"]["feedback"] == {"status": "answered", "tables": {"feedback_rows": [{"n": 1}]}}


def test_after_the_time_to_answer_the_services_that_did_not_are_named():
    state = assemble(REQUEST, part("matching", {"participants": [{"n": 1}]}), REQUEST.answer_by)
    assert isinstance(state, Ready)
    assert state.document["not_answered"] == ["feedback", "notifications", "scheduling"]
    assert state.document["services"]["notifications"] == {"status": NOT_ANSWERED}
    assert state.document["participant_id"] == str(REQUEST.participant_id)


def test_a_part_comes_only_from_the_service_it_names():
    assert sent_by_its_service("/flipside/scheduling", "scheduling")
    assert not sent_by_its_service("/flipside/notifications", "feedback")

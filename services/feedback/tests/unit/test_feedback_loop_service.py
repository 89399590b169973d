"""The FeedbackLoop's process with no broker and no database: a unit of work without a connection, over an
in-memory repository with the few methods a check-in answer and a cancellation use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from flipside_devstack.fake_units import fake_unit_of_work
from flipside_feedback.domain.health import PairSignals, Rating
from flipside_feedback.domain.questionnaire import BUILT_IN, BUILT_IN_VERSION, Questionnaire
from flipside_feedback.handlers import FeedbackLoop
from flipside_feedback.settings import FeedbackSettings
from flipside_shared.clock import FixedClock
from flipside_shared.events import PairAtRisk, PairHealthChanged, SessionCancelled

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LOW = {"session_value": 1, "could_speak_freely": 1, "partner_listened": 2, "time_well_spent": False}


class InMemoryFeedbackRepository:
    def __init__(self) -> None:
        self.pair_id, self.mentor_id, self.mentee_id = uuid4(), uuid4(), uuid4()
        self.pairs: dict[UUID, dict[str, Any]] = {
            self.pair_id: {
                "pair_id": self.pair_id,
                "program_id": "pilot",
                "mentor_id": self.mentor_id,
                "mentee_id": self.mentee_id,
                "ended_at": None,
                "health_status": "healthy",
                "health_reasons": [],
            }
        }
        self.requests: dict[UUID, dict[str, Any]] = {}
        self.session_statuses: dict[UUID, str] = {}

    def ask_mentee(self, expires_at: datetime) -> UUID:
        request_id = uuid4()
        self.requests[request_id] = {
            "request_id": request_id,
            "pair_id": self.pair_id,
            "program_id": "pilot",
            "participant_id": self.mentee_id,
            "role": "mentee",
            "expires_at": expires_at,
            "questionnaire_version": BUILT_IN_VERSION,
            "answers": None,
            "revision": 0,
        }
        return request_id

    async def lock_pair(self, pair_id: UUID) -> None:
        pass

    async def request(self, request_id: UUID) -> dict[str, Any] | None:
        return self.requests.get(request_id)

    async def questionnaire(self, program_id: str, version: int) -> Questionnaire | None:
        return BUILT_IN

    async def save_answers(self, request_id: UUID, answers: dict[str, Any], version: int, source: str) -> int:
        asked = self.requests[request_id]
        asked["answers"], asked["revision"] = answers, asked["revision"] + 1
        return int(asked["revision"])

    async def mark_session(
        self,
        session_id: UUID,
        pair_id: UUID,
        program_id: str,
        status: str,
        kind: str,
        starts_at: datetime,
    ) -> None:
        self.session_statuses[session_id] = status

    async def pair(self, pair_id: UUID) -> dict[str, Any] | None:
        return self.pairs.get(pair_id)

    async def signals(self, pair_id: UUID, now: datetime) -> PairSignals:
        answers = [r for r in self.requests.values() if r["answers"] is not None]
        ratings = [
            Rating(
                r["role"],
                r["answers"]["session_value"],
                (r["answers"]["could_speak_freely"] + r["answers"]["partner_listened"]) / 2,
            )
            for r in answers
        ]
        statuses = list(self.session_statuses.values())
        return PairSignals(
            ratings, sessions_held=statuses.count("held"), sessions_cancelled=statuses.count("cancelled")
        )

    async def record_health(self, pair_id: UUID, score: float, status: str, reasons: list[str], at: datetime) -> None:
        self.pairs[pair_id].update(health_status=status, health_reasons=reasons)


def feedback_loop() -> FeedbackLoop:
    settings = FeedbackSettings(
        FLIPSIDE_FEEDBACK_LINK_SECRET="a" * 32, FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY="c" * 32
    )
    return FeedbackLoop(settings, FixedClock(NOW))


async def test_a_low_check_in_answer_changes_the_pair_s_health_and_flags_it_at_risk():
    repository = InMemoryFeedbackRepository()
    request_id = repository.ask_mentee(expires_at=NOW + timedelta(days=7))
    uow = fake_unit_of_work(repository)

    result = await feedback_loop().record_answers(
        uow,
        request_id,
        repository.mentee_id,
        repository.pair_id,
        LOW,
        {},
        "form",
        NOW,
    )

    assert result == ("recorded", 1)
    changed, at_risk = [envelope.event for envelope in uow.emitted]
    assert isinstance(changed, PairHealthChanged) and isinstance(at_risk, PairAtRisk)
    assert (changed.previous_status, changed.status, changed.computed_at) == ("healthy", "at_risk", NOW)
    assert repository.pairs[repository.pair_id]["health_status"] == "at_risk"


async def test_the_same_answer_again_changes_nothing_and_announces_nothing():
    repository = InMemoryFeedbackRepository()
    request_id = repository.ask_mentee(expires_at=NOW + timedelta(days=7))
    loop = feedback_loop()
    await loop.record_answers(
        fake_unit_of_work(repository), request_id, repository.mentee_id, repository.pair_id, LOW, {}, "form", NOW
    )

    again = fake_unit_of_work(repository)
    result = await loop.record_answers(
        again, request_id, repository.mentee_id, repository.pair_id, LOW, {}, "form", NOW
    )

    assert result == ("duplicate", 1)
    assert again.emitted == []


async def test_a_pair_whose_sessions_are_cancelled_is_judged_at_the_loop_s_clock_time():
    repository = InMemoryFeedbackRepository()
    loop = feedback_loop()
    announced = []
    for _ in range(3):
        uow = fake_unit_of_work(repository)
        await loop.session_cancelled(
            uow,
            SessionCancelled(
                session_id=uuid4(),
                pair_id=repository.pair_id,
                program_id="pilot",
                kind="check_in",
                starts_at=NOW + timedelta(days=1),
                duration_minutes=45,
                participant_ids=[repository.mentor_id],
                reason="requested",
                sequence=1,
                cancelled_at=NOW,
            ),
        )
        announced += [envelope.event for envelope in uow.emitted]

    [changed, *_] = announced
    assert isinstance(changed, PairHealthChanged)
    assert changed.computed_at == NOW
    assert changed.reasons == ["3 of 3 sessions were cancelled"]

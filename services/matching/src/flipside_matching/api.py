"""Matching's HTTP edge: enrolment and a read of pairs. Thin: events do the work."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict

from flipside_shared.events import ParticipantEnrolled, ParticipantErased, ParticipantProfile

from .repository import MatchingRepository

router = APIRouter()


class Enrolment(ParticipantProfile):
    model_config = ConfigDict(extra="forbid", frozen=True)

    participant_id: UUID | None = None


class EnrolmentAccepted(BaseModel):
    participant_id: UUID
    event_id: UUID


@router.post("/participants", status_code=status.HTTP_202_ACCEPTED)
async def enrol(enrolment: Enrolment, request: Request) -> EnrolmentAccepted:
    """Enrol through the same event as Kafka enrolment: written to the outbox, matched on arrival.

    Give `participant_id` to make retries safe: a second enrolment with the same id changes nothing.
    """
    runtime = request.app.state.runtime
    participant_id = enrolment.participant_id or uuid4()
    profile = ParticipantProfile.model_validate(enrolment.model_dump(exclude={"participant_id"}))
    async with runtime.units.begin() as uow:
        envelope = uow.emit(ParticipantEnrolled(participant_id=participant_id, profile=profile))
    return EnrolmentAccepted(participant_id=participant_id, event_id=envelope.id)


@router.delete("/participants/{participant_id}", status_code=status.HTTP_202_ACCEPTED)
async def erase(participant_id: UUID, request: Request) -> dict:
    """The right to erasure: one event, and every service removes or anonymises what it holds."""
    async with request.app.state.runtime.units.begin() as uow:
        envelope = uow.emit(ParticipantErased(participant_id=participant_id, erased_at=datetime.now(UTC)))
    return {"participant_id": str(participant_id), "event_id": str(envelope.id)}


@router.get("/programs/{program_id}/pairs")
async def pairs(program_id: str, request: Request) -> list[dict]:
    async with request.app.state.runtime.pool.acquire() as conn:
        rows = await MatchingRepository(conn).pairs(program_id)
    return [dict(row) for row in rows]

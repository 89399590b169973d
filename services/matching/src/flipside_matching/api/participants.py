"""Participants: enrolment, profile changes, erasure, and why someone is still waiting."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import ConfigDict

from flipside_shared.auth.rules import forbidden, require_admin, require_self
from flipside_shared.auth.tokens import Principal
from flipside_shared.erasures import was_erased
from flipside_shared.events import (
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantProfile,
    ParticipantUpdated,
    ParticipantWithdrawn,
)

from ..domain.profile_ownership import hr_owned_changes
from ..repository import MatchingRepository
from .common import Accepted, program_or_404

router = APIRouter()


class Enrolment(ParticipantProfile):
    model_config = ConfigDict(extra="forbid", frozen=True)

    participant_id: UUID | None = None


class EnrolmentAccepted(Accepted):
    participant_id: UUID


@router.post("/participants", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require_admin)])
async def enrol(enrolment: Enrolment, request: Request) -> EnrolmentAccepted:
    """Enrol through the same event as Kafka enrolment: written to the outbox, matched on arrival.

    Give `participant_id` to make retries safe: a second enrolment with the same id changes nothing.
    An erased participant's id is never enrolled again (410): the person enrols under a new id.
    """
    runtime = request.app.state.runtime
    participant_id = enrolment.participant_id or uuid4()
    profile = ParticipantProfile.model_validate(enrolment.model_dump(exclude={"participant_id"}))
    async with runtime.units.begin() as uow:
        found = await program_or_404(MatchingRepository(uow.conn), profile.program_id)
        if await was_erased(uow.conn, participant_id):
            raise HTTPException(410, "this participant id was erased; enrol the person under a new id")
        if profile.grade >= len(found.policy.grades):
            raise HTTPException(422, f"grade {profile.grade} is outside the program's ladder (0 to {len(found.policy.grades) - 1})")
        envelope = uow.emit(ParticipantEnrolled(participant_id=participant_id, profile=profile))
    return EnrolmentAccepted(participant_id=participant_id, event_id=envelope.id)


@router.delete("/participants/{participant_id}", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require_admin)])
async def erase(participant_id: UUID, request: Request) -> dict:
    """The right to erasure: one event, and every service removes or anonymises what it holds."""
    async with request.app.state.runtime.units.begin() as uow:
        envelope = uow.emit(ParticipantErased(participant_id=participant_id, erased_at=datetime.now(UTC)))
    return {"participant_id": str(participant_id), "event_id": str(envelope.id)}


@router.post("/participants/{participant_id}/withdraw", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require_self())])
async def withdraw(participant_id: UUID, request: Request) -> dict:
    """Leave the program: never matched again, pairs dissolved (partners matched anew), future sessions
    cancelled. The profile stays until erased."""
    async with request.app.state.runtime.units.begin() as uow:
        person = await MatchingRepository(uow.conn).participant(participant_id)
        if person is None:
            raise HTTPException(404, "no enrolled participant with this id")
        envelope = uow.emit(ParticipantWithdrawn(
            participant_id=participant_id, program_id=person.profile.program_id, withdrawn_at=datetime.now(UTC),
        ))
    return {"participant_id": str(participant_id), "event_id": str(envelope.id)}


@router.get("/participants/{participant_id}", dependencies=[Depends(require_self())])
async def participant(participant_id: UUID, request: Request) -> dict:
    """A participant's profile, how many pairs they have, and why they wait if they do."""
    async with request.app.state.runtime.pool.acquire() as conn:
        repository = MatchingRepository(conn)
        person = await repository.participant(participant_id)
        if person is None:
            raise HTTPException(404, "no enrolled participant with this id")
        waiting = await repository.waiting_reasons(participant_id)
    return {
        "participant_id": str(participant_id),
        "profile": person.profile.model_dump(mode="json"),
        "active_pairs": person.active_pairs,
        "waiting_reasons": waiting,
    }


@router.put("/participants/{participant_id}", status_code=status.HTTP_202_ACCEPTED)
async def update(
    participant_id: UUID, profile: ParticipantProfile, request: Request, principal: Principal = Depends(require_self()),
) -> Accepted:
    """A changed profile, as one event; existing pairs stay, and someone with room left may be matched.

    A participant changes their own part only: HR-owned fields (grade, department, manager, reporting chain,
    exclusions, role, tenure) come from the HR system or an admin."""
    async with request.app.state.runtime.units.begin() as uow:
        repository = MatchingRepository(uow.conn)
        found = await program_or_404(repository, profile.program_id)
        current = await repository.participant(participant_id)
        if current is None:
            raise HTTPException(404, "no enrolled participant with this id")
        if current.profile.program_id != profile.program_id:
            raise HTTPException(422, "a participant cannot move to another program: withdraw, then enrol in the new one")
        if not principal.is_admin and (changed := hr_owned_changes(current.profile, profile)):
            raise forbidden(f"only HR or an admin may change {', '.join(changed)}; a participant changes the rest of their profile")
        if profile.grade >= len(found.policy.grades):
            raise HTTPException(422, f"grade {profile.grade} is outside the program's ladder (0 to {len(found.policy.grades) - 1})")
        if profile.capacity < current.active_pairs:
            raise HTTPException(422, f"capacity {profile.capacity} is below their {current.active_pairs} active pairs")
        envelope = uow.emit(ParticipantUpdated(participant_id=participant_id, profile=profile))
    return Accepted(event_id=envelope.id)

"""Participants: enrolment, profile changes, erasure, and why someone is still waiting."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, status
from pydantic import ConfigDict, Field

from flipside_shared.auth.rules import require_admin, require_self
from flipside_shared.events import ParticipantProfile

from ..domain.profile_ownership import HR_OWNED_FIELDS
from ..matcher import enrolled
from .common import Accepted
from .dependencies import MatcherDependency, SelfOrAdmin, Units
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)


class Enrolment(ParticipantProfile):
    model_config = ConfigDict(extra="forbid", frozen=True)

    participant_id: UUID | None = None
    agreement_version: int | None = Field(
        None, ge=1, description="The version of the program's agreement the person accepted (GET .../agreement)."
    )


class EnrolmentAccepted(Accepted):
    participant_id: UUID


@router.post("/participants", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require_admin)])
async def enrol(enrolment: Enrolment, units: Units, matcher: MatcherDependency) -> EnrolmentAccepted:
    """Enrol through the same event as Kafka enrolment: written to the outbox, matched on arrival.

    Give `participant_id` to make retries safe: a second enrolment with the same id changes nothing.
    An erased participant's id is never enrolled again (410): the person enrols under a new id.
    """
    participant_id = enrolment.participant_id or uuid4()
    profile = ParticipantProfile.model_validate(enrolment.model_dump(exclude={"participant_id", "agreement_version"}))
    async with units.begin() as uow:
        envelope = await matcher.enrol(uow, participant_id, profile, enrolment.agreement_version)
    return EnrolmentAccepted(participant_id=participant_id, event_id=envelope.id)


@router.delete(
    "/participants/{participant_id}", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require_admin)]
)
async def erase(participant_id: UUID, units: Units, matcher: MatcherDependency) -> dict:
    """The right to erasure: one event, and every service removes or anonymises what it holds."""
    async with units.begin() as uow:
        envelope = matcher.request_erasure(uow, participant_id)
    return {"participant_id": str(participant_id), "event_id": str(envelope.id)}


@router.post(
    "/participants/{participant_id}/withdraw",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require_self())],
)
async def withdraw(participant_id: UUID, units: Units, matcher: MatcherDependency) -> dict:
    """Leave the program: never matched again, pairs dissolved (partners matched anew), future sessions
    cancelled. The profile stays until erased."""
    async with units.begin() as uow:
        envelope = await matcher.request_withdrawal(uow, participant_id)
    return {"participant_id": str(participant_id), "event_id": str(envelope.id)}


@router.get("/participants/{participant_id}", dependencies=[Depends(require_self())])
async def participant(participant_id: UUID, units: Units) -> dict:
    """A participant's profile, which of its fields HR owns (the person cannot change them), how many pairs they
    have, and why they wait if they do."""
    async with units.reading() as repository:
        person = await enrolled(repository, participant_id)
        waiting = await repository.waiting_reasons(participant_id)
    return {
        "participant_id": str(participant_id),
        "profile": person.profile.model_dump(mode="json"),
        "hr_owned": list(HR_OWNED_FIELDS),
        "active_pairs": person.active_pairs,
        "waiting_reasons": waiting,
    }


@router.put("/participants/{participant_id}", status_code=status.HTTP_202_ACCEPTED)
async def update(
    participant_id: UUID,
    profile: ParticipantProfile,
    units: Units,
    matcher: MatcherDependency,
    principal: SelfOrAdmin,
) -> Accepted:
    """A changed profile, as one event; existing pairs stay, and someone with room left may be matched.

    A participant changes their own part only: HR-owned fields (grade, department, manager, reporting chain,
    exclusions, role, tenure) come from the HR system or an admin."""
    async with units.begin() as uow:
        envelope = await matcher.request_update(uow, participant_id, profile, may_change_hr_fields=principal.is_admin)
    return Accepted(event_id=envelope.id)

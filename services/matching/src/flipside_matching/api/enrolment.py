"""Enrolment into a program: a person enrolling themself, and who is enrolled, as the program's lead sees it."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import ConfigDict, Field

from flipside_shared.auth.rules import acting_as, require_lead
from flipside_shared.events import ParticipantProfile
from flipside_shared.text import Identifier

from ..domain.enrolment import EnrolledPerson, enrolment_overview
from ..matcher import known_program
from .common import PROGRAM_ID
from .dependencies import Caller, MatcherDependency, Units
from .participants import EnrolmentAccepted
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)


class SelfEnrolment(ParticipantProfile):
    """The profile `POST /participants` takes, for the program the path names, and who enrols."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    participant_id: UUID = Field(description="Who enrols: the caller, unless an admin enrols someone.")
    program_id: Identifier | None = Field(  # type: ignore[assignment]  # the path names the program; the body may repeat it
        None, description="The program comes from the path; given here, it must be the same."
    )
    agreement_version: int | None = Field(
        None, ge=1, description="The version of the program's agreement the person accepts (GET .../agreement)."
    )


@router.post("/programs/{program_id}/enrolments", status_code=status.HTTP_202_ACCEPTED)
async def enrol_self(
    program_id: str, enrolment: SelfEnrolment, units: Units, matcher: MatcherDependency, principal: Caller
) -> EnrolmentAccepted:
    """A person enrols themself, through the same event and checks as `POST /participants`: 404 for an unknown
    program, 409 when already enrolled (one program per participant id), 422 naming the field that is wrong."""
    acting_as(principal, enrolment.participant_id)
    if not PROGRAM_ID.fullmatch(program_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown program {program_id!r}")
    if enrolment.program_id not in (None, program_id):
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", "program_id"),
                    "msg": "the program is the one the path names",
                    "input": enrolment.program_id,
                }
            ]
        )
    profile = ParticipantProfile.model_validate(
        {**enrolment.model_dump(exclude={"participant_id", "agreement_version"}), "program_id": program_id}
    )
    async with units.begin() as uow:
        envelope = await matcher.enrol_self(uow, enrolment.participant_id, profile, enrolment.agreement_version)
    return EnrolmentAccepted(participant_id=enrolment.participant_id, event_id=envelope.id)


@router.get("/programs/{program_id}/enrolment", dependencies=[Depends(require_lead())])
async def enrolment(program_id: str, units: Units) -> dict:
    """Who is enrolled, for the lead running the program: counts by status, role and department, and each
    person's name, role, department and status; never their goals, answers or the rest of their profile."""
    async with units.reading() as repository:
        await known_program(repository, program_id)
        overview = enrolment_overview(await repository.enrolled_people(program_id))
    return {
        "program_id": program_id,
        "by_status": overview.by_status,
        "by_role": overview.by_role,
        "by_department": overview.by_department,
        "people": [_person(person) for person in overview.people],
    }


def _person(person: EnrolledPerson) -> dict:
    return {
        "participant_id": str(person.participant_id),
        "name": person.name,
        "role": person.role,
        "department": person.department,
        "status": person.status,
        "paired": person.status == "paired",
        "enrolled_at": person.enrolled_at.isoformat(),
    }

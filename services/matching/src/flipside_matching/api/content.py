"""What a lead writes for their program's people: the ground rules and confidentiality agreement each person
accepts when enrolling (versioned), and orientation guides for mentors and mentees."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import acting_as, authenticated, require_lead
from flipside_shared.dependencies import component
from flipside_shared.text import FEW_ITEMS, Identifier, Name, Text

from ..content import ProgramContent, orientation
from ..domain.agreements import ProgramAgreement
from ..domain.orientation import GuideRole, GuideSection, OrientationGuide
from ..matcher import known_program
from .dependencies import Caller, Units
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)

ContentDependency = Annotated[ProgramContent, Depends(component(ProgramContent))]
Language = Annotated[str, Query(pattern=r"^[a-z]{2}$", description="Two letters (ISO 639-1): en, de, ...")]


class AgreementText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ground_rules: Text = Field(min_length=1, description="How the pair works together: time, preparation, respect.")
    confidentiality: Text = Field(min_length=1, description="What stays between the two, and what does not.")


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: UUID = Field(description="Who accepts: an enrolled participant of the program, the caller.")
    version: int = Field(ge=1, description="The current version, as GET .../agreement answers it.")


class SectionText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: Identifier = Field(min_length=1)
    title: Name = Field(min_length=1)
    body: Text = Field(min_length=1)


class GuideText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str = Field(
        min_length=2, max_length=2, pattern=r"^[a-z]{2}$", description="Two letters (ISO 639-1): en, de."
    )
    sections: list[SectionText] = Field(min_length=1, max_length=FEW_ITEMS)


@router.get("/programs/{program_id}/agreement", dependencies=[Depends(authenticated)])
async def current_agreement(program_id: str, units: Units) -> dict[str, Any]:
    """The version people enrolling now accept (`agreement_version` in the enrolment); 404 while there is none."""
    async with units.reading() as repository:
        await known_program(repository, program_id)
        agreement = await repository.content.current_agreement(program_id)
    if agreement is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"program {program_id!r} has no agreement: enrolment needs none")
    return _agreement_view(agreement)


@router.put(
    "/programs/{program_id}/agreement", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require_lead())]
)
async def publish_agreement(
    program_id: str, text: AgreementText, units: Units, content: ContentDependency
) -> dict[str, Any]:
    """A new version of the agreement; from now on enrolment needs it accepted."""
    async with units.begin() as uow:
        agreement = await content.publish_agreement(uow, program_id, text.ground_rules, text.confidentiality)
    return _agreement_view(agreement)


@router.get("/programs/{program_id}/agreement/acceptances", dependencies=[Depends(require_lead())])
async def acceptances(program_id: str, units: Units) -> dict[str, Any]:
    """Who accepted which version, and when: the lead's record that everyone agreed to the program's rules."""
    async with units.reading() as repository:
        await known_program(repository, program_id)
        rows = await repository.content.acceptances(program_id)
    return {
        "program_id": program_id,
        "acceptances": [
            {"participant_id": str(r["participant_id"]), "version": r["version"], "accepted_at": r["accepted_at"]}
            for r in rows
        ],
    }


@router.post("/programs/{program_id}/agreement/acceptances", status_code=status.HTTP_204_NO_CONTENT)
async def accept_agreement(
    program_id: str, acceptance: Acceptance, units: Units, content: ContentDependency, principal: Caller
) -> None:
    """Someone enrolled before the current version accepts it; 422 naming the current one for any other version."""
    acting_as(principal, acceptance.participant_id)
    async with units.begin() as uow:
        await content.accept_agreement(uow, program_id, acceptance.participant_id, acceptance.version)


@router.get("/programs/{program_id}/orientation/{role}", dependencies=[Depends(authenticated)])
async def orientation_guide(program_id: str, role: GuideRole, units: Units, language: Language = "en") -> dict:
    """The program's guide for the role, in the language asked for; the built-in one (English or German) where
    the lead wrote none."""
    async with units.reading() as repository:
        guide = await orientation(repository, program_id, role, language)
    return _guide_view(program_id, guide)


@router.put("/programs/{program_id}/orientation/{role}", dependencies=[Depends(require_lead())])
async def write_orientation_guide(
    program_id: str, role: GuideRole, text: GuideText, units: Units, content: ContentDependency
) -> dict[str, Any]:
    """The program's own guide for the role in one language, in place of the built-in one."""
    sections = tuple(GuideSection(s.topic, s.title, s.body) for s in text.sections)
    guide = OrientationGuide(role, text.language, sections, built_in=False)
    async with units.begin() as uow:
        await content.write_guide(uow, program_id, guide)
    return _guide_view(program_id, guide)


def _agreement_view(agreement: ProgramAgreement) -> dict[str, Any]:
    return {
        "program_id": agreement.program_id,
        "version": agreement.version,
        "ground_rules": agreement.ground_rules,
        "confidentiality": agreement.confidentiality,
        "published_at": agreement.published_at.isoformat(),
    }


def _guide_view(program_id: str, guide: OrientationGuide) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "role": guide.role,
        "language": guide.language,
        "built_in": guide.built_in,
        "sections": [{"topic": s.topic, "title": s.title, "body": s.body} for s in guide.sections],
    }

"""A program's prompt library for conversation guides, as its lead reads and rewrites it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import require_lead
from flipside_shared.clock import Clock
from flipside_shared.dependencies import clock
from flipside_shared.text import Text

from .dependencies import Units
from .domain.conversation_prompts import AREAS, library_for
from .domain.preferences import LANGUAGES

router = APIRouter()

Area = Literal[AREAS]  # type: ignore[valid-type]
Language = Literal[LANGUAGES]  # type: ignore[valid-type]
ClockDependency = Annotated[Clock, Depends(clock)]


class AreaPrompts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: Language = Field(description="The language of the prompts: people whose messages are in it get them.")
    prompts: list[Text] = Field(min_length=1, max_length=10)


@router.get("/programs/{program_id}/conversation-prompts", dependencies=[Depends(require_lead())])
async def prompt_library(program_id: str, units: Units, language: Annotated[Language, Query()] = "en") -> dict:
    """Every area's prompts as the program's invitations choose from them, and which areas the lead rewrote."""
    async with units.reading() as repository:
        own = await repository.conversations.program_prompts(program_id, language)
    return {
        "program_id": program_id,
        "language": language,
        "areas": {
            area: {"prompts": list(prompts), "built_in": area not in own}
            for area, prompts in library_for(language, own).items()
        },
    }


@router.put("/programs/{program_id}/conversation-prompts/{area}", dependencies=[Depends(require_lead())])
async def rewrite_area(
    program_id: str, area: Area, body: AreaPrompts, units: Units, now: ClockDependency
) -> dict[str, Any]:
    """The program's own prompts for the area and language, in place of the built-in ones, from the next invitation on."""
    async with units.begin() as uow:
        await uow.repository.conversations.save_prompts(program_id, area, body.language, body.prompts, now.now())
    return {"program_id": program_id, "area": area, "language": body.language, "prompts": body.prompts}

"""Success stories over HTTP: the pair's two people write and consent; the program's people read those shared."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import acting_as, authenticated, require_pair_member
from flipside_shared.auth.tokens import Principal
from flipside_shared.dependencies import component
from flipside_shared.text import Text

from .dependencies import Units, people_of_pair
from .domain.stories import SuccessStory
from .stories import NoStory, StoryBook, StoryRefused

router = APIRouter()

Caller = Annotated[Principal, Depends(authenticated)]
StoryBookDependency = Annotated[StoryBook, Depends(component(StoryBook))]


PairMember = Annotated[Principal, Depends(require_pair_member(people_of_pair))]


class StoryDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: UUID = Field(description="Who writes it: one of the pair's two people, the caller.")
    body: Text = Field(min_length=1)


class StoryConsent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: UUID = Field(description="Who consents or withdraws: one of the pair's two people, the caller.")
    given: bool = Field(description="true to share the present text with the program, false to withdraw.")


@router.put("/pairs/{pair_id}/story")
async def write_story(
    pair_id: UUID, draft: StoryDraft, units: Units, book: StoryBookDependency, principal: PairMember
) -> dict[str, Any]:
    """Write or rewrite the pair's story; it is shown to the program once both people consent to this text."""
    acting_as(principal, draft.participant_id)
    async with units.begin() as uow:
        with _refusals_as_http():
            story = await book.write(uow, pair_id, draft.participant_id, draft.body)
    return _own_view(story)


@router.get("/pairs/{pair_id}/story")
async def pair_story(pair_id: UUID, units: Units, principal: PairMember) -> dict[str, Any]:
    async with units.reading() as repository:
        story = await repository.stories.story(pair_id)
    if story is None:
        raise HTTPException(404, "this pair has no story yet")
    return _own_view(story)


@router.put("/pairs/{pair_id}/story/consent")
async def consent_to_story(
    pair_id: UUID, consent: StoryConsent, units: Units, book: StoryBookDependency, principal: PairMember
) -> dict[str, Any]:
    """Give consent to the present text, or withdraw it: withdrawn, the story is hidden from the program at once."""
    acting_as(principal, consent.participant_id)
    async with units.begin() as uow:
        with _refusals_as_http():
            story = await book.consent(uow, pair_id, consent.participant_id, consent.given)
    return _own_view(story)


@router.get("/programs/{program_id}/stories")
async def shared_stories(program_id: str, units: Units, principal: Caller) -> dict[str, Any]:
    """The stories both sides of a pair agreed to share, for the program's participants and its leads."""
    async with units.reading() as repository:
        person = await repository.participant(principal.participant_id) if principal.participant_id else None
        if not (principal.leads(program_id) or (person is not None and person["program_id"] == program_id)):
            raise HTTPException(403, "only the program's participants and its leads read its stories")
        stories = await repository.stories.shared_in(program_id)
    return {
        "program_id": program_id,
        "stories": [{"body": story.body, "written_at": story.drafted_at.isoformat()} for story in stories],
    }


@contextmanager
def _refusals_as_http() -> Iterator[None]:
    """The story book's refusals as the caller sees them: no such story (404), not theirs to change (403)."""
    try:
        yield
    except NoStory as missing:
        raise HTTPException(404, str(missing)) from None
    except StoryRefused as refused:
        raise HTTPException(403, str(refused)) from None


def _own_view(story: SuccessStory) -> dict[str, Any]:
    """What the pair's two people see of their own story: its text and where each consent stands."""
    return {
        "pair_id": str(story.pair_id),
        "body": story.body,
        "drafted_by": str(story.drafted_by),
        "drafted_at": story.drafted_at.isoformat(),
        "mentor_consents": story.mentor_consent_at is not None,
        "mentee_consents": story.mentee_consent_at is not None,
        "shared": story.shared,
    }

"""The `StoryBook`: a pair writes its success story, each side consents to it or withdraws, inside one unit of work."""

from __future__ import annotations

from uuid import UUID

from flipside_shared.clock import Clock
from flipside_shared.unit_of_work import UnitOfWork

from .domain.goals import PairMembers
from .domain.stories import StoryRefused, SuccessStory, draft, with_consent
from .repository import FeedbackRepository


class NoStory(LookupError):
    pass


class StoryBook:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def write(
        self, uow: UnitOfWork[FeedbackRepository], pair_id: UUID, author_id: UUID, body: str
    ) -> SuccessStory:
        """A first text or a rewrite: both sides are asked to consent to it again."""
        repository = uow.repository
        await repository.lock_pair(pair_id)
        pair = await repository.pair(pair_id)
        if pair is None:
            raise NoStory("no such pair")
        members = PairMembers(pair["mentor_id"], pair["mentee_id"], pair["ended_at"] is None)
        story = draft(members, pair_id, pair["program_id"], author_id, body, self._clock.now())
        await repository.stories.save(story)
        return story

    async def consent(
        self, uow: UnitOfWork[FeedbackRepository], pair_id: UUID, participant_id: UUID, given: bool
    ) -> SuccessStory:
        story = await uow.repository.stories.story(pair_id, for_update=True)
        if story is None:
            raise NoStory("this pair has no story yet")
        story = with_consent(story, participant_id, given, self._clock.now())
        await uow.repository.stories.save(story)
        return story


__all__ = ["NoStory", "StoryBook", "StoryRefused"]

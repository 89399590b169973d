"""Success stories a pair chooses to share: who may write one, and when the program sees it.

A story is shown only while both people consent to its present text: rewriting it asks both again, and either
withdrawing hides it at once. It is always text one of the two wrote for it, never drawn from check-in answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from .goals import PairMembers


class StoryRefused(Exception):
    """What the person asked cannot be done; the message says why."""


@dataclass(frozen=True)
class SuccessStory:
    pair_id: UUID
    program_id: str
    mentor_id: UUID
    mentee_id: UUID
    drafted_by: UUID
    body: str
    drafted_at: datetime
    mentor_consent_at: datetime | None = None
    mentee_consent_at: datetime | None = None

    @property
    def shared(self) -> bool:
        """Visible to the program: both sides consent to this text."""
        return self.mentor_consent_at is not None and self.mentee_consent_at is not None

    def consents_of(self, participant_id: UUID) -> bool:
        return (self.mentor_consent_at if participant_id == self.mentor_id else self.mentee_consent_at) is not None


def draft(pair: PairMembers, pair_id: UUID, program_id: str, author_id: UUID, body: str, at: datetime) -> SuccessStory:
    """A new text from one of the two; any consent given to an earlier text no longer holds."""
    if author_id not in (pair.mentor_id, pair.mentee_id):
        raise StoryRefused("only the two people of a pair write its story")
    return SuccessStory(pair_id, program_id, pair.mentor_id, pair.mentee_id, author_id, body, at)


def with_consent(story: SuccessStory, participant_id: UUID, given: bool, at: datetime) -> SuccessStory:
    """One side gives or withdraws consent to the present text."""
    if participant_id == story.mentor_id:
        return replace(story, mentor_consent_at=at if given else None)
    if participant_id == story.mentee_id:
        return replace(story, mentee_consent_at=at if given else None)
    raise StoryRefused("only the two people of a pair consent to its story")

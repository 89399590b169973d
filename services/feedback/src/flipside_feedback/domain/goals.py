"""Learning goals of both sides of a pair: who may set and move them, and when one counts as achieved."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from flipside_shared.events.feedback import Role

ACHIEVED_AT_PERCENT = 100


class GoalRefused(ValueError):
    """A goal change that the rules do not allow, with the reason."""


@dataclass(frozen=True)
class PairMembers:
    mentor_id: UUID
    mentee_id: UUID
    active: bool

    def role_of(self, participant_id: UUID) -> Role:
        if participant_id == self.mentor_id:
            return "mentor"
        if participant_id == self.mentee_id:
            return "mentee"
        raise GoalRefused("only the two people of a pair set and move its goals")


def owner_role(pair: PairMembers, owner_id: UUID) -> Role:
    """The role of a new goal's owner in an active pair."""
    if not pair.active:
        raise GoalRefused("the pair has ended")
    return pair.role_of(owner_id)


def progress(current_status: str, owner_id: UUID, requested_by: UUID, percent: int) -> tuple[int, bool]:
    """The new progress and whether the goal is achieved by it; only its owner moves a goal."""
    if requested_by != owner_id:
        raise GoalRefused("only the goal's owner records its progress")
    if current_status != "open":
        raise GoalRefused(f"the goal is {current_status} already")
    if not 0 <= percent <= 100:
        raise GoalRefused("progress is a percentage from 0 to 100")
    return percent, percent >= ACHIEVED_AT_PERCENT

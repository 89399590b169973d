"""Pairs feedback flagged at risk: who decides between a rematch and keeping the pair, and when the flag
goes away on its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

PROGRAM_LEAD = "program_lead"

Confirmer = UUID | Literal["program_lead"]
"""Who answers a rematch offer: one of the pair's two participants, by id, or the program lead."""

HealthStatus = Literal["healthy", "watch", "at_risk"]


@dataclass(frozen=True)
class PairStanding:
    """A pair as its rematch offer sees it: its two people, whether it still runs, whether feedback flagged
    it at risk, and who confirmed the rematch if someone has."""

    pair_id: UUID
    program_id: str
    mentor_id: UUID
    mentee_id: UUID
    active: bool
    at_risk: bool
    rematch_confirmed_by: str | None = None


@dataclass(frozen=True)
class Refusal:
    reason: str
    not_theirs: bool
    """True when the confirmer has no say over this pair; otherwise the pair has no open offer."""


def refusal(pair: PairStanding, confirmed_by: Confirmer) -> Refusal | None:
    """Why `confirmed_by` may not answer the pair's rematch offer now (rematch or keep); None when they may."""
    if role_of(pair, confirmed_by) is None:
        return Refusal(
            "only the pair's mentor, its mentee or the program lead can answer its rematch offer", not_theirs=True
        )
    if not pair.active:
        return Refusal("the pair has already ended", not_theirs=False)
    if not pair.at_risk:
        return Refusal("the pair is not flagged at risk", not_theirs=False)
    if pair.rematch_confirmed_by is not None:
        return Refusal("a rematch is already confirmed for this pair", not_theirs=False)
    return None


def role_of(pair: PairStanding, confirmed_by: Confirmer) -> str | None:
    """The confirmer in words, for the program lead's note; None for someone outside the pair."""
    if confirmed_by == PROGRAM_LEAD:
        return "program lead"
    roles: dict[Confirmer, str] = {pair.mentor_id: "mentor", pair.mentee_id: "mentee"}
    return roles.get(confirmed_by)


def recovered(pair: PairStanding, status: HealthStatus) -> bool:
    """Whether a new health reading takes the pair's flag away: healthy again, and no one has confirmed the
    rematch yet (a confirmed rematch goes ahead: someone asked for it)."""
    return pair.at_risk and status == "healthy" and pair.rematch_confirmed_by is None

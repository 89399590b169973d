"""A pair as matching publishes it: what scheduling, feedback and notifications need of its two people."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from flipside_shared.events import PairCreated, PairMember

from .model import Participant, ScoredPair


def pair_created(pair_id: UUID, pair: ScoredPair, matched_at: datetime) -> PairCreated:
    return PairCreated(
        pair_id=pair_id,
        program_id=pair.mentor.profile.program_id,
        mentor=member(pair.mentor),
        mentee=member(pair.mentee),
        score=pair.score,
        score_breakdown=pair.breakdown,
        reasons=list(pair.reasons),
        matched_at=matched_at,
    )


def member(participant: Participant) -> PairMember:
    profile = participant.profile
    return PairMember(
        participant_id=participant.participant_id,
        time_zone=profile.time_zone,
        working_hours=profile.working_hours,
        country=profile.country,
        hours_per_month=profile.hours_per_month,
    )

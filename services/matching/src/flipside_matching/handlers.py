"""What matching does with each event it consumes."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import structlog

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import PairCreated, PairMember, ParticipantEnrolled, ParticipantErased
from flipside_shared.unit_of_work import UnitOfWork

from .domain.model import MatchPolicy, Participant, anonymised
from .domain.pairing import best_partner
from .repository import MatchingRepository

log = structlog.get_logger(__name__)

# The placeholder scores only the longest-waiting candidates; the full engine replaces this.
CANDIDATES_CONSIDERED = 200


def build_handlers(policy: MatchPolicy) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.handles(ParticipantEnrolled)
    async def participant_enrolled(uow: UnitOfWork, event: ParticipantEnrolled) -> None:
        repository = MatchingRepository(uow.conn)
        await repository.lock_program(event.profile.program_id)
        newcomer = await repository.add_participant(event.participant_id, event.profile)
        if newcomer is None:
            log.info("participant already enrolled", participant_id=str(event.participant_id))
            return
        waiting = await repository.waiting_counterparts(newcomer, policy, limit=CANDIDATES_CONSIDERED)
        candidate = best_partner(newcomer, waiting, policy)
        if candidate is None:
            return
        pair_id = uuid4()
        await repository.add_pair(pair_id, candidate)
        uow.emit(
            PairCreated(
                pair_id=pair_id,
                program_id=event.profile.program_id,
                mentor=_member(candidate.mentor),
                mentee=_member(candidate.mentee),
                score=candidate.score,
                reasons=list(candidate.reasons),
                matched_at=datetime.now(UTC),
            )
        )

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: UnitOfWork, event: ParticipantErased) -> None:
        repository = MatchingRepository(uow.conn)
        profile = await repository.profile_for_update(event.participant_id)
        if profile is None:
            log.info("erasure of an unknown participant", participant_id=str(event.participant_id))
            return
        await repository.save_erased(event.participant_id, anonymised(profile))

    return handlers


def _member(participant: Participant) -> PairMember:
    profile = participant.profile
    return PairMember(
        participant_id=participant.participant_id,
        time_zone=profile.time_zone,
        working_hours=profile.working_hours,
        country=profile.country,
    )

"""What feedback does with each event it consumes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import CheckInDue, FeedbackRequested, ParticipantErased
from flipside_shared.unit_of_work import UnitOfWork

from .domain.links import sign
from .repository import FeedbackRepository
from .settings import FeedbackSettings


def build_handlers(settings: FeedbackSettings) -> EventHandlers:
    handlers = EventHandlers()
    secret = settings.link_secret.get_secret_value().encode()

    @handlers.handles(CheckInDue)
    async def check_in_due(uow: UnitOfWork, check_in: CheckInDue) -> None:
        """Ask both people, each with a link of their own, once per session."""
        repository = FeedbackRepository(uow.conn)
        expires_at = datetime.now(UTC) + timedelta(days=settings.link_valid_days)
        for role, participant_id in (("mentor", check_in.mentor_id), ("mentee", check_in.mentee_id)):
            request_id = uuid4()
            asked = await repository.add_request(
                request_id, check_in.session_id, check_in.pair_id, check_in.program_id, participant_id, role, expires_at
            )
            if asked:
                uow.emit(
                    FeedbackRequested(
                        request_id=request_id,
                        pair_id=check_in.pair_id,
                        session_id=check_in.session_id,
                        participant_id=participant_id,
                        role=role,
                        survey_url=f"{settings.survey_base_url()}/surveys/{sign(request_id, expires_at, secret)}",
                        expires_at=expires_at,
                    )
                )

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: UnitOfWork, event: ParticipantErased) -> None:
        await FeedbackRepository(uow.conn).erase_free_text(event.participant_id)

    return handlers

"""People's exports (the right of access): matching takes the request, every service answers with its part, and
matching assembles the parts into one document the person may download until it expires.

The request and its event commit together; each part is kept as it arrives, in the consumer's transaction; the
expiry worker deletes what has expired, once, across replicas (`FOR UPDATE SKIP LOCKED`).
"""

from __future__ import annotations

from uuid import UUID, uuid4

import structlog

from flipside_shared.clock import Clock
from flipside_shared.consumer import EventHandlers, RejectedEvent
from flipside_shared.erasures import was_erased
from flipside_shared.events import PersonalDataExported, PersonalDataExportRequested
from flipside_shared.polling import drain_forever
from flipside_shared.service import Runtime
from flipside_shared.unit_of_work import UnitOfWork

from .domain.exports import ExportRequest, ExportTerms, Gathering, Piece, Ready, assemble, sent_by_its_service
from .domain.refusals import Gone, NotFound, NotTheirs, Refused
from .export_repository import ExportRepository
from .repository import MatchingRepository

log = structlog.get_logger(__name__)

Unit = UnitOfWork[MatchingRepository]


class PersonalDataExports:
    def __init__(self, clock: Clock, terms: ExportTerms) -> None:
        self._clock = clock
        self._terms = terms

    async def request(self, uow: Unit, participant_id: UUID) -> ExportRequest:
        """Ask every service for what it holds about the person; the export is theirs to download once assembled."""
        exports = ExportRepository(uow.conn)
        if await was_erased(uow.conn, participant_id):
            raise Gone(
                f"participant {participant_id} was erased",
                "this participant was erased: Flipside holds nothing more about them",
            )
        if not await exports.ever_enrolled(participant_id):
            raise NotFound(f"no participant {participant_id}", "no participant with this id")
        now = self._clock.now()
        request = ExportRequest(
            export_id=uuid4(),
            participant_id=participant_id,
            requested_at=now,
            answer_by=self._terms.answer_by(now),
            expires_at=self._terms.expires_at(now),
        )
        await exports.add(request)
        uow.emit(
            PersonalDataExportRequested(export_id=request.export_id, participant_id=participant_id, requested_at=now)
        )
        return request

    async def part_received(self, uow: Unit, event: PersonalDataExported) -> None:
        """Keep one piece of one service's part, if its export is still wanted (not expired, the person not erased)."""
        source = uow.cause.source if uow.cause is not None else ""
        if not sent_by_its_service(source, event.service):
            raise NotTheirs(f"a part of an export for {event.service!r} came from {source!r}, not from that service")
        piece = Piece(event.service, event.piece, event.pieces, event.document)
        if not await ExportRepository(uow.conn).add_piece(event.export_id, event.participant_id, piece):
            log.info("part of an export no longer wanted", export_id=str(event.export_id), service=event.service)

    async def of(self, uow: Unit, participant_id: UUID) -> list[ExportRequest]:
        return await ExportRepository(uow.conn).requests_of(participant_id, self._clock.now())

    async def download(self, uow: Unit, participant_id: UUID, export_id: UUID) -> Gathering | Ready:
        exports = ExportRepository(uow.conn)
        request = await exports.request(export_id, participant_id)
        now = self._clock.now()
        if request is None or request.expired(now):
            raise NotFound(
                f"no export {export_id} of participant {participant_id}",
                "no such export of this participant (an export is deleted when it expires or the person is erased)",
            )
        return assemble(request, await exports.pieces(export_id), now)

    async def delete_expired(self, uow: Unit, limit: int) -> int:
        return await ExportRepository(uow.conn).delete_expired(self._clock.now(), limit)


def take_export_parts(handlers: EventHandlers[MatchingRepository], exports: PersonalDataExports) -> None:
    """Matching assembles the exports it took the requests for: it keeps every service's part as it arrives."""

    @handlers.handles(PersonalDataExported)
    async def part_exported(uow: Unit, event: PersonalDataExported) -> None:
        try:
            await exports.part_received(uow, event)
        except Refused as refusal:
            raise RejectedEvent(str(refusal)) from None


class ExportExpiry:
    """The worker that deletes exports past their time, with every piece of them."""

    def __init__(self, exports: PersonalDataExports, poll_seconds: float, batch_size: int = 200) -> None:
        self._exports = exports
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size

    async def run(self, runtime: Runtime[MatchingRepository]) -> None:
        await drain_forever(lambda: self.delete_due(runtime), self._batch_size, self._poll_seconds)

    async def delete_due(self, runtime: Runtime[MatchingRepository]) -> int:
        async with runtime.units.begin() as uow:
            deleted = await self._exports.delete_expired(uow, self._batch_size)
        if deleted:
            log.info("expired exports deleted", count=deleted)
        return deleted

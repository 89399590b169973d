"""The proposal expiry worker: a proposal nobody answered in time is declined, once, across replicas.

Each round claims expired proposals with `FOR UPDATE SKIP LOCKED`, marks them expired and writes
`PairDeclined` to the outbox in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from flipside_shared.events import PairDeclined
from flipside_shared.polling import drain_forever
from flipside_shared.service import Runtime

from .repository import MatchingRepository

log = structlog.get_logger(__name__)


class ProposalExpiry:
    def __init__(self, poll_seconds: float, batch_size: int = 200) -> None:
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size

    async def run(self, runtime: Runtime) -> None:
        await drain_forever(lambda: self.expire_due(runtime), self._batch_size, self._poll_seconds)

    async def expire_due(self, runtime: Runtime) -> int:
        async with runtime.units.begin() as uow:
            expired = await MatchingRepository(uow.conn).claim_expired_proposals(self._batch_size)
            for proposal in expired:
                uow.emit(PairDeclined(
                    pair_id=proposal.pair_id, program_id=proposal.program_id, reason="expired",
                    note=f"not answered by {proposal.expires_at:%Y-%m-%d %H:%M} UTC", declined_at=datetime.now(UTC),
                ))
        if expired:
            log.info("proposals expired", count=len(expired))
        return len(expired)

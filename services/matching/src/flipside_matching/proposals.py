"""The proposal expiry worker: a proposal nobody answered in time is declined, once, across replicas.

Each round claims expired proposals with `FOR UPDATE SKIP LOCKED`, marks them expired and writes
`PairDeclined` to the outbox in one transaction.
"""

from __future__ import annotations

import structlog

from flipside_shared.polling import drain_forever
from flipside_shared.service import Runtime

from .matcher import Matcher
from .repository import MatchingRepository

log = structlog.get_logger(__name__)


class ProposalExpiry:
    def __init__(self, matcher: Matcher, poll_seconds: float, batch_size: int = 200) -> None:
        self._matcher = matcher
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size

    async def run(self, runtime: Runtime[MatchingRepository]) -> None:
        await drain_forever(lambda: self.expire_due(runtime), self._batch_size, self._poll_seconds)

    async def expire_due(self, runtime: Runtime[MatchingRepository]) -> int:
        async with runtime.units.begin() as uow:
            expired = await self._matcher.expire_proposals(uow, self._batch_size)
        if expired:
            log.info("proposals expired", count=expired)
        return expired

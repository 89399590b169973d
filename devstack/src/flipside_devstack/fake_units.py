"""Units of work without a database, for fast tests of handlers and service layers.

The test hands in an in-memory repository with the methods the code under test calls; the events the code
emits are in the unit's `emitted` list, as the outbox would have received them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, cast

import asyncpg

from flipside_shared.envelope import Envelope
from flipside_shared.unit_of_work import UnitOfWork

Repository = TypeVar("Repository")


def fake_unit_of_work(
    repository: Repository,
    source: str = "/flipside/test",
    cause: Envelope | None = None,
    causes: Sequence[Envelope] = (),
) -> UnitOfWork[Repository]:
    """A unit of one `cause`, or of several `causes` handed to a handler of many at once."""
    # No connection: the shared machinery that needs one (inbox, erasure records) is not what these tests drive.
    return UnitOfWork(
        conn=cast(asyncpg.Connection, None),
        source=source,
        repository=repository,
        cause=cause,
        causes={id(envelope.event): envelope for envelope in causes},
    )

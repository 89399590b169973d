"""The `programs` stream: what happens to a program as a whole, keyed by program id."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from ..text import Identifier
from . import sources as source
from .base import Event, Stream

PROGRAMS = Stream(name="programs", key_field="program_id")


class MatchRunRequested(Event):
    """Pair everyone in the program who still has room, with the globally best assignment."""

    ce_type = "flipside.program.match-run-requested.v1"
    stream = PROGRAMS
    sources = (source.MATCHING,)

    program_id: Identifier = Field(min_length=1)
    run_id: UUID
    requested_at: datetime
    replace_unlocked: bool = Field(
        default=False,
        description="Rerun: active pairs not locked may be replaced by better ones (PairDissolved with reason rerun).",
    )

"""What feedback's routes receive from FastAPI, named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from flipside_shared.auth.rules import PairPeople, path_uuid, require_lead_or_sponsor
from flipside_shared.clock import Clock
from flipside_shared.dependencies import clock, component, units
from flipside_shared.unit_of_work import UnitOfWorkFactory

from .handlers import FeedbackLoop
from .repository import FeedbackRepository
from .settings import FeedbackSettings

Units = Annotated[UnitOfWorkFactory[FeedbackRepository], Depends(units)]
Settings = Annotated[FeedbackSettings, Depends(component(FeedbackSettings))]
ClockDependency = Annotated[Clock, Depends(clock)]
LoopDependency = Annotated[FeedbackLoop, Depends(component(FeedbackLoop))]


async def _sponsors_of(request: Request, program_id: str) -> frozenset[str]:
    async with units(request).reading() as repository:
        return await repository.sponsors(program_id)


LeadOrSponsor = Depends(require_lead_or_sponsor(_sponsors_of))
"""A lead or an executive sponsor of the program in the path, or an admin: for routes of aggregate results only."""


async def people_of_pair(request: Request) -> PairPeople | None:
    """The two people of the pair in the path, for `require_pair_member`."""
    async with units(request).reading() as repository:
        members = await repository.pair_members(path_uuid(request, "pair_id"))
    return None if members is None else PairPeople((members.mentor_id, members.mentee_id))

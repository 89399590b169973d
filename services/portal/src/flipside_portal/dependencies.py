"""What the portal's pages receive from FastAPI, named once: who is looking, and the portal's parts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from flipside_shared.clock import Clock
from flipside_shared.dependencies import clock, component, units
from flipside_shared.unit_of_work import UnitOfWorkFactory

from .i18n import N_
from .repository import BrowserSession, PortalRepository
from .services import Services
from .settings import PortalSettings
from .visitors import NotAllowed, SignIn, SignInRequired, leads, participant_of
from .web import Pages

Units = Annotated[UnitOfWorkFactory[PortalRepository], Depends(units)]
Settings = Annotated[PortalSettings, Depends(component(PortalSettings))]
PagesDependency = Annotated[Pages, Depends(component(Pages))]
ServicesDependency = Annotated[Services, Depends(component(Services))]
SignInDependency = Annotated[SignIn, Depends(component(SignIn))]
ClockDependency = Annotated[Clock, Depends(clock)]


async def visitor_or_nobody(
    request: Request, portal_units: Units, sign_in: SignInDependency, now: ClockDependency
) -> BrowserSession | None:
    visitor = await sign_in.visitor(request, portal_units, now.now())
    request.state.visitor = visitor  # every page's header shows who is signed in
    return visitor


async def signed_in(visitor: Annotated[BrowserSession | None, Depends(visitor_or_nobody)]) -> BrowserSession:
    if visitor is None:
        raise SignInRequired
    return visitor


async def a_participant(visitor: Annotated[BrowserSession, Depends(signed_in)]) -> BrowserSession:
    participant_of(visitor)
    return visitor


async def a_lead_of_the_program(
    request: Request, visitor: Annotated[BrowserSession, Depends(signed_in)]
) -> BrowserSession:
    program_id = request.path_params.get("program_id", "")
    if not leads(visitor, program_id):
        raise NotAllowed(N_("Only the leads of this program open its pages."))
    return visitor


async def an_admin(visitor: Annotated[BrowserSession, Depends(signed_in)]) -> BrowserSession:
    if not visitor.is_admin:
        raise NotAllowed(N_("Only administrators open this page."))
    return visitor


MaybeVisitor = Annotated[BrowserSession | None, Depends(visitor_or_nobody)]
Visitor = Annotated[BrowserSession, Depends(signed_in)]
Participant = Annotated[BrowserSession, Depends(a_participant)]
Lead = Annotated[BrowserSession, Depends(a_lead_of_the_program)]
Admin = Annotated[BrowserSession, Depends(an_admin)]

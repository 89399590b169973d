"""What matching's routes receive from FastAPI, named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from flipside_shared.auth.rules import authenticated, require_self, require_self_or_lead
from flipside_shared.auth.tokens import Principal
from flipside_shared.dependencies import component, units
from flipside_shared.unit_of_work import UnitOfWorkFactory

from ..matcher import Matcher
from ..repository import MatchingRepository

Units = Annotated[UnitOfWorkFactory[MatchingRepository], Depends(units)]
MatcherDependency = Annotated[Matcher, Depends(component(Matcher))]

Caller = Annotated[Principal, Depends(authenticated)]
"""Whoever the bearer token names; routes that act for someone check it is them (`acting_as`)."""
SelfOrAdmin = Annotated[Principal, Depends(require_self())]
"""The participant the path names, or an admin."""
SelfOrLead = Annotated[Principal, Depends(require_self_or_lead())]
"""The participant the path names, a lead of the program it names, or an admin."""

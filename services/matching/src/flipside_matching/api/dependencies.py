"""What matching's routes receive from FastAPI, named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from flipside_shared.dependencies import component, units
from flipside_shared.unit_of_work import UnitOfWorkFactory

from ..matcher import Matcher
from ..repository import MatchingRepository

Units = Annotated[UnitOfWorkFactory[MatchingRepository], Depends(units)]
MatcherDependency = Annotated[Matcher, Depends(component(Matcher))]

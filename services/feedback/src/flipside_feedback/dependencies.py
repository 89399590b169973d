"""What feedback's routes receive from FastAPI, named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

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

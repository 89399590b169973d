"""What scheduling's routes receive from FastAPI, named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from flipside_shared.dependencies import component, units
from flipside_shared.unit_of_work import UnitOfWorkFactory

from .handlers import Scheduler
from .repository import SchedulingRepository
from .settings import SchedulingSettings

Units = Annotated[UnitOfWorkFactory[SchedulingRepository], Depends(units)]
Settings = Annotated[SchedulingSettings, Depends(component(SchedulingSettings))]
SchedulerDependency = Annotated[Scheduler, Depends(component(Scheduler))]

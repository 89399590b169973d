"""What notifications' routes receive from FastAPI, named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from flipside_shared.dependencies import component, units
from flipside_shared.unit_of_work import UnitOfWorkFactory

from .repository import NotificationsRepository
from .settings import NotificationSettings

Units = Annotated[UnitOfWorkFactory[NotificationsRepository], Depends(units)]
Settings = Annotated[NotificationSettings, Depends(component(NotificationSettings))]

"""What a service's routes receive from FastAPI, typed, instead of reaching into `request.app.state`.

A service names its own once, e.g.
`Units = Annotated[UnitOfWorkFactory[SchedulingRepository], Depends(units)]` and
`SchedulerDependency = Annotated[Scheduler, Depends(component(Scheduler))]`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from .clock import Clock
from .service import running
from .settings import ServiceSettings
from .unit_of_work import UnitOfWorkFactory

T = TypeVar("T")

__all__ = ["clock", "component", "running", "settings", "units"]


def units(request: Request) -> UnitOfWorkFactory[Any]:
    """The running service's units of work: the only way its routes reach the database."""
    return running(request).units


def settings(request: Request) -> ServiceSettings:
    return running(request).settings


def component(kind: type[T]) -> Callable[[Request], T]:
    """A dependency handing out the service's component of type `kind` (see `ServiceDefinition.components`)."""

    def provide(request: Request) -> T:
        found = request.app.state.components.get(kind)
        if not isinstance(found, kind):
            raise LookupError(f"the service has no {kind.__name__} among its components")
        return found

    provide.__name__ = f"provide_{kind.__name__}"
    return provide


def clock(request: Request) -> Clock:
    """The service's clock among its components, whichever kind it is (system, accelerated, fixed in a test)."""
    for found in request.app.state.components.values():
        if isinstance(found, Clock):
            return found
    raise LookupError("the service has no clock among its components")

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
        return _component_of(request, kind)

    provide.__name__ = f"provide_{kind.__name__}"
    return provide


def clock(request: Request) -> Clock:
    """The service's clock among its components, whichever kind it is (system, accelerated, fixed in a test)."""
    return _component_of(request, Clock)  # type: ignore[type-abstract]  # a runtime-checkable protocol


def _component_of(request: Request, kind: type[T]) -> T:
    """The component of exactly `kind`, or else the one that is a `kind` (a subclass, a protocol's implementation)."""
    components: dict[type, object] = request.app.state.components
    found = components.get(kind)
    if found is None:
        found = next((c for c in components.values() if isinstance(c, kind)), None)
    if not isinstance(found, kind):
        raise LookupError(f"the service has no {kind.__name__} among its components")
    return found

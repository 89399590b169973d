"""How a service makes itself known to the tools above it: a `ServiceRegistration` named by an entry point.

A service's `pyproject.toml` registers it, and nothing else lists the services:

    [project.entry-points."flipside.services"]
    matching = "flipside_matching.registration:REGISTRATION"

The launcher, the operator CLI, contract generation and the topic and ACL plans find every
installed service with `registered_services()`, so adding one touches none of them. Most of them need a service's
name, settings and migrations only, so a registration names its wiring (`ServiceRegistration.wired_in`) and it
is imported when first asked for: listing the services costs their settings, not all they run on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .settings import ServiceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .service import ServiceDefinition

ENTRY_POINT_GROUP = "flipside.services"


@dataclass(frozen=True)
class ServiceRegistration:
    """A service as the tools above it see it. Its name is also its database schema and consumer group."""

    name: str
    settings: type[ServiceSettings]
    definition: Callable[[], ServiceDefinition[Any]]
    """What it consumes and emits, from its settings in the environment."""
    app: Callable[[], FastAPI]
    migrations: Path

    @classmethod
    def wired_in(cls, module: str, name: str, settings: type[ServiceSettings], migrations: Path) -> ServiceRegistration:
        """A service whose `module` holds `definition()` and `app()`, imported on the first call of either."""

        def definition() -> ServiceDefinition[Any]:
            made: ServiceDefinition[Any] = import_module(module).definition()
            return made

        def app() -> FastAPI:
            made: FastAPI = import_module(module).app()
            return made

        return cls(name=name, settings=settings, definition=definition, app=app, migrations=migrations)

    @property
    def http_port(self) -> int:
        """Where it listens unless told otherwise: `make up`, compose and the Kubernetes files use the same."""
        port = self.settings.model_fields["http_port"].default
        if not isinstance(port, int):
            raise TypeError(f"{self.settings.__name__}.http_port has no default port")
        return port


class NotARegistration(TypeError):
    """An entry point of the group names something other than the service it is named after."""


def registered_services() -> dict[str, ServiceRegistration]:
    """Every installed service, by name, in the order of their HTTP ports (matching first, as it listens on 8001)."""
    registrations = [_load(entry_point) for entry_point in entry_points(group=ENTRY_POINT_GROUP)]
    return {r.name: r for r in sorted(registrations, key=lambda r: (r.http_port, r.name))}


def _load(entry_point: EntryPoint) -> ServiceRegistration:
    registration = entry_point.load()
    if not isinstance(registration, ServiceRegistration) or registration.name != entry_point.name:
        raise NotARegistration(
            f"entry point {entry_point.name} = {entry_point.value} of {ENTRY_POINT_GROUP}"
            f" is not the ServiceRegistration of {entry_point.name}"
        )
    return registration

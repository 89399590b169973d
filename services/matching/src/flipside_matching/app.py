"""The one place that wires matching: settings, handlers, API, migrations."""

from __future__ import annotations

from pathlib import Path

from flipside_shared.service import ServiceDefinition, create_app
from flipside_shared.settings import ServiceSettings

from .api import router
from .handlers import handlers

SERVICE = "matching"


def definition(settings: ServiceSettings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name=SERVICE,
        settings=settings or ServiceSettings(),
        migrations=Path(__file__).parent / "migrations",
        handlers=handlers,
        api=router,
    )


def app():  # uvicorn factory
    return create_app(definition())

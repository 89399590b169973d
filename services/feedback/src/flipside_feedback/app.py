"""The one place that wires feedback: settings, handlers, API, migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from flipside_shared.events import FeedbackRequested
from flipside_shared.service import ServiceDefinition, create_app

from .api import router
from .handlers import build_handlers
from .settings import FeedbackSettings

SERVICE = "feedback"


def definition(settings: FeedbackSettings | None = None) -> ServiceDefinition:
    settings = settings or FeedbackSettings()
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        handlers=build_handlers(settings),
        api=router,
        emits=(FeedbackRequested,),
    )


def app(settings: FeedbackSettings | None = None) -> FastAPI:
    return create_app(definition(settings))

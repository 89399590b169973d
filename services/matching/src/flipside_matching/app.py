"""The one place that wires matching: settings, handlers, API, migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from flipside_shared.events import PairCreated, ParticipantEnrolled, ParticipantErased
from flipside_shared.service import ServiceDefinition, create_app

from .api import router
from .handlers import build_handlers
from .settings import MatchingSettings

SERVICE = "matching"


def definition(settings: MatchingSettings | None = None) -> ServiceDefinition:
    settings = settings or MatchingSettings()
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        handlers=build_handlers(settings.policy()),
        api=router,
        emits=(ParticipantEnrolled, ParticipantErased, PairCreated),
    )


def app(settings: MatchingSettings | None = None) -> FastAPI:
    return create_app(definition(settings))

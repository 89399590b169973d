"""A fifth service for the tests only: it exists for Flipside's tools through its entry point and nothing else."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from fastapi import FastAPI

from flipside_shared.consumer import EventHandlers
from flipside_shared.events import PairCreated
from flipside_shared.registration import ServiceRegistration
from flipside_shared.service import ServiceDefinition, create_app
from flipside_shared.settings import ServiceSettings
from flipside_shared.unit_of_work import UnitOfWork

SERVICE = "almanac"
MIGRATIONS = Path(__file__).parent / "migrations"


class AlmanacSettings(ServiceSettings):
    http_port: int = 8006


def definition(settings: AlmanacSettings | None = None) -> ServiceDefinition[asyncpg.Connection]:
    handlers: EventHandlers[asyncpg.Connection] = EventHandlers()

    @handlers.handles(PairCreated)
    async def pair_created(uow: UnitOfWork[asyncpg.Connection], event: PairCreated) -> None:
        pass

    return ServiceDefinition(
        name=SERVICE,
        settings=settings or AlmanacSettings(),
        migrations=MIGRATIONS,
        repository=lambda conn: conn,
        handlers=handlers,
    )


def app(settings: AlmanacSettings | None = None) -> FastAPI:
    return create_app(definition(settings))


REGISTRATION = ServiceRegistration(
    name=SERVICE, settings=AlmanacSettings, definition=definition, app=app, migrations=MIGRATIONS
)

"""`python -m flipside_<service>`: check the configuration, then serve the app with uvicorn until SIGTERM."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from .collector import set_for_batches
from .preflight import (
    ConfigurationError,
    check_reachable,
    fail,
    load_settings,
    require_authentication,
    require_complete,
)
from .settings import ServiceSettings

Settings = TypeVar("Settings", bound=ServiceSettings)


def serve(app_factory: Callable[[Settings], FastAPI], settings_class: type[Settings]) -> None:
    try:
        settings = load_settings(settings_class)
        require_authentication(settings)
        require_complete(settings)
        asyncio.run(check_reachable(settings, settings.startup_timeout_seconds))
    except ConfigurationError as error:
        fail(error)
    app = app_factory(settings)
    set_for_batches()
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )

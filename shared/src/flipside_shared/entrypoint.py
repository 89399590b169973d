"""`python -m flipside_<service>`: serve the service's app with uvicorn until SIGTERM."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from .settings import ServiceSettings


def serve(app_factory: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )

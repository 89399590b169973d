"""The one place that wires scheduling: settings, clock, handlers, timer worker, API, migrations."""

from __future__ import annotations

from fastapi import FastAPI

from flipside_shared.events import (
    CheckInDue,
    PersonalDataExported,
    ReminderDue,
    SchedulingFailed,
    SessionCancelled,
    SessionCancelledV1,
    SessionRescheduled,
    SessionScheduled,
)
from flipside_shared.personal_data import answer_export_requests
from flipside_shared.service import ServiceDefinition, create_app

from .api import router
from .exports import PERSONAL_DATA
from .handlers import Scheduler, build_handlers
from .registration import MIGRATIONS, SERVICE
from .repository import SchedulingRepository
from .settings import SchedulingSettings
from .timers import TimerWorker


def definition(settings: SchedulingSettings | None = None) -> ServiceDefinition[SchedulingRepository]:
    settings = settings or SchedulingSettings()
    clock = settings.clock()
    timers = TimerWorker(clock, settings.timer_poll_seconds, settings.timer_batch_size)
    scheduler = Scheduler(clock, settings.policy())
    handlers = build_handlers(scheduler)
    answer_export_requests(handlers, SERVICE, PERSONAL_DATA, clock)
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=MIGRATIONS,
        repository=SchedulingRepository,
        handlers=handlers,
        api=router,
        emits=(
            SessionScheduled,
            SessionRescheduled,
            SessionCancelled,
            SessionCancelledV1,
            SchedulingFailed,
            ReminderDue,
            CheckInDue,
            PersonalDataExported,
        ),
        workers=[timers.run],
        components=(scheduler, settings),
    )


def app(settings: SchedulingSettings | None = None) -> FastAPI:
    return create_app(definition(settings))

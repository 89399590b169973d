"""The one place that wires notifications: settings, template check, handlers, dispatcher, API, migrations."""

from __future__ import annotations

from fastapi import FastAPI

from flipside_shared.clock import SystemClock
from flipside_shared.events import NotificationFailed, NotificationSent, NotificationSentV1, PersonalDataExported
from flipside_shared.personal_data import answer_export_requests
from flipside_shared.service import ServiceDefinition, create_app

from .api import router
from .dispatcher import Dispatcher
from .domain.rendering import check_templates
from .exports import PERSONAL_DATA
from .handlers import build_handlers
from .notices import Notices
from .registration import MIGRATIONS, SERVICE
from .repository import NotificationsRepository
from .run_summaries import RunSummaries
from .settings import NotificationSettings
from .weekly_digests import WeeklyDigests


def definition(settings: NotificationSettings | None = None) -> ServiceDefinition[NotificationsRepository]:
    settings = settings or NotificationSettings()
    clock = SystemClock()
    # A template that cannot render stops the deployment here, not a message at 2 am.
    check_templates(settings.default_locale)
    clock = SystemClock()
    notices = Notices(settings)
    handlers = build_handlers(notices)
    answer_export_requests(handlers, SERVICE, PERSONAL_DATA, clock)
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=MIGRATIONS,
        repository=NotificationsRepository,
        handlers=handlers,
        api=router,
        emits=(NotificationSent, NotificationSentV1, NotificationFailed, PersonalDataExported),
        workers=[
            Dispatcher(settings, clock).run,
            RunSummaries(notices, settings, clock).run,
            WeeklyDigests(notices, settings, clock).run,
        ],
        components=(settings, clock),
    )


def app(settings: NotificationSettings | None = None) -> FastAPI:
    return create_app(definition(settings))

"""The one place that wires feedback: settings, the clock, the feedback loop, handlers, silence watch, API, migrations."""

from __future__ import annotations

from fastapi import FastAPI

from flipside_shared.clock import SystemClock
from flipside_shared.events import (
    FeedbackRequested,
    GoalAchieved,
    GoalProgressed,
    GoalSet,
    PairAtRisk,
    PairHealthChanged,
    PersonalDataExported,
    RecognitionAwarded,
)
from flipside_shared.personal_data import answer_export_requests
from flipside_shared.service import ServiceDefinition, create_app

from .api import router
from .exports import CONTRIBUTOR, PERSONAL_DATA
from .handlers import FeedbackLoop, build_handlers
from .registration import MIGRATIONS, SERVICE
from .repository import FeedbackRepository
from .settings import FeedbackSettings
from .silence import SilenceWatch
from .stories import StoryBook


def definition(settings: FeedbackSettings | None = None) -> ServiceDefinition[FeedbackRepository]:
    settings = settings or FeedbackSettings()
    clock = SystemClock()
    loop = FeedbackLoop(settings, clock)
    handlers = build_handlers(loop, clock)
    answer_export_requests(handlers, SERVICE, PERSONAL_DATA, clock, keys={CONTRIBUTOR: loop.contributor_hash})
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=MIGRATIONS,
        repository=FeedbackRepository,
        handlers=handlers,
        api=router,
        emits=(
            FeedbackRequested,
            GoalSet,
            GoalProgressed,
            GoalAchieved,
            PairHealthChanged,
            PairAtRisk,
            RecognitionAwarded,
            PersonalDataExported,
        ),
        workers=[SilenceWatch(loop, clock, settings.health_sweep_seconds).run],
        components=(loop, StoryBook(clock), settings, clock),
    )


def app(settings: FeedbackSettings | None = None) -> FastAPI:
    return create_app(definition(settings))

"""The one place that wires matching: settings, taxonomy, handlers, API, migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from flipside_shared.events import (
    MatchRunRequested,
    PairAccepted,
    PairCreated,
    PairDeclined,
    PairDissolved,
    PairProposed,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUnmatched,
    ParticipantUpdated,
    ParticipantWithdrawn,
)
from flipside_shared.registration import ServiceRegistration
from flipside_shared.service import ServiceDefinition, create_app

from .api import Engine, router
from .domain.taxonomy import Taxonomy
from .handlers import build_handlers, utc_today
from .inbound import take_inbound
from .proposals import ProposalExpiry
from .repository import MatchingRepository
from .settings import MatchingSettings

SERVICE = "matching"
MIGRATIONS = Path(__file__).parent / "migrations"


def definition(settings: MatchingSettings | None = None) -> ServiceDefinition[MatchingRepository]:
    settings = settings or MatchingSettings()
    taxonomy = Taxonomy.load(settings.taxonomy_file)
    handlers = build_handlers(taxonomy, utc_today)
    take_inbound(handlers)
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=MIGRATIONS,
        repository=MatchingRepository,
        handlers=handlers,
        api=router,
        emits=(
            ParticipantEnrolled, ParticipantUpdated, ParticipantWithdrawn, ParticipantErased, ParticipantUnmatched, MatchRunRequested,
            PairCreated, PairDissolved, PairProposed, PairAccepted, PairDeclined,
        ),
        workers=[ProposalExpiry(settings.proposal_poll_seconds).run],
        components=(Engine(taxonomy, utc_today),),
    )


def app(settings: MatchingSettings | None = None) -> FastAPI:
    return create_app(definition(settings))


# Named by the `flipside.services` entry point in pyproject.toml: how the launcher, the CLI and the plans find matching.
REGISTRATION = ServiceRegistration(name=SERVICE, settings=MatchingSettings, definition=definition, app=app, migrations=MIGRATIONS)

"""The one place that wires matching: settings, taxonomy, clock, the `Matcher`, handlers, API, migrations."""

from __future__ import annotations

from fastapi import FastAPI

from flipside_shared.clock import SystemClock
from flipside_shared.events import (
    MatchRunRequested,
    PairAccepted,
    PairCompleted,
    PairCreated,
    PairDeclined,
    PairDissolved,
    PairProposed,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUnmatched,
    ParticipantUpdated,
    ParticipantWithdrawn,
    PersonalDataExported,
    PersonalDataExportRequested,
    ProgramCancelled,
    ProgramCompleted,
    ProgramDefined,
    ProgramEnrolmentClosed,
    ProgramOpened,
    ProgramStarted,
)
from flipside_shared.personal_data import answer_export_requests
from flipside_shared.service import ServiceDefinition, create_app

from .api import router
from .api.people_import import IMPORT_PATHS
from .content import ProgramContent
from .domain.taxonomy import Taxonomy
from .exports import PERSONAL_DATA
from .handlers import build_handlers
from .inbound import take_inbound
from .matcher import Matcher
from .people_import import PeopleImport
from .personal_exports import ExportExpiry, PersonalDataExports, take_export_parts
from .proposals import ProposalExpiry
from .registration import MIGRATIONS, SERVICE
from .repository import MatchingRepository
from .scim_users import ScimUsers
from .settings import MatchingSettings


def definition(settings: MatchingSettings | None = None) -> ServiceDefinition[MatchingRepository]:
    settings = settings or MatchingSettings()
    taxonomy = Taxonomy.load(settings.taxonomy_file)
    clock = SystemClock()
    matcher = Matcher(taxonomy, clock)
    exports = PersonalDataExports(clock, settings.export_terms())
    scim_users = ScimUsers(matcher, clock, settings.auth.participant_claim)
    people_import = PeopleImport(matcher, clock)
    handlers = build_handlers(matcher)
    take_inbound(handlers, matcher)
    answer_export_requests(handlers, SERVICE, PERSONAL_DATA, clock)
    take_export_parts(handlers, exports)
    return ServiceDefinition(
        name=SERVICE,
        settings=settings,
        migrations=MIGRATIONS,
        repository=MatchingRepository,
        handlers=handlers,
        api=router,
        emits=(
            ParticipantEnrolled,
            ParticipantUpdated,
            ParticipantWithdrawn,
            ParticipantErased,
            ParticipantUnmatched,
            MatchRunRequested,
            ProgramDefined,
            ProgramOpened,
            ProgramEnrolmentClosed,
            ProgramStarted,
            ProgramCompleted,
            ProgramCancelled,
            PairCreated,
            PairDissolved,
            PairProposed,
            PairAccepted,
            PairDeclined,
            PairCompleted,
            PersonalDataExportRequested,
            PersonalDataExported,
        ),
        workers=[
            ProposalExpiry(matcher, settings.proposal_poll_seconds).run,
            ExportExpiry(exports, settings.export_poll_seconds).run,
        ],
        components=(matcher, ProgramContent(clock), taxonomy, exports, scim_users, people_import),
        larger_bodies={IMPORT_PATHS: settings.import_max_bytes},
    )


def app(settings: MatchingSettings | None = None) -> FastAPI:
    return create_app(definition(settings))

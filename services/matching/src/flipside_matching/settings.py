"""Matching's own settings, beside those every service has."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field

from flipside_shared.settings import ServiceSettings

from .domain.exports import ExportTerms
from .domain.taxonomy import DEFAULT_TAXONOMY


class MatchingSettings(ServiceSettings):
    http_port: int = 8001
    taxonomy_file: Path = Field(
        default=DEFAULT_TAXONOMY,
        validation_alias="FLIPSIDE_MATCHING_TAXONOMY_FILE",
        description="The skills taxonomy: synonyms and related topics (TOML; see the one shipped with the service).",
    )
    proposal_poll_seconds: float = Field(
        default=30.0,
        gt=0,
        validation_alias="FLIPSIDE_MATCHING_PROPOSAL_POLL_SECONDS",
        description="How often unanswered proposals are looked for and expired.",
    )
    export_answer_seconds: float = Field(
        default=600.0,
        gt=0,
        validation_alias="FLIPSIDE_MATCHING_EXPORT_ANSWER_SECONDS",
        description="How long the services have to answer a person's export request; after that the export is "
        "assembled from what arrived, naming the services that did not answer.",
    )
    export_keep_seconds: float = Field(
        default=604800.0,
        gt=0,
        validation_alias="FLIPSIDE_MATCHING_EXPORT_KEEP_SECONDS",
        description="How long an export stays downloadable after the time to answer, before it is deleted.",
    )
    export_poll_seconds: float = Field(
        default=60.0,
        gt=0,
        validation_alias="FLIPSIDE_MATCHING_EXPORT_POLL_SECONDS",
        description="How often expired exports are looked for and deleted.",
    )

    def export_terms(self) -> ExportTerms:
        return ExportTerms(timedelta(seconds=self.export_answer_seconds), timedelta(seconds=self.export_keep_seconds))

    import_max_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        validation_alias="FLIPSIDE_MATCHING_IMPORT_MAX_BYTES",
        description="Largest CSV file of people a lead may import (a larger one is answered 413).",
    )

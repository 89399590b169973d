"""Matching's own settings, beside those every service has."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from flipside_shared.settings import ServiceSettings

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
    import_max_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        validation_alias="FLIPSIDE_MATCHING_IMPORT_MAX_BYTES",
        description="Largest CSV file of people a lead may import (a larger one is answered 413).",
    )

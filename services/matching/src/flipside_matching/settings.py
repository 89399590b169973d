"""Matching's own settings, beside those every service has."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from flipside_shared.settings import ServiceSettings

from .domain.taxonomy import DEFAULT_TAXONOMY


class MatchingSettings(ServiceSettings):
    http_port: int = 8001
    taxonomy_file: Path = Field(
        default=DEFAULT_TAXONOMY, validation_alias="FLIPSIDE_MATCHING_TAXONOMY_FILE",
        description="The skills taxonomy: synonyms and related topics (TOML; see the one shipped with the service).",
    )

"""Matching's own settings, beside those every service has."""

from __future__ import annotations

from pydantic import Field

from flipside_shared.settings import ServiceSettings

from .domain.model import MatchPolicy


class MatchingSettings(ServiceSettings):
    http_port: int = 8001
    min_grade_gap: int = Field(
        default=1, ge=0, le=10, validation_alias="FLIPSIDE_MATCHING_MIN_GRADE_GAP",
        description="How many grades below the mentee the mentor is at least (the reverse rule).",
    )

    def policy(self) -> MatchPolicy:
        return MatchPolicy(min_grade_gap=self.min_grade_gap)

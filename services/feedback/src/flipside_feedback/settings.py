"""Feedback's own settings, beside those every service has."""

from __future__ import annotations

from pydantic import Field, SecretStr

from flipside_shared.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    http_port: int = 8003
    link_secret: SecretStr = Field(
        default=SecretStr("development-only-survey-link-secret"),
        validation_alias="FLIPSIDE_FEEDBACK_LINK_SECRET",
        description="HMAC key of survey links (notifications makes them with it); set a long random value in production.",
    )
    link_valid_days: int = Field(default=14, ge=1, le=90, validation_alias="FLIPSIDE_FEEDBACK_LINK_VALID_DAYS")
    health_sweep_seconds: float = Field(
        default=300, gt=0, validation_alias="FLIPSIDE_FEEDBACK_HEALTH_SWEEP_SECONDS",
        description="How often pairs whose check-ins expired unanswered are judged anew.",
    )

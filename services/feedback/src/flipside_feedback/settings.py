"""Feedback's own settings, beside those every service has."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from flipside_shared.settings import ServiceSettings
from flipside_shared.signing_secrets import SigningSecret

from .domain.closed_periods import Closing


class FeedbackSettings(ServiceSettings):
    http_port: int = 8003
    link_secret: SigningSecret = Field(
        validation_alias="FLIPSIDE_FEEDBACK_LINK_SECRET",
        description="HMAC key of survey links (notifications makes them with it): required, at least 32 random bytes.",
    )
    concern_contributor_key: SigningSecret = Field(
        validation_alias="FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY",
        description="Key of the hash that counts distinct contributors of anonymous concerns: required, at least 32 "
        "random bytes, not the link secret, so one leaked key gives away neither links nor who raised what.",
    )
    link_valid_days: int = Field(default=14, ge=1, le=90, validation_alias="FLIPSIDE_FEEDBACK_LINK_VALID_DAYS")
    health_sweep_seconds: float = Field(
        default=300,
        gt=0,
        validation_alias="FLIPSIDE_FEEDBACK_HEALTH_SWEEP_SECONDS",
        description="How often pairs whose check-ins expired unanswered are judged anew.",
    )
    insights_closed_period: Literal["week", "month"] = Field(
        default="week",
        validation_alias="FLIPSIDE_FEEDBACK_INSIGHTS_CLOSED_PERIOD",
        description="Figures of answers cover periods that have ended: ISO weeks or calendar months.",
    )
    insights_time_zone: str = Field(
        default="UTC",
        validation_alias="FLIPSIDE_FEEDBACK_INSIGHTS_TIME_ZONE",
        description="The program's time zone (IANA name), where its weeks and months begin.",
    )

    @field_validator("insights_time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (LookupError, ValueError):
            raise ValueError(f"FLIPSIDE_FEEDBACK_INSIGHTS_TIME_ZONE: no time zone named {name!r}") from None
        return name

    @model_validator(mode="after")
    def _keys_apart(self) -> FeedbackSettings:
        if self.concern_contributor_key.get_secret_value() == self.link_secret.get_secret_value():
            raise ValueError("FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY must differ from FLIPSIDE_FEEDBACK_LINK_SECRET")
        return self

    def insights_closing(self) -> Closing:
        return Closing(self.insights_closed_period, ZoneInfo(self.insights_time_zone))

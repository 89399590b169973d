"""Notifications' own settings, beside those every service has."""

from __future__ import annotations

from pydantic import Field, SecretStr

from flipside_shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    http_port: int = 8004
    smtp_host: str = Field(default="127.0.0.1", validation_alias="FLIPSIDE_SMTP_HOST")
    smtp_port: int = Field(default=25, validation_alias="FLIPSIDE_SMTP_PORT")
    smtp_sender: str = Field(default="flipside@example.com", validation_alias="FLIPSIDE_SMTP_SENDER")
    smtp_starttls: bool = Field(default=False, validation_alias="FLIPSIDE_SMTP_STARTTLS")
    smtp_username: str | None = Field(default=None, validation_alias="FLIPSIDE_SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="FLIPSIDE_SMTP_PASSWORD")
    smtp_timeout_seconds: float = Field(default=10, gt=0, validation_alias="FLIPSIDE_SMTP_TIMEOUT_SECONDS")
    smtp_max_per_second: float = Field(
        default=50, gt=0, validation_alias="FLIPSIDE_SMTP_MAX_PER_SECOND",
        description="Sending rate limit, so a whole cohort does not flood the mail relay.",
    )
    dispatch_poll_seconds: float = Field(default=0.5, gt=0, validation_alias="FLIPSIDE_NOTIFICATIONS_POLL_SECONDS")
    dispatch_batch_size: int = Field(default=50, ge=1, validation_alias="FLIPSIDE_NOTIFICATIONS_BATCH_SIZE")

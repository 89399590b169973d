"""Notifications' own settings, beside those every service has.

Rate limits hold per replica: with N replicas a channel receives at most N times its limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from pydantic import Field, SecretStr, field_validator

from flipside_shared.personal_links import calendar_feed_url, survey_url
from flipside_shared.settings import ServiceSettings

from .domain.rendering import available_locales
from .domain.unsubscribe import unsubscribe_token


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
        description="E-mails per second, so a whole cohort does not flood the mail relay.",
    )
    smtp_connections: int = Field(
        default=4, ge=1, le=32, validation_alias="FLIPSIDE_SMTP_CONNECTIONS",
        description="E-mail batches sent at once, each over its own SMTP session; a person's e-mails always share one, in order.",
    )
    smtp_session_idle_seconds: float = Field(
        default=5, ge=0, validation_alias="FLIPSIDE_SMTP_SESSION_IDLE_SECONDS",
        description="How long an SMTP session carrying no mail is kept for the next batch; 0: a session per batch.",
    )
    chat_max_per_second: float = Field(
        default=10, gt=0, validation_alias="FLIPSIDE_CHAT_MAX_PER_SECOND",
        description="Messages per second to each of Slack and Teams, over all participants' webhooks.",
    )
    webhook_max_per_second: float = Field(default=20, gt=0, validation_alias="FLIPSIDE_WEBHOOK_MAX_PER_SECOND")
    http_timeout_seconds: float = Field(default=10, gt=0, validation_alias="FLIPSIDE_NOTIFICATIONS_HTTP_TIMEOUT_SECONDS")
    allow_plain_http_webhooks: bool = Field(
        default=False, validation_alias="FLIPSIDE_NOTIFICATIONS_ALLOW_PLAIN_HTTP_WEBHOOKS",
        description="Accept http:// webhook and chat URLs; for local tests only, never in production.",
    )
    default_locale: str = Field(default="en", validation_alias="FLIPSIDE_NOTIFICATIONS_DEFAULT_LOCALE")
    urgent_lead: timedelta = Field(
        default=timedelta(hours=1), validation_alias="FLIPSIDE_NOTIFICATIONS_URGENT_LEAD",
        description="A session message that would arrive later than this before the session ignores quiet hours and digests.",
    )
    link_secret: SecretStr = Field(
        default=SecretStr("development-only-unsubscribe-secret"),
        validation_alias="FLIPSIDE_NOTIFICATIONS_LINK_SECRET",
        description="HMAC key of unsubscribe links; set a long random value in production (changing it revokes all).",
    )
    public_base_url: str | None = Field(
        default=None, validation_alias="FLIPSIDE_NOTIFICATIONS_PUBLIC_BASE_URL",
        description="Where people's browsers and mail clients reach this service; defaults to its own address.",
    )
    # Survey and calendar-feed links are made here, for the e-mail alone, with the keys of the services that open them.
    feedback_link_secret: SecretStr = Field(
        default=SecretStr("development-only-survey-link-secret"),
        validation_alias="FLIPSIDE_FEEDBACK_LINK_SECRET",
        description="Feedback's HMAC key of survey links: the same value as feedback's.",
    )
    feedback_public_base_url: str = Field(
        default="http://127.0.0.1:8003", validation_alias="FLIPSIDE_FEEDBACK_PUBLIC_BASE_URL",
        description="Where participants reach feedback's survey pages.",
    )
    scheduling_feed_secret: SecretStr = Field(
        default=SecretStr("development-only-calendar-feed-secret"),
        validation_alias="FLIPSIDE_SCHEDULING_FEED_SECRET",
        description="Scheduling's HMAC key of calendar feed addresses: the same value as scheduling's.",
    )
    scheduling_public_base_url: str = Field(
        default="http://127.0.0.1:8002", validation_alias="FLIPSIDE_SCHEDULING_PUBLIC_BASE_URL",
        description="Where calendar apps reach scheduling's feeds.",
    )
    dispatch_poll_seconds: float = Field(default=0.5, gt=0, validation_alias="FLIPSIDE_NOTIFICATIONS_POLL_SECONDS")
    dispatch_batch_size: int = Field(default=50, ge=1, validation_alias="FLIPSIDE_NOTIFICATIONS_BATCH_SIZE")

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in available_locales():
            raise ValueError(f"unknown locale {value!r}; templates exist for {sorted(available_locales())}")
        return value

    def unsubscribe_url(self, participant_id: UUID, kind: str) -> str:
        token = unsubscribe_token(participant_id, kind, self.link_secret.get_secret_value().encode())
        return f"{self.base_url(self.public_base_url)}/unsubscribe/{token}"

    def survey_url(self, request_id: UUID, expires_at: datetime) -> str:
        secret = self.feedback_link_secret.get_secret_value().encode()
        return survey_url(self.feedback_public_base_url, request_id, expires_at, secret)

    def calendar_feed_url(self, participant_id: UUID) -> str:
        secret = self.scheduling_feed_secret.get_secret_value().encode()
        return calendar_feed_url(self.scheduling_public_base_url, participant_id, secret)

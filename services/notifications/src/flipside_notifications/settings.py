"""Notifications' own settings, beside those every service has.

Rate limits hold per replica: with N replicas a channel receives at most N times its limit.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from ipaddress import IPv4Network, IPv6Network
from uuid import UUID

from pydantic import Field, SecretStr, field_validator

from flipside_shared.personal_links import calendar_feed_url, survey_url
from flipside_shared.settings import ServiceSettings
from flipside_shared.signing_secrets import SigningSecret

from .domain.endpoints import OutboundRules
from .domain.rendering import available_locales
from .domain.unsubscribe import UnsubscribeTarget, unsubscribe_token

HOST_PATTERN = re.compile(r"(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")


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
        default=50,
        gt=0,
        validation_alias="FLIPSIDE_SMTP_MAX_PER_SECOND",
        description="E-mails per second, so a whole cohort does not flood the mail relay.",
    )
    smtp_connections: int = Field(
        default=4,
        ge=1,
        le=32,
        validation_alias="FLIPSIDE_SMTP_CONNECTIONS",
        description="E-mail batches sent at once, each over its own SMTP session; a person's e-mails always share one, in order.",
    )
    smtp_session_idle_seconds: float = Field(
        default=5,
        ge=0,
        validation_alias="FLIPSIDE_SMTP_SESSION_IDLE_SECONDS",
        description="How long an SMTP session carrying no mail is kept for the next batch; 0: a session per batch.",
    )
    chat_max_per_second: float = Field(
        default=10,
        gt=0,
        validation_alias="FLIPSIDE_CHAT_MAX_PER_SECOND",
        description="Messages per second to each of Slack and Teams, over all participants' webhooks.",
    )
    webhook_max_per_second: float = Field(default=20, gt=0, validation_alias="FLIPSIDE_WEBHOOK_MAX_PER_SECOND")
    http_timeout_seconds: float = Field(
        default=10,
        gt=0,
        validation_alias="FLIPSIDE_NOTIFICATIONS_HTTP_TIMEOUT_SECONDS",
        description="Deadline of one post to Slack, Teams or a webhook, all of it: resolving, connecting, sending, the answer.",
    )
    allow_plain_http_webhooks: bool = Field(
        default=False,
        validation_alias="FLIPSIDE_NOTIFICATIONS_ALLOW_PLAIN_HTTP_WEBHOOKS",
        description="Accept http:// webhook and chat URLs; for local tests only, never in production.",
    )
    slack_hosts: list[str] = Field(
        default=["hooks.slack.com"],
        min_length=1,
        validation_alias="FLIPSIDE_NOTIFICATIONS_SLACK_HOSTS",
        description="Hosts a participant's Slack URL may be on (`*.` any subdomain, `:port` a port other than 443).",
    )
    teams_hosts: list[str] = Field(
        default=["*.webhook.office.com", "*.logic.azure.com", "*.environment.api.powerplatform.com"],
        min_length=1,
        validation_alias="FLIPSIDE_NOTIFICATIONS_TEAMS_HOSTS",
        description="Hosts a participant's Teams URL may be on: Office 365 connectors and Workflows (Power Automate).",
    )
    outbound_allowed_networks: list[IPv4Network | IPv6Network] = Field(
        default=[],
        validation_alias="FLIPSIDE_NOTIFICATIONS_OUTBOUND_ALLOWED_NETWORKS",
        description="Non-public networks webhooks and chat URLs may still reach; for local tests only, never in production.",
    )
    default_locale: str = Field(default="en", validation_alias="FLIPSIDE_NOTIFICATIONS_DEFAULT_LOCALE")
    urgent_lead: timedelta = Field(
        default=timedelta(hours=1),
        validation_alias="FLIPSIDE_NOTIFICATIONS_URGENT_LEAD",
        description="A session message that would arrive later than this before the session ignores quiet hours and digests.",
    )
    link_secret: SigningSecret = Field(
        validation_alias="FLIPSIDE_NOTIFICATIONS_LINK_SECRET",
        description="HMAC key of unsubscribe links: required, at least 32 random bytes (changing it revokes all).",
    )
    public_base_url: str | None = Field(
        default=None,
        validation_alias="FLIPSIDE_NOTIFICATIONS_PUBLIC_BASE_URL",
        description="Where people's browsers and mail clients reach this service; defaults to its own address.",
    )
    portal_url: str | None = Field(
        default=None,
        validation_alias="FLIPSIDE_NOTIFICATIONS_PORTAL_URL",
        description="The portal's browser-facing base URL: when set, every message links to the portal page where its "
        "action is done, and the check-in link opens the portal's survey form (the same signed token).",
    )
    # Survey and calendar-feed links are made here, for the e-mail alone, with the keys of the services that open them.
    feedback_link_secret: SigningSecret = Field(
        validation_alias="FLIPSIDE_FEEDBACK_LINK_SECRET",
        description="Feedback's HMAC key of survey links: required, the same value as feedback's.",
    )
    feedback_public_base_url: str = Field(
        default="http://127.0.0.1:8003",
        validation_alias="FLIPSIDE_FEEDBACK_PUBLIC_BASE_URL",
        description="Where participants reach feedback's survey pages.",
    )
    scheduling_feed_secret: SigningSecret = Field(
        validation_alias="FLIPSIDE_SCHEDULING_FEED_SECRET",
        description="Scheduling's HMAC key of calendar feed addresses: required, the same value as scheduling's.",
    )
    scheduling_public_base_url: str = Field(
        default="http://127.0.0.1:8002",
        validation_alias="FLIPSIDE_SCHEDULING_PUBLIC_BASE_URL",
        description="Where calendar apps reach scheduling's feeds.",
    )
    dispatch_poll_seconds: float = Field(default=0.5, gt=0, validation_alias="FLIPSIDE_NOTIFICATIONS_POLL_SECONDS")
    dispatch_batch_size: int = Field(default=50, ge=1, validation_alias="FLIPSIDE_NOTIFICATIONS_BATCH_SIZE")
    unmatched_quiet_seconds: float = Field(
        default=60,
        gt=0,
        validation_alias="FLIPSIDE_NOTIFICATIONS_UNMATCHED_QUIET_SECONDS",
        description="How long a match run adds no one unmatched before its leads get the run's one summary.",
    )
    weekly_digest_poll_seconds: float = Field(
        default=60,
        gt=0,
        validation_alias="FLIPSIDE_NOTIFICATIONS_WEEKLY_DIGEST_POLL_SECONDS",
        description="How often ended weeks are looked for, to give each program's leads the week's digest.",
    )
    week_quiet_seconds: float = Field(
        default=600,
        gt=0,
        validation_alias="FLIPSIDE_NOTIFICATIONS_WEEK_QUIET_SECONDS",
        description="How long after the last event counted in a week that has ended its digest waits for stragglers.",
    )
    claim_seconds: float = Field(
        default=30,
        gt=0,
        validation_alias="FLIPSIDE_NOTIFICATIONS_CLAIM_SECONDS",
        description="How long a round's claim on its deliveries lasts: it starts sends for the first half, and a round "
        "that died before recording is taken over after it. Keep it well above the SMTP and HTTP timeouts.",
    )

    @field_validator("smtp_sender")
    @classmethod
    def _an_address(cls, value: str) -> str:
        try:
            Address(addr_spec=value)
        except (ValueError, IndexError, HeaderParseError) as error:
            raise ValueError(f"not an e-mail address: {value!r} ({error})") from None
        return value

    def outbound_rules(self) -> OutboundRules:
        return OutboundRules(
            chat_hosts={"slack": tuple(self.slack_hosts), "teams": tuple(self.teams_hosts)},
            allow_plain_http=self.allow_plain_http_webhooks,
            allowed_networks=tuple(self.outbound_allowed_networks),
        )

    @field_validator("slack_hosts", "teams_hosts")
    @classmethod
    def _host_patterns(cls, entries: list[str]) -> list[str]:
        if bad := [entry for entry in entries if not HOST_PATTERN.fullmatch(entry)]:
            raise ValueError(f"not host names (`hooks.example.com`, `*.example.com`, `host:port`): {bad}")
        return [entry.lower() for entry in entries]

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in available_locales():
            raise ValueError(f"unknown locale {value!r}; templates exist for {sorted(available_locales())}")
        return value

    def unsubscribe_url(self, participant_id: UUID, kind: str, generation: int) -> str:
        """The link that mutes `kind` for the participant, of their current generation of links."""
        token = unsubscribe_token(
            UnsubscribeTarget(participant_id, kind, generation), self.link_secret.get_secret_value().encode()
        )
        return f"{self.base_url(self.public_base_url)}/unsubscribe/{token}"

    @field_validator("portal_url")
    @classmethod
    def _a_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError(f"not an http(s) base URL: {value!r}")
        return value.rstrip("/")

    def survey_url(self, request_id: UUID, expires_at: datetime) -> str:
        """The check-in link: the portal's form when there is a portal, else feedback's own page."""
        secret = self.feedback_link_secret.get_secret_value().encode()
        return survey_url(self.portal_url or self.feedback_public_base_url, request_id, expires_at, secret)

    def calendar_feed_url(self, participant_id: UUID, generation: int) -> str:
        """The participant's calendar feed address of `generation`, their current one as the session event says."""
        secret = self.scheduling_feed_secret.get_secret_value().encode()
        return calendar_feed_url(self.scheduling_public_base_url, participant_id, generation, secret)

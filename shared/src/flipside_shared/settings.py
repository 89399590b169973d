"""Configuration of a service, from environment variables prefixed `FLIPSIDE_`.

`KAFKA_BOOTSTRAP_SERVERS` and `DATABASE_URL` are honoured as well, so Flipside
drops into an environment that already names its broker and database.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, FilePath, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .auth.settings import AuthSettings

# Kafka's own default for a topic's `max.message.bytes`, and deploy/topics.toml's.
KAFKA_MAX_MESSAGE_BYTES = 1024 * 1024


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLIPSIDE_KAFKA_", extra="ignore", populate_by_name=True)

    bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("FLIPSIDE_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = Field(default=None, validate_default=True)
    sasl_password: SecretStr | None = Field(default=None, validate_default=True)
    # Checked here, so a wrong path stops a service at once instead of failing each connection attempt.
    ssl_cafile: FilePath | None = None
    ssl_certfile: FilePath | None = None
    ssl_keyfile: FilePath | None = None
    create_topics: bool = Field(
        default=True, description="Create missing topics at start-up; off where topics are managed elsewhere."
    )
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1, description="3 on a production cluster.")
    max_message_bytes: int = Field(
        default=KAFKA_MAX_MESSAGE_BYTES,
        ge=64 * 1024,
        description="The topics' `max.message.bytes`: an event whose record would be bigger is refused before it is stored.",
    )

    @field_validator("sasl_username", "sasl_password")
    @classmethod
    def _required_with_sasl(cls, value: str | SecretStr | None, info: ValidationInfo) -> str | SecretStr | None:
        protocol = info.data.get("security_protocol", "")
        if value is None and protocol.startswith("SASL"):
            raise ValueError(f"required with FLIPSIDE_KAFKA_SECURITY_PROTOCOL={protocol}")
        return value


class ServiceSettings(BaseSettings):
    """Settings every service has; a service subclasses it for its own."""

    model_config = SettingsConfigDict(env_prefix="FLIPSIDE_", extra="ignore", populate_by_name=True)

    topic_prefix: str = Field(default="flipside.", pattern=r"^[A-Za-z0-9._-]*$")
    consumer_group: str | None = Field(default=None, description="Defaults to '<topic_prefix><service>'.")
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/flipside",
        validation_alias=AliasChoices("FLIPSIDE_DATABASE_URL", "DATABASE_URL"),
    )
    db_pool_size: int = Field(default=10, ge=2)
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    http_docs: bool = Field(
        default=False,
        description="Serve the API's description (/docs, /redoc, /openapi.json): for development, not production.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port alone (on the HTTP host), kept inside the cluster; unset: on the API's port.",
    )
    http_max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body accepted; a larger one is answered 413.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    startup_timeout_seconds: float = Field(
        default=60, gt=0, description="How long to wait for the database and broker before giving up at start-up."
    )
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    consumer_batch_wait_ms: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="How long an idle consumer's fetch waits for records (and then rests): lower is less latency, more idle CPU.",
    )
    outbox_batch_size: int = Field(default=500, ge=1)
    requests_per_person_per_hour: int = Field(
        default=30,
        ge=1,
        description="Proposals and exports (matching), session moves and absence changes (scheduling) one participant may ask for an hour.",
    )
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    def missing_to_serve(self) -> list[str]:
        """Variables a service needs to serve but not to describe itself (its contracts, its plans): none here."""
        return []

    def base_url(self, public_base_url: str | None) -> str:
        """Where people reach this service: its configured public address, or else its own."""
        return (public_base_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    def group_id(self, service: str) -> str:
        return self.consumer_group or f"{self.topic_prefix}{service}"

"""Every registered service as a real process, pointed at one broker, one database and one SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flipside_shared.registration import registered_services

from .auth import DevIssuer, dev_issuer
from .ports import free_port
from .service_process import ServiceProcess
from .signing_secrets import dev_signing_secrets


class Platform:
    def __init__(
        self,
        bootstrap_servers: str,
        database_url: str,
        topic_prefix: str,
        log_dir: Path,
        smtp_port: int,
        clock_rate: float = 1.0,
        extra_env: dict[str, str] | None = None,
        ports: dict[str, int] | None = None,
        issuer: DevIssuer | None = None,
        signing_secrets: dict[str, str] | None = None,
    ) -> None:
        services = registered_services()
        ports = {name: (ports or {}).get(name) or free_port() for name in services}
        env = {
            "FLIPSIDE_KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
            "FLIPSIDE_DATABASE_URL": database_url,
            "FLIPSIDE_TOPIC_PREFIX": topic_prefix,
            "FLIPSIDE_HTTP_DOCS": "true",  # a development stack: the API's description at /docs
            "FLIPSIDE_SMTP_HOST": "127.0.0.1",
            "FLIPSIDE_SMTP_PORT": str(smtp_port),
            "FLIPSIDE_SCHEDULING_CLOCK_RATE": str(clock_rate),
            "FLIPSIDE_SCHEDULING_CLOCK_EPOCH": datetime.now(UTC).isoformat(),
            # Notifications makes the survey and calendar-feed links, so it must know where those services answer.
            "FLIPSIDE_FEEDBACK_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['feedback']}",
            "FLIPSIDE_SCHEDULING_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['scheduling']}",
            **(issuer or dev_issuer()).env(),
            **(signing_secrets or dev_signing_secrets()),
            **(extra_env or {}),
        }
        self.topic_prefix = topic_prefix
        self.services = {name: ServiceProcess(name, env, log_dir, ports[name]) for name in services}

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self) -> Platform:
        for service in self.services.values():
            service.start(wait_ready=False)
        for service in self.services.values():
            service.wait_ready()
        return self

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

"""Every registered service as a real process, pointed at one broker, one database and one SMTP server, beside
the development OpenID issuer people sign in to the portal with (when the portal is registered, it is told where
the issuer and the other services are, and notifications where the portal is)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path

from flipside_shared.registration import registered_services

from .auth import DEV_ISSUER, PORTAL_CLIENT_ID, DevIssuer, dev_issuer
from .oidc_issuer import DEFAULT_REDIRECT_URI
from .ports import free_port
from .service_process import ServiceProcess
from .signing_secrets import dev_signing_secrets

ISSUER = "issuer"
PORTAL = "portal"


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
        people: Path | None = None,
        redirect_uris: Sequence[str] = (),
        only: Collection[str] | None = None,
    ) -> None:
        """`ports` may name a port for a service or for the `issuer`; `people` is the issuer's people file
        (default: an admin and a lead of program pilot; the issuer reads it again when it changes); `redirect_uris` are registered with the issuer beside
        the portal's own (with neither, the portal's on its default port); `only` names the services run (all
        registered ones if None): the others are still given ports, so those that run know where they would answer."""
        services = registered_services()
        if only is not None and (unknown := set(only) - set(services)):
            raise ValueError(f"no registered service named {sorted(unknown)}: choose among {sorted(services)}")
        ports = {name: (ports or {}).get(name) or free_port() for name in [*services, ISSUER]}
        signing = issuer or dev_issuer()
        self.oidc_issuer_url = f"http://localhost:{ports[ISSUER]}"
        self.portal_url = f"http://localhost:{ports[PORTAL]}" if PORTAL in services else None
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
            **signing.env(),
            **(signing_secrets or dev_signing_secrets()),
            **(self._portal_env(self.portal_url, ports) if self.portal_url else {}),
            **(extra_env or {}),
        }
        self.topic_prefix = topic_prefix
        self.services = {
            name: ServiceProcess(name, env, log_dir, ports[name]) for name in services if only is None or name in only
        }
        portal_callback = [f"{self.portal_url}/auth/callback"] if self.portal_url else []
        self.redirect_uris = [*portal_callback, *redirect_uris] or [DEFAULT_REDIRECT_URI]
        self.oidc_issuer = ServiceProcess(
            ISSUER,
            {},
            log_dir,
            ports[ISSUER],
            module="flipside_devstack.oidc_issuer",
            arguments=[
                "--key-dir",
                str(signing.key_path.parent),
                "--public-url",
                self.oidc_issuer_url,
                *(["--people", str(people)] if people else []),
                *(argument for uri in self.redirect_uris for argument in ("--redirect-uri", uri)),
            ],
        )

    def _portal_env(self, portal_url: str, ports: dict[str, int]) -> dict[str, str]:
        """Where the portal sends browsers and calls the services, and where e-mails link to it."""
        return {
            "FLIPSIDE_PORTAL_PUBLIC_URL": portal_url,
            "FLIPSIDE_PORTAL_OIDC_ISSUER": DEV_ISSUER,
            "FLIPSIDE_PORTAL_OIDC_DISCOVERY_URL": f"{self.oidc_issuer_url}/.well-known/openid-configuration",
            "FLIPSIDE_PORTAL_OIDC_CLIENT_ID": PORTAL_CLIENT_ID,
            **{
                f"FLIPSIDE_PORTAL_{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}"
                for name in ("matching", "scheduling", "feedback", "notifications")
            },
            "FLIPSIDE_NOTIFICATIONS_PORTAL_URL": portal_url,
        }

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self) -> Platform:
        # The portal reads the issuer's discovery document as it starts.
        self.oidc_issuer.start()
        for service in self.services.values():
            service.start(wait_ready=False)
        for service in self.services.values():
            service.wait_ready()
        return self

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        self.oidc_issuer.stop()

"""The portal's own settings, beside those every service has: its issuer, its address, and where the services are."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr

from flipside_shared.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    http_port: int = 8005
    public_url: str | None = Field(
        default=None,
        validation_alias="FLIPSIDE_PORTAL_PUBLIC_URL",
        description="Where browsers reach the portal (the issuer redirects to `{public_url}/auth/callback`); "
        "defaults to its own address.",
    )
    oidc_issuer: str | None = Field(
        default=None,
        validation_alias="FLIPSIDE_PORTAL_OIDC_ISSUER",
        description="The OpenID Connect issuer people sign in with: its discovery document must name it.",
    )
    oidc_discovery_url: str | None = Field(
        default=None,
        validation_alias="FLIPSIDE_PORTAL_OIDC_DISCOVERY_URL",
        description="Where the discovery document is, when not at `{issuer}/.well-known/openid-configuration`.",
    )
    oidc_client_id: str | None = Field(default=None, validation_alias="FLIPSIDE_PORTAL_OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        validation_alias="FLIPSIDE_PORTAL_OIDC_CLIENT_SECRET",
        description="For a confidential client; a public client signs in with PKCE alone.",
    )
    oidc_scopes: str = Field(default="openid profile email", validation_alias="FLIPSIDE_PORTAL_OIDC_SCOPES")
    matching_url: str = Field(default="http://127.0.0.1:8001", validation_alias="FLIPSIDE_PORTAL_MATCHING_URL")
    scheduling_url: str = Field(default="http://127.0.0.1:8002", validation_alias="FLIPSIDE_PORTAL_SCHEDULING_URL")
    feedback_url: str = Field(default="http://127.0.0.1:8003", validation_alias="FLIPSIDE_PORTAL_FEEDBACK_URL")
    notifications_url: str = Field(
        default="http://127.0.0.1:8004", validation_alias="FLIPSIDE_PORTAL_NOTIFICATIONS_URL"
    )
    service_timeout_seconds: float = Field(default=10, gt=0, validation_alias="FLIPSIDE_PORTAL_SERVICE_TIMEOUT_SECONDS")
    cookie_secure: bool = Field(
        default=True,
        validation_alias="FLIPSIDE_PORTAL_COOKIE_SECURE",
        description="Mark cookies `Secure`; browsers keep them on https and on http://localhost only.",
    )
    session_hours: float = Field(default=10, gt=0, le=24 * 30, validation_alias="FLIPSIDE_PORTAL_SESSION_HOURS")

    def missing_to_serve(self) -> list[str]:
        """Without an issuer and a client id no one can sign in: the portal refuses to start (exit code 2)."""
        required = {
            "FLIPSIDE_PORTAL_OIDC_ISSUER": self.oidc_issuer,
            "FLIPSIDE_PORTAL_OIDC_CLIENT_ID": self.oidc_client_id,
        }
        return [name for name, value in required.items() if not value]

    @property
    def issuer(self) -> str:
        return self._required(self.oidc_issuer, "FLIPSIDE_PORTAL_OIDC_ISSUER")

    @property
    def client_id(self) -> str:
        return self._required(self.oidc_client_id, "FLIPSIDE_PORTAL_OIDC_CLIENT_ID")

    @staticmethod
    def _required(value: str | None, name: str) -> str:
        if not value:
            raise ValueError(f"{name} is not set")
        return value

    @property
    def own_url(self) -> str:
        return self.base_url(self.public_url)

    @property
    def redirect_uri(self) -> str:
        return f"{self.own_url}/auth/callback"

    @property
    def discovery_url(self) -> str:
        return self.oidc_discovery_url or f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

    def issuer_origins(self) -> list[str]:
        """Where sign-in and sign-out forms may lead (the page's `form-action`): the issuer's own addresses."""
        if self.oidc_issuer is None:
            return []
        return sorted({_origin(self.issuer), _origin(self.discovery_url)})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"

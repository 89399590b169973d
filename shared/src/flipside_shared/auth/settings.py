"""How services check bearer tokens, from environment variables prefixed `FLIPSIDE_AUTH_`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Asymmetric algorithms only: a service holds public keys, so an HMAC algorithm would let anyone who
# has the key set sign tokens, and `none` signs nothing.
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class AuthNotConfigured(ValueError):
    """A service would run open: it refuses to start instead."""


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FLIPSIDE_AUTH_", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    issuer: str | None = Field(
        default=None, description="The `iss` every token must carry, e.g. https://login.example.com/realms/flipside."
    )
    audience: str | None = Field(
        default=None, description="The `aud` every token must carry: the API the token is for."
    )
    jwks_url: str | None = Field(
        default=None,
        description="The issuer's key set; unset: the `jwks_uri` of {issuer}/.well-known/openid-configuration.",
    )
    jwks_file: Path | None = Field(
        default=None,
        description="A local key set (JSON Web Key Set), for installs without network access to the issuer.",
    )
    algorithms: list[str] = Field(default=list(ASYMMETRIC_ALGORITHMS), min_length=1)
    leeway_seconds: float = Field(default=30, ge=0, le=300, description="Clock skew allowed on `exp`, `nbf` and `iat`.")
    roles_claim: str = Field(
        default="flipside_roles",
        description="The claim holding the roles; a dotted path reaches nested claims (realm_access.roles).",
    )
    programs_claim: str = Field(
        default="flipside_programs", description="The claim listing the programs a program lead leads."
    )
    participant_claim: str = Field(
        default="sub",
        min_length=1,
        description="The claim holding a participant's identity: a UUID is their participant id, any other value"
        " (an e-mail address, an employee id) maps to one (flipside_shared.auth.identity).",
    )
    jwks_cache_seconds: float = Field(
        default=300, gt=0, description="How long fetched keys are kept before the key set is fetched again."
    )
    jwks_refresh_cooldown_seconds: float = Field(
        default=30,
        ge=0,
        description="The key set is fetched at most this often, for an unknown key id or after a failed fetch.",
    )
    require_access_token_type: bool = Field(
        default=False,
        description="Accept only tokens typed at+jwt (RFC 9068) and none carrying a nonce: for issuers that type their access tokens.",
    )
    http_timeout_seconds: float = Field(default=10, gt=0)

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: list[str]) -> list[str]:
        if refused := [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS]:
            raise ValueError(f"{refused} not allowed: only asymmetric algorithms {list(ASYMMETRIC_ALGORITHMS)}")
        return algorithms

    @model_validator(mode="after")
    def _one_key_source(self) -> AuthSettings:
        if self.jwks_url and self.jwks_file:
            raise ValueError("set FLIPSIDE_AUTH_JWKS_URL or FLIPSIDE_AUTH_JWKS_FILE, not both")
        return self

    def require_configured(self) -> None:
        missing = [
            name
            for name, value in (("FLIPSIDE_AUTH_ISSUER", self.issuer), ("FLIPSIDE_AUTH_AUDIENCE", self.audience))
            if not value
        ]
        if missing:
            raise AuthNotConfigured(
                f"authentication is not configured: set {' and '.join(missing)}"
                " (keys come from FLIPSIDE_AUTH_JWKS_URL, FLIPSIDE_AUTH_JWKS_FILE, or the issuer's OpenID configuration)"
            )
        if self.jwks_file and not self.jwks_file.is_file():
            raise AuthNotConfigured(f"FLIPSIDE_AUTH_JWKS_FILE: no file at {self.jwks_file}")

"""A development issuer: a signing key and its key set file, so tests, the demo and `make up` run the services
with authentication on, and mint the tokens they call them with.

    headers = admin_headers()                 # {"Authorization": "Bearer ..."}
    headers = participant_headers(person_id)  # that participant only
    headers = lead_headers("pilot")           # a lead of program "pilot"

The services trust it through `dev_issuer().env()` (Sandbox.env() and Platform add it); never use it in production.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEV_ISSUER = "https://issuer.flipside.invalid/dev"
DEV_AUDIENCE = "flipside-api"
ALGORITHM = "RS256"
ADMIN_SUBJECT = "flipside-dev-admin"
PORTAL_CLIENT_ID = "flipside-portal"


class DevIssuer:
    """An RSA key kept in `directory` (created on first use) and the key set that publishes its public half."""

    def __init__(self, directory: Path, issuer: str = DEV_ISSUER, audience: str = DEV_AUDIENCE) -> None:
        self.issuer, self.audience = issuer, audience
        directory.mkdir(parents=True, exist_ok=True)
        self.key_path = directory / "dev-signing-key.pem"
        self.jwks_path = directory / "dev-jwks.json"
        if not self.key_path.exists():
            self._write_new_key()
        loaded = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise TypeError(f"{self.key_path} holds no RSA key")
        self._private_key = loaded
        self.kid = json.loads(self.jwks_path.read_text())["keys"][0]["kid"]

    def _write_new_key(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_path.touch(mode=0o600)
        self.key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        public.update(kid=f"dev-{uuid4().hex[:12]}", use="sig", alg=ALGORITHM)
        self.jwks_path.write_text(json.dumps({"keys": [public]}, indent=2))

    def env(self) -> dict[str, str]:
        """The settings that make a service trust this issuer's tokens."""
        return {
            "FLIPSIDE_AUTH_ISSUER": self.issuer,
            "FLIPSIDE_AUTH_AUDIENCE": self.audience,
            "FLIPSIDE_AUTH_JWKS_FILE": str(self.jwks_path),
            # The portal signs people in here (the discovery address is the running issuer's: see oidc_issuer).
            "FLIPSIDE_PORTAL_OIDC_ISSUER": self.issuer,
            "FLIPSIDE_PORTAL_OIDC_CLIENT_ID": PORTAL_CLIENT_ID,
        }

    def token(
        self,
        subject: str,
        roles: Iterable[str],
        programs: Iterable[str] = (),
        lifetime: timedelta = timedelta(hours=8),
        **claims: Any,
    ) -> str:
        now = datetime.now(UTC)
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "flipside_roles": list(roles),
            "flipside_programs": list(programs),
            **claims,
        }
        return self.sign(payload, typ="at+jwt")

    def sign(self, claims: dict[str, Any], typ: str) -> str:
        """Any JWT of this issuer (the OpenID issuer's ID tokens too), under its key and key id."""
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": typ})

    def key_set(self) -> dict:
        """The public key set, as an issuer serves it at its `jwks_uri`."""
        return json.loads(self.jwks_path.read_text())

    def admin_token(self) -> str:
        return self.token(ADMIN_SUBJECT, ["admin"])

    def participant_token(self, participant_id: UUID | str) -> str:
        return self.token(str(participant_id), ["participant"])

    def lead_token(self, *program_ids: str) -> str:
        return self.token(f"lead-of-{'-'.join(program_ids)}", ["program_lead"], program_ids)

    def sponsor_token(self, subject: str) -> str:
        """An executive sponsor's: of the programs whose details name `subject` among their sponsors."""
        return self.token(subject, ["sponsor"])


def dev_issuer_in(state_dir: Path) -> DevIssuer | None:
    """The development issuer `make up` keeps in its state directory, if it has made one."""
    directory = state_dir / "auth"
    return DevIssuer(directory) if (directory / "dev-signing-key.pem").exists() else None


_issuer: DevIssuer | None = None
_issuer_directory: tempfile.TemporaryDirectory | None = None


def dev_issuer() -> DevIssuer:
    """This process's development issuer (one key for the whole test session), laid out in a temporary
    directory as `make up` lays it out in its state directory."""
    global _issuer, _issuer_directory
    if _issuer is None:
        _issuer_directory = tempfile.TemporaryDirectory(prefix="flipside-dev-issuer-")
        _issuer = DevIssuer(Path(_issuer_directory.name) / "auth")
    return _issuer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin_headers() -> dict[str, str]:
    return bearer(dev_issuer().admin_token())


def participant_headers(participant_id: UUID | str) -> dict[str, str]:
    return bearer(dev_issuer().participant_token(participant_id))


def lead_headers(*program_ids: str) -> dict[str, str]:
    return bearer(dev_issuer().lead_token(*program_ids))


def sponsor_headers(subject: str) -> dict[str, str]:
    return bearer(dev_issuer().sponsor_token(subject))

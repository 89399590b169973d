"""Signing in with OpenID Connect: the authorization code flow with PKCE (RFC 7636), state and nonce.

The portal is a client of the organisation's issuer. It keeps what a sign-in needs between the redirect and the
callback (state, nonce, verifier) on the server, checks the ID token it gets back (signature by the issuer's key
set, issuer, audience, expiry, nonce) and keeps the access token to call the services with, as the person.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from .settings import PortalSettings

SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
METADATA_TTL_SECONDS = 3600
CLOCK_LEEWAY_SECONDS = 30


class SignInFailed(Exception):
    """The issuer or its answer could not be trusted; the message says why, for the log and the page."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


@dataclass(frozen=True)
class SignInAttempt:
    """One sign-in under way: the state that ties the callback to it, the nonce its ID token must carry, and the
    verifier only this portal knows (the issuer saw its S256 challenge)."""

    state: str
    nonce: str
    code_verifier: str
    return_to: str

    @classmethod
    def start(cls, return_to: str) -> SignInAttempt:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            return_to=return_to,
        )

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str | None
    id_token: str
    identity: dict[str, Any]
    """The checked ID token's claims."""


class OpenIdClient:
    def __init__(self, settings: PortalSettings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: jwt.PyJWKSet | None = None

    async def metadata(self) -> ProviderMetadata:
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL_SECONDS:
            document = await self._get_json(self._settings.discovery_url, "the issuer's discovery document")
            if document.get("issuer") != self._settings.issuer:
                raise SignInFailed(
                    f"the discovery document names issuer {document.get('issuer')!r}, not {self._settings.issuer!r}"
                )
            try:
                self._metadata = ProviderMetadata(
                    issuer=document["issuer"],
                    authorization_endpoint=document["authorization_endpoint"],
                    token_endpoint=document["token_endpoint"],
                    jwks_uri=document["jwks_uri"],
                    end_session_endpoint=document.get("end_session_endpoint"),
                )
            except KeyError as missing:
                raise SignInFailed(f"the discovery document has no {missing}") from None
            self._metadata_at = time.monotonic()
            self._keys = None
        return self._metadata

    async def authorization_url(self, attempt: SignInAttempt) -> str:
        metadata = await self.metadata()
        query = {
            "response_type": "code",
            "client_id": self._settings.client_id,
            "redirect_uri": self._settings.redirect_uri,
            "scope": self._settings.oidc_scopes,
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": attempt.code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{metadata.authorization_endpoint}?{urlencode(query)}"

    async def redeem(self, code: str, attempt: SignInAttempt) -> IssuedTokens:
        """Trade the callback's code for tokens, proving with the verifier that this portal started the sign-in."""
        answer = await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self._settings.redirect_uri,
                "code_verifier": attempt.code_verifier,
            }
        )
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the issuer sent no ID token")
        identity = await self._checked_id_token(id_token)
        if not secrets.compare_digest(str(identity.get("nonce", "")), attempt.nonce):
            raise SignInFailed("the ID token's nonce is not this sign-in's")
        return self._issued(answer, id_token, identity)

    async def refresh(self, refresh_token: str, id_token: str) -> IssuedTokens:
        answer = await self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})
        new_id_token = answer.get("id_token")
        if isinstance(new_id_token, str):
            return self._issued(answer, new_id_token, await self._checked_id_token(new_id_token, verify_exp=True))
        return self._issued(answer, id_token, {})

    async def sign_out_url(self, id_token: str, return_to: str) -> str | None:
        metadata = await self.metadata()
        if metadata.end_session_endpoint is None:
            return None
        query = {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": return_to,
            "client_id": self._settings.client_id,
        }
        return f"{metadata.end_session_endpoint}?{urlencode(query)}"

    def _issued(self, answer: dict[str, Any], id_token: str, identity: dict[str, Any]) -> IssuedTokens:
        access_token = answer.get("access_token")
        if not isinstance(access_token, str):
            raise SignInFailed("the issuer sent no access token")
        lifetime = answer.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 300.0
        refresh_token = answer.get("refresh_token")
        return IssuedTokens(
            access_token=access_token,
            access_expires_at=datetime.now(UTC) + timedelta(seconds=seconds),
            refresh_token=refresh_token if isinstance(refresh_token, str) else None,
            id_token=id_token,
            identity=identity,
        )

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        metadata = await self.metadata()
        form = {**form, "client_id": self._settings.client_id}
        secret = self._settings.oidc_client_secret
        try:
            if secret is None:
                response = await self._http.post(metadata.token_endpoint, data=form)
            else:
                basic = httpx.BasicAuth(self._settings.client_id, secret.get_secret_value())
                response = await self._http.post(metadata.token_endpoint, data=form, auth=basic)
        except httpx.HTTPError as error:
            raise SignInFailed(f"the issuer's token endpoint did not answer: {error}") from None
        if response.status_code != 200:
            raise SignInFailed(f"the issuer refused the code: {response.status_code} {response.text[:200]}")
        answer = response.json()
        if not isinstance(answer, dict):
            raise SignInFailed("the issuer's token answer is not an object")
        return answer

    async def _checked_id_token(self, id_token: str, verify_exp: bool = True) -> dict[str, Any]:
        metadata = await self.metadata()
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            key = await self._signing_key(str(kid), metadata)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=SIGNING_ALGORITHMS,
                audience=self._settings.client_id,
                issuer=metadata.issuer,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"], "verify_exp": verify_exp},
            )
        except jwt.PyJWTError as error:
            raise SignInFailed(f"the ID token is not valid: {error}") from None
        return claims

    async def _signing_key(self, kid: str, metadata: ProviderMetadata) -> Any:
        for attempt in range(2):
            if self._keys is None or attempt:
                self._keys = jwt.PyJWKSet.from_dict(await self._get_json(metadata.jwks_uri, "the issuer's key set"))
            for key in self._keys.keys:
                if key.key_id == kid:
                    return key.key
        raise SignInFailed(f"the issuer's key set has no key {kid!r}")

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise SignInFailed(f"{what} at {url} could not be read: {error}") from None
        if not isinstance(document, dict):
            raise SignInFailed(f"{what} at {url} is not an object")
        return document

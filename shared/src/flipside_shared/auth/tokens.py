"""Checking a bearer token and reading who it speaks for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt

from .identity import participant_id_for
from .keys import KeySource, UnknownKey, key_source
from .settings import AuthSettings

ROLES = ("participant", "program_lead", "sponsor", "admin")
ACCESS_TOKEN_TYPE = "at+jwt"

# The key type each algorithm family verifies with: a token may not choose a key of another type.
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


class InvalidToken(Exception):
    """Not a token this service accepts; the message says why, for the `WWW-Authenticate` header."""


@dataclass(frozen=True)
class Principal:
    """The caller as the token describes them: its subject, its Flipside roles, the programs it leads, and the
    claim naming the person (`identity_claim`) with its value (`identity`, None when the token lacks that claim)."""

    subject: str
    roles: frozenset[str]
    programs: frozenset[str] = frozenset()
    identity_claim: str = "sub"
    identity: str | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def participant_id(self) -> UUID | None:
        """The participant this token is, if it is one: the participant role and an identity (see `identity`)."""
        if "participant" not in self.roles or not self.identity:
            return None
        return participant_id_for(self.identity_claim, self.identity)

    def may_act_as(self, participant_id: UUID) -> bool:
        return self.is_admin or self.participant_id == participant_id

    def leads(self, program_id: str) -> bool:
        return self.is_admin or ("program_lead" in self.roles and program_id in self.programs)

    @property
    def is_sponsor(self) -> bool:
        """An executive sponsor: of the programs whose details (`ProgramDetails.sponsors`) name their subject."""
        return "sponsor" in self.roles


class TokenVerifier:
    def __init__(self, settings: AuthSettings, keys: KeySource | None = None) -> None:
        settings.require_configured()
        self._settings = settings
        self._keys = keys or key_source(settings)

    def verify(self, token: str) -> Principal:
        """The principal of a token whose signature, issuer, audience and validity period check out.

        Raises `InvalidToken`, or `KeySetUnavailable` when the issuer's keys cannot be had."""
        settings = self._settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        algorithm = header.get("alg")
        if algorithm not in settings.algorithms:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        _check_token_type(header.get("typ"), strict=settings.require_access_token_type)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no signing key (kid)")
        try:
            key = self._keys.signing_key(kid)
        except UnknownKey:
            raise InvalidToken(f"unknown signing key {kid!r}") from None
        if key.key_type != _KEY_TYPES[algorithm[:2]]:
            raise InvalidToken(f"key {kid!r} is an {key.key_type} key, not one for {algorithm}")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=settings.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("the token is not valid yet") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token is from another issuer") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("the token is for another audience") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the signature does not match") from None
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        _check_not_an_id_token(claims, strict=settings.require_access_token_type)
        return Principal(
            subject=str(claims["sub"]),
            roles=frozenset(_strings(_claim(claims, settings.roles_claim))) & frozenset(ROLES),
            programs=frozenset(_strings(_claim(claims, settings.programs_claim))),
            identity_claim=settings.participant_claim,
            identity=_identity(_claim(claims, settings.participant_claim)),
        )


def _check_token_type(typ: Any, strict: bool) -> None:
    """Only access tokens open an API: `at+jwt` as RFC 9068 types them. Issuers that do not type their tokens
    write `JWT` or nothing, which only strict mode refuses; any other type (an ID token's, a logout token's)
    is never an access token."""
    typ = typ.lower().removeprefix("application/") if isinstance(typ, str) else typ
    if typ == ACCESS_TOKEN_TYPE:
        return
    if typ not in (None, "jwt"):
        raise InvalidToken(f"a token of type {typ!r} is not an access token")
    if strict:
        raise InvalidToken(f"not an access token: its type (typ) is {typ or 'missing'}, not {ACCESS_TOKEN_TYPE}")


def _check_not_an_id_token(claims: dict[str, Any], strict: bool) -> None:
    """An ID token is for the client that signed the person in, not for an API, even from the same issuer."""
    if claims.get("typ") == "ID":  # how Keycloak marks its ID tokens
        raise InvalidToken("an ID token is not an access token")
    if strict and "nonce" in claims:  # only ID tokens carry the sign-in's nonce
        raise InvalidToken("a token with a nonce is an ID token, not an access token")


def _claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name, or by dotted path into nested claims (Keycloak's `realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _identity(value: Any) -> str | None:
    """A claim's value as an identity: a string or a number (employee ids often are), never empty."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _strings(value: Any) -> list[str]:
    """A list of strings, or one string of space- or comma-separated names (as some issuers write scopes)."""
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []

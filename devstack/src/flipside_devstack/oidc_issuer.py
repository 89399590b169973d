"""A development OpenID Connect issuer: a login page listing the people of a people file, so a browser can sign in
to the portal as any of them, with tokens the services trust (the `DevIssuer` key). Never use it in production.

    python -m flipside_devstack.oidc_issuer --people people.json --key-dir .run/stack/auth \\
        --redirect-uri http://localhost:8005/auth/callback --port 8010

It serves, on `http://localhost:<port>`: discovery (`/.well-known/openid-configuration`, whose `issuer` is
`DEV_ISSUER`, the identifier the services trust, so clients are told this URL apart from the issuer), `/authorize`
(authorization code flow with PKCE S256, `state` and `nonce` required), `/token` (`authorization_code`,
`refresh_token`), `/jwks`, `/userinfo` and `/logout`. One public client (`flipside-portal` unless told otherwise).
Codes are single-use and live a minute; refresh tokens are single-use too, each refresh handing out the next.
It keeps no session of its own: every sign-in shows the list again, so a browser can be anyone next time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import uvicorn
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .auth import ALGORITHM, PORTAL_CLIENT_ID, DevIssuer
from .oidc_pages import login_form, page
from .people import PeopleFile, Person, local_stack_people, someone_new

DEFAULT_PORT = 8010
DEFAULT_REDIRECT_URI = "http://localhost:8005/auth/callback"  # the portal's, on its default port
CODE_LIFETIME = timedelta(minutes=1)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = timedelta(hours=12)
USERINFO_CLAIMS = ("sub", "email", "name", "flipside_roles", "flipside_programs")
SCOPES = ("openid", "profile", "email", "offline_access")


class RefusedRequest(Exception):
    """A sign-in request this issuer will not answer with a redirect: the client or its redirect URI is unknown."""


class RedirectableError(Exception):
    """A bad sign-in request from a known client: sent back to its redirect URI as `error` (RFC 6749 4.1.2.1)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


class TokenError(Exception):
    """A refused token request (RFC 6749 5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass(frozen=True)
class SignInRequest:
    client_id: str
    redirect_uri: str
    scope: tuple[str, ...]
    state: str
    nonce: str
    code_challenge: str


@dataclass(frozen=True)
class Grant:
    """What a code or a refresh token stands for, until `expires_at` (seconds since the epoch)."""

    person: Person
    client_id: str
    scope: tuple[str, ...]
    expires_at: float
    redirect_uri: str = ""
    nonce: str = ""
    code_challenge: str = ""


class OpenIdIssuer:
    """The issuer's state (outstanding codes and refresh tokens) and its Starlette application (`app`); `people`
    gives the people on the login page, asked at each sign-in."""

    def __init__(
        self,
        signing: DevIssuer,
        people: Callable[[], Sequence[Person]],
        redirect_uris: Sequence[str],
        base_url: str,
        client_id: str = PORTAL_CLIENT_ID,
        access_token_lifetime: timedelta = ACCESS_TOKEN_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signing = signing
        self.people = people
        self.redirect_uris = frozenset(redirect_uris)
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.access_token_lifetime = access_token_lifetime
        self._clock = clock
        self._codes: dict[str, Grant] = {}
        self._refresh_tokens: dict[str, Grant] = {}
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.login_page, methods=["GET"]),
                Route("/authorize", self.sign_in, methods=["POST"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
                Route("/userinfo", self.userinfo, methods=["GET", "POST"]),
                Route("/logout", self.logout, methods=["GET", "POST"]),
                Route("/health/ready", self.ready),
            ]
        )

    # --- discovery and keys

    async def discovery(self, request: Request) -> JSONResponse:
        base = self.base_url
        return JSONResponse(
            {
                "issuer": self.signing.issuer,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/jwks",
                "end_session_endpoint": f"{base}/logout",
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [ALGORITHM],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"],
                "scopes_supported": list(SCOPES),
                "claims_supported": [*USERINFO_CLAIMS, "nonce"],
                "authorization_response_iss_parameter_supported": True,
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse(self.signing.key_set())

    async def ready(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ready"})

    # --- sign-in

    async def login_page(self, request: Request) -> Response:
        try:
            self._sign_in_request(dict(request.query_params))
        except RefusedRequest as refused:
            return page("Sign-in refused", f"<p>{html.escape(str(refused))}</p>", status_code=400)
        except RedirectableError as error:
            return self._error_redirect(request.query_params, error)
        return page("Sign in to Flipside", login_form(request.query_params, self.people()))

    async def sign_in(self, request: Request) -> Response:
        form = await _form(request)
        try:
            sign_in = self._sign_in_request(form)
        except RefusedRequest as refused:
            return page("Sign-in refused", f"<p>{html.escape(str(refused))}</p>", status_code=400)
        except RedirectableError as error:
            return self._error_redirect(form, error)
        try:
            person = self._chosen(form)
        except ValueError as error:
            body = f'<p role="alert">{html.escape(str(error))}</p>' + login_form(form, self.people())
            return page("Sign in to Flipside", body, status_code=400)
        self._forget_expired()
        code = secrets.token_urlsafe(32)
        self._codes[code] = Grant(
            person=person,
            client_id=sign_in.client_id,
            scope=sign_in.scope,
            expires_at=self._clock() + CODE_LIFETIME.total_seconds(),
            redirect_uri=sign_in.redirect_uri,
            nonce=sign_in.nonce,
            code_challenge=sign_in.code_challenge,
        )
        return _redirect(sign_in.redirect_uri, code=code, state=sign_in.state, iss=self.signing.issuer)

    def _forget_expired(self) -> None:
        """Codes nobody redeemed and refresh tokens nobody used, so a long-running issuer does not pile them up."""
        now = self._clock()
        for grants in (self._codes, self._refresh_tokens):
            for token in [token for token, grant in grants.items() if grant.expires_at <= now]:
                del grants[token]

    def _sign_in_request(self, parameters: dict[str, str]) -> SignInRequest:
        client_id, redirect_uri = parameters.get("client_id", ""), parameters.get("redirect_uri", "")
        if client_id != self.client_id:
            raise RefusedRequest(f"unknown client_id {client_id!r}: this issuer serves {self.client_id!r}")
        if redirect_uri not in self.redirect_uris:
            raise RefusedRequest(f"redirect_uri {redirect_uri!r} is not registered for {client_id!r}")
        if parameters.get("response_type") != "code":
            raise RedirectableError("unsupported_response_type", "only response_type=code is supported")
        scope = tuple(parameters.get("scope", "").split())
        if "openid" not in scope:
            raise RedirectableError("invalid_scope", "the scope must include openid")
        for required in ("state", "nonce", "code_challenge"):
            if not parameters.get(required):
                raise RedirectableError("invalid_request", f"{required} is required")
        if parameters.get("code_challenge_method") != "S256":
            raise RedirectableError("invalid_request", "code_challenge_method must be S256")
        return SignInRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=parameters["state"],
            nonce=parameters["nonce"],
            code_challenge=parameters["code_challenge"],
        )

    def _chosen(self, form: dict[str, str]) -> Person:
        if sub := form.get("person"):
            if chosen := next((person for person in self.people() if person.sub == sub), None):
                return chosen
            raise ValueError("There is no such person on this issuer's list.")
        try:
            return someone_new(form.get("name", ""), form.get("email", ""))
        except ValidationError:
            raise ValueError("Give a name and an e-mail address to sign in as someone new.") from None

    def _error_redirect(self, parameters: Any, error: RedirectableError) -> Response:
        extra = {"state": parameters["state"]} if parameters.get("state") else {}
        return _redirect(
            parameters["redirect_uri"],
            error=error.error,
            error_description=error.description,
            iss=self.signing.issuer,
            **extra,
        )

    # --- tokens

    async def token(self, request: Request) -> JSONResponse:
        form = await _form(request)
        try:
            client_id = _client_id(request, form)
            if client_id != self.client_id:
                raise TokenError("invalid_client", f"unknown client {client_id!r}", status=401)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                grant = self._redeemed_code(form)
                tokens = self._tokens(grant, nonce=grant.nonce)
            elif grant_type == "refresh_token":
                tokens = self._tokens(self._redeemed_refresh_token(form, client_id), nonce=None)
            else:
                raise TokenError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
        except TokenError as error:
            return JSONResponse(
                {"error": error.error, "error_description": error.description},
                status_code=error.status,
                headers={"Cache-Control": "no-store"},
            )
        return JSONResponse(tokens, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _redeemed_code(self, form: dict[str, str]) -> Grant:
        # Taken out at once, so a code works once whether this redemption succeeds or not.
        grant = self._codes.pop(form.get("code", ""), None)
        if grant is None:
            raise TokenError("invalid_grant", "unknown or already used code")
        if grant.expires_at <= self._clock():
            raise TokenError("invalid_grant", "the code has expired")
        if form.get("client_id", grant.client_id) != grant.client_id:
            raise TokenError("invalid_grant", "the code was issued to another client")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise TokenError("invalid_grant", "redirect_uri differs from the sign-in request's")
        if not _verifier_matches(form.get("code_verifier", ""), grant.code_challenge):
            raise TokenError("invalid_grant", "the code_verifier does not match the code_challenge")
        return grant

    def _redeemed_refresh_token(self, form: dict[str, str], client_id: str) -> Grant:
        grant = self._refresh_tokens.pop(form.get("refresh_token", ""), None)
        if grant is None or grant.client_id != client_id:
            raise TokenError("invalid_grant", "unknown or already used refresh token")
        if grant.expires_at <= self._clock():
            raise TokenError("invalid_grant", "the refresh token has expired")
        return grant

    def _tokens(self, grant: Grant, nonce: str | None) -> dict[str, Any]:
        person, now = grant.person, self._clock()
        access_token = self.signing.token(
            person.sub,
            person.roles,
            person.programs,
            lifetime=self.access_token_lifetime,
            email=person.email,
            name=person.name,
            client_id=grant.client_id,
            scope=" ".join(grant.scope),
            jti=secrets.token_urlsafe(16),
        )
        id_claims = {
            "iss": self.signing.issuer,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "sub": person.sub,
            "email": person.email,
            "name": person.name,
            "iat": int(now),
            "auth_time": int(now),
            "exp": int(now + self.access_token_lifetime.total_seconds()),
            **({"nonce": nonce} if nonce else {}),
        }
        refresh_token = secrets.token_urlsafe(32)
        self._refresh_tokens[refresh_token] = Grant(
            person=person,
            client_id=grant.client_id,
            scope=grant.scope,
            expires_at=now + REFRESH_TOKEN_LIFETIME.total_seconds(),
        )
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(self.access_token_lifetime.total_seconds()),
            "id_token": self.signing.sign(id_claims, typ="JWT"),
            "refresh_token": refresh_token,
            "scope": " ".join(grant.scope),
        }

    async def userinfo(self, request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        if scheme.lower() != "bearer" or not token:
            return JSONResponse({"error": "invalid_token"}, status_code=401, headers=challenge)
        try:
            claims = self._verified(token, audience=self.signing.audience)
        except jwt.PyJWTError as error:
            return JSONResponse(
                {"error": "invalid_token", "error_description": str(error)}, status_code=401, headers=challenge
            )
        return JSONResponse({name: claims[name] for name in USERINFO_CLAIMS if name in claims})

    def _verified(self, token: str, audience: str, verify_exp: bool = True) -> dict[str, Any]:
        public_key = jwt.PyJWK(self.signing.key_set()["keys"][0]).key
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=self.signing.issuer,
            options={"verify_exp": verify_exp},
        )
        return claims

    # --- sign-out

    async def logout(self, request: Request) -> Response:
        parameters = dict(request.query_params) | (await _form(request) if request.method == "POST" else {})
        if hint := parameters.get("id_token_hint"):
            self._forget_refresh_tokens_of(hint)
        target = parameters.get("post_logout_redirect_uri")
        if not target:
            return page("Signed out", "<p>You are signed out of the development issuer.</p>")
        if _origin(target) not in {_origin(uri) for uri in self.redirect_uris}:
            return page(
                "Sign-out refused",
                f"<p>post_logout_redirect_uri {html.escape(target)} is not at a registered client's address.</p>",
                status_code=400,
            )
        return _redirect(target, **({"state": parameters["state"]} if parameters.get("state") else {}))

    def _forget_refresh_tokens_of(self, id_token: str) -> None:
        try:
            sub = self._verified(id_token, audience=self.client_id, verify_exp=False)["sub"]
        except jwt.PyJWTError:
            return  # a hint only: a stale or foreign one signs nobody out of anything
        for token in [token for token, grant in self._refresh_tokens.items() if grant.person.sub == sub]:
            del self._refresh_tokens[token]


def _verifier_matches(verifier: str, challenge: str) -> bool:
    """PKCE S256 (RFC 7636 4.6): BASE64URL(SHA256(verifier)) without padding equals the challenge."""
    if not 43 <= len(verifier) <= 128:
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest()).rstrip(b"=")
    return secrets.compare_digest(digest.decode(), challenge)


def _client_id(request: Request, form: dict[str, str]) -> str:
    """The client named in the form, or by HTTP Basic (its secret, if any, is not checked: a public client)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credentials).decode().partition(":")[0]
        except ValueError:
            raise TokenError("invalid_client", "malformed Basic credentials", status=401) from None
    return form.get("client_id", "")


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form body, each field's first value."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _redirect(url: str, **parameters: str) -> RedirectResponse:
    separator = "&" if urlsplit(url).query else "?"
    return RedirectResponse(f"{url}{separator}{urlencode(parameters)}", status_code=303)


def main(arguments: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("FLIPSIDE_HTTP_PORT", DEFAULT_PORT)))
    parser.add_argument("--public-url", help="where browsers reach it (default http://localhost:<port>)")
    parser.add_argument("--people", type=Path, help="the people file (default: an admin and a lead of pilot)")
    parser.add_argument("--key-dir", type=Path, default=Path(".run/stack/auth"), help="the DevIssuer key's directory")
    parser.add_argument(
        "--redirect-uri",
        action="append",
        help=f"a registered redirect URI, repeatable (default {DEFAULT_REDIRECT_URI})",
    )
    parser.add_argument("--client-id", default=PORTAL_CLIENT_ID)
    options = parser.parse_args(arguments)
    issuer = OpenIdIssuer(
        DevIssuer(options.key_dir),
        PeopleFile(options.people) if options.people else local_stack_people,
        options.redirect_uri or [DEFAULT_REDIRECT_URI],
        options.public_url or f"http://localhost:{options.port}",
        client_id=options.client_id,
    )
    uvicorn.run(issuer.app, host="127.0.0.1", port=options.port, log_level="warning")


if __name__ == "__main__":
    main()

"""Where a token's signing key comes from: the issuer's key set over HTTPS (its URL given, or found through
OpenID Connect discovery), or a local key set file. A key id not seen before makes each look again, so
an issuer can rotate its keys without a restart (over HTTP at most once per interval)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKClientError, PyJWKSetError

from .settings import AuthSettings


class UnknownKey(Exception):
    """The key set has no key with the token's key id, even after looking again."""


class KeySetUnavailable(Exception):
    """The issuer's key set could not be fetched or read: nobody can be authenticated until it can."""


class KeySource(Protocol):
    def signing_key(self, kid: str) -> PyJWK: ...


def key_source(settings: AuthSettings) -> KeySource:
    if settings.jwks_file:
        return KeySetFile(settings.jwks_file)
    return RemoteKeySet(settings)


class RemoteKeySet:
    """The issuer's key set over HTTP, kept for `jwks_cache_seconds`.

    A token with an unknown key id may make it fetch the set again, but the issuer is asked at most once per
    `jwks_refresh_cooldown_seconds`, whether the last fetch worked or not: a flood of tokens with made-up key
    ids costs one fetch per interval, and an issuer that is down is not asked again (each request gets its
    cached failure at once) until the interval has passed. Keys already fetched keep working meanwhile."""

    def __init__(self, settings: AuthSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._jwks_uri: str | None = settings.jwks_url
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._last_attempt: float | None = None
        self._failure: KeySetUnavailable | None = None
        self._lock = threading.Lock()

    def signing_key(self, kid: str) -> PyJWK:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self._settings.jwks_cache_seconds
            if (kid not in self._keys or stale) and self._may_fetch(now):
                self._fetch(now)
            if kid in self._keys:
                return self._keys[kid]
            if self._failure is not None:
                raise self._failure
            raise UnknownKey(f"no key {kid!r} in the issuer's key set")

    def _may_fetch(self, now: float) -> bool:
        return self._last_attempt is None or now - self._last_attempt >= self._settings.jwks_refresh_cooldown_seconds

    def _fetch(self, now: float) -> None:
        self._last_attempt = now
        settings = self._settings
        try:
            if self._jwks_uri is None:
                self._jwks_uri = discovered_jwks_uri(settings.issuer or "", settings.http_timeout_seconds)
            keys = PyJWKClient(
                self._jwks_uri, cache_jwk_set=False, timeout=settings.http_timeout_seconds
            ).get_signing_keys(refresh=True)
        except KeySetUnavailable as error:
            self._failure = error
        except (PyJWKClientError, PyJWKSetError) as error:
            self._failure = KeySetUnavailable(f"the issuer's key set could not be fetched: {error}")
        else:
            self._keys = {key.key_id: key for key in keys if key.key_id}
            self._fetched_at, self._failure = now, None


def discovered_jwks_uri(issuer: str, timeout: float) -> str:
    """The `jwks_uri` the issuer publishes in its OpenID Provider configuration (OpenID Connect Discovery 1.0)."""
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            configuration = json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise KeySetUnavailable(f"no OpenID configuration at {url}: {error}") from None
    # The spec requires the document to name the issuer it was fetched for; another one is not ours to trust.
    if configuration.get("issuer") != issuer:
        raise KeySetUnavailable(f"{url} is the configuration of issuer {configuration.get('issuer')!r}, not {issuer!r}")
    if not isinstance(jwks_uri := configuration.get("jwks_uri"), str):
        raise KeySetUnavailable(f"{url} names no jwks_uri")
    return jwks_uri


class KeySetFile:
    """A key set kept in a local file (air-gapped installs); replacing the file rotates the keys."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._keys: dict[str, PyJWK] = {}
        self._loaded_version: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def signing_key(self, kid: str) -> PyJWK:
        with self._lock:
            if kid not in self._keys and self._version() != self._loaded_version:
                self._load()
            try:
                return self._keys[kid]
            except KeyError:
                raise UnknownKey(f"no key {kid!r} in {self._path}") from None

    def _version(self) -> tuple[int, int] | None:
        try:
            stat = self._path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _load(self) -> None:
        version = self._version()
        try:
            key_set = PyJWKSet.from_json(self._path.read_text())
        except (OSError, ValueError, PyJWKSetError) as error:
            raise KeySetUnavailable(f"the key set file {self._path} cannot be read: {error}") from None
        self._keys = {key.key_id: key for key in key_set.keys if key.key_id and key.public_key_use in (None, "sig")}
        self._loaded_version = version

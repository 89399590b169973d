"""Where a token's signing key comes from: the issuer's key set over HTTPS (its URL given, or found through
OpenID Connect discovery), or a local key set file. A key id not seen before makes each look again, so
an issuer can rotate its keys without a restart."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError

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
    """The issuer's key set over HTTP, cached; PyJWKClient refetches it on an unknown key id (at most once per cooldown)."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._client: PyJWKClient | None = None
        self._lock = threading.Lock()

    def signing_key(self, kid: str) -> PyJWK:
        try:
            return self._jwks_client().get_signing_key(kid)
        except PyJWKClientConnectionError as error:
            raise KeySetUnavailable(f"the issuer's key set could not be fetched: {error}") from None
        except PyJWKClientError as error:
            raise UnknownKey(str(error)) from None

    def _jwks_client(self) -> PyJWKClient:
        with self._lock:
            if self._client is None:
                settings = self._settings
                self._client = PyJWKClient(
                    settings.jwks_url or discovered_jwks_uri(settings.issuer or "", settings.http_timeout_seconds),
                    cache_keys=False,
                    lifespan=settings.jwks_cache_seconds,
                    timeout=settings.http_timeout_seconds,
                    cooldown_duration=settings.jwks_refresh_cooldown_seconds,
                )
            return self._client


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
    if not isinstance(configuration.get("jwks_uri"), str):
        raise KeySetUnavailable(f"{url} names no jwks_uri")
    return configuration["jwks_uri"]


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

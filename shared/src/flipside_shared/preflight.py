"""Before a service starts: is its configuration valid, are its database and broker reachable?

Bad configuration ends the process at once with one clear line on stderr,
instead of a stack trace or a loop of retries that hides the cause.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
from aiokafka import errors as kafka_errors
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.conn import collect_hosts, create_conn
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .auth.settings import AuthNotConfigured, AuthSettings
from .kafka import client_options
from .settings import KafkaSettings, ServiceSettings


class ConfigurationError(Exception):
    """What is wrong, in one line an operator can act on."""


# Answers from a broker that waiting will not change: it does not take our credentials or mechanism.
SASL_REFUSALS = (
    kafka_errors.SaslAuthenticationFailed,
    kafka_errors.AuthenticationFailedError,
    kafka_errors.UnsupportedSaslMechanismError,
    kafka_errors.IllegalSaslStateError,
)


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


_NESTED_PREFIXES = {
    settings.__name__: settings.model_config["env_prefix"] for settings in (KafkaSettings, AuthSettings)
}


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    try:
        settings = settings_class()
    except ValidationError as error:
        # Name the environment variable to fix, not the Python field behind it.
        prefix = _NESTED_PREFIXES.get(error.title, "FLIPSIDE_")
        problems = "; ".join(_problem(issue, prefix) for issue in error.errors())
        raise ConfigurationError(f"invalid configuration: {problems}") from None
    return settings


def require_authentication(settings: ServiceSettings) -> None:
    """A service with an HTTP API runs with bearer tokens checked, never open."""
    try:
        settings.auth.require_configured()
    except AuthNotConfigured as error:
        raise ConfigurationError(str(error)) from None


def require_complete(settings: ServiceSettings) -> None:
    if missing := settings.missing_to_serve():
        raise ConfigurationError(f"missing configuration: {', '.join(missing)} must be set")


def _problem(issue: ErrorDetails, prefix: str) -> str:
    # A check across several settings belongs to no one field; its message names the variables itself.
    return f"{_variable(issue['loc'], prefix)}: {issue['msg']}" if issue["loc"] else issue["msg"]


def _variable(loc: tuple[int | str, ...], prefix: str) -> str:
    name = str(loc[0]) if loc else "?"
    return name if name.isupper() else f"{prefix}{name}".upper()


async def check_reachable(settings: ServiceSettings, timeout: float) -> None:
    await _within(timeout, _database(settings), f"database at {_where(settings.database_url)}")
    await _within(timeout, _broker(settings), f"Kafka at {settings.kafka.bootstrap_servers}")


async def _within(timeout: float, attempt: Callable[[], Awaitable[None]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await asyncio.wait_for(attempt(), timeout=max(1.0, deadline - asyncio.get_running_loop().time()))
            return
        except ConfigurationError:
            raise
        except (
            asyncpg.InvalidPasswordError,
            asyncpg.InvalidCatalogNameError,
            asyncpg.InvalidAuthorizationSpecificationError,
        ) as error:
            raise ConfigurationError(f"{what} refused us: {error}") from None
        except Exception as error:
            if asyncio.get_running_loop().time() >= deadline:
                raise ConfigurationError(
                    f"{what} not reachable after {timeout:.0f}s: {type(error).__name__}: {error}"
                ) from None
            await asyncio.sleep(1)


def _database(settings: ServiceSettings) -> Callable[[], Awaitable[None]]:
    async def connect() -> None:
        conn = await asyncpg.connect(settings.database_url, timeout=5)
        await conn.close()

    return connect


def _broker(settings: ServiceSettings) -> Callable[[], Awaitable[None]]:
    # The client logs every failed attempt; the one line this module prints says it all.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)

    async def connect() -> None:
        options = client_options(settings.kafka)
        await _connect_once(options)
        admin = AIOKafkaAdminClient(**options, request_timeout_ms=5000)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    return connect


async def _connect_once(options: dict[str, Any]) -> None:
    """Connect and authenticate to one bootstrap server directly, to learn why it fails if it does.

    The admin client reports any failure as "Unable to bootstrap"; a direct connection raises the cause,
    so refused credentials and untrusted certificates end the start-up at once with the reason.
    """
    security = {name: value for name, value in options.items() if name != "bootstrap_servers"}
    failures: list[Exception] = []
    for host, port, _ in collect_hosts(options["bootstrap_servers"]):
        try:
            connection = await create_conn(host, port, request_timeout_ms=5000, **security)
        except SASL_REFUSALS as error:
            raise ConfigurationError(f"Kafka at {host}:{port} refused our SASL login: {error}") from None
        except ssl.SSLCertVerificationError as error:
            raise ConfigurationError(
                f"Kafka at {host}:{port} presented a certificate this service does not trust: {error.verify_message} "
                "(FLIPSIDE_KAFKA_SSL_CAFILE names the authority that signed it)"
            ) from None
        except Exception as error:
            failures.append(error)
            continue
        connection.close()
        return
    raise failures[-1]


def _where(database_url: str) -> str:
    """Host, port and database, never the password."""
    parts = urlsplit(database_url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


def fail(error: ConfigurationError) -> None:
    print(f"flipside: {error}", file=sys.stderr)
    sys.exit(2)

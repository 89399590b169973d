"""pytest fixtures every test suite of Flipside shares (loaded from the root conftest)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg
import pytest

from flipside_shared.migrations import migrate
from flipside_shared.service import connect_pool
from flipside_shared.unit_of_work import pooled

from .auth import dev_issuer
from .signing_secrets import dev_signing_secrets
from .smtp import SmtpSink
from .stack import LocalStack


def unique_prefix() -> str:
    """A topic prefix no other test uses, so tests never read each other's events."""
    return f"t{uuid4().hex[:10]}."


@dataclass(frozen=True)
class Sandbox:
    """A test's own slice of the shared stack: its own topics (by prefix) and its own database.

    Services' background workers (timers, dispatchers) act on everything in their
    schema, so tests that run services never share a database.
    """

    bootstrap_servers: str
    database_url: str
    topic_prefix: str

    @classmethod
    def on(cls, stack: LocalStack) -> Sandbox:
        return cls(stack.bootstrap_servers, new_database(stack.database_url), unique_prefix())

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "FLIPSIDE_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "FLIPSIDE_DATABASE_URL": self.database_url,
            "FLIPSIDE_TOPIC_PREFIX": self.topic_prefix,
            **dev_issuer().env(),
            **dev_signing_secrets(),
            **extra,
        }


def new_database(server_url: str) -> str:
    """Create an empty database on the server of `server_url`; return its URL."""
    name = f"test_{uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session", autouse=True)
def signing_secrets() -> Iterator[dict[str, str]]:
    """The session's signing secrets in this process's environment too, for settings and apps built in-process."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in dev_signing_secrets().items():
            patch.setenv(name, value)
        yield dev_signing_secrets()


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    """One real Kafka broker and one real PostgreSQL for the whole test session."""
    running = LocalStack().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sandbox(stack: LocalStack) -> Sandbox:
    return Sandbox.on(stack)


@pytest.fixture(scope="module")
async def db(sandbox: Sandbox) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the sandbox's database, for tests that check what a service stored."""
    conn = await asyncpg.connect(sandbox.database_url)
    yield conn
    await conn.close()


@asynccontextmanager
async def migrated_pool(sandbox: Sandbox, schema: str, migrations: Path, size: int = 2) -> AsyncIterator[asyncpg.Pool]:
    """A pool on `schema` of the sandbox's database, migrated as the service's start would: for tests that drive a
    service's parts in their own process."""
    pool = await connect_pool(sandbox.database_url, schema, size)
    try:
        async with pool.acquire() as conn:
            await migrate(pooled(conn), schema, migrations)
        yield pool
    finally:
        await pool.close()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback that keeps what it receives."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()

"""Numbered SQL files applied once each, under an advisory lock.

Replicas that start together all call `migrate`; the lock lets one apply the
files while the others wait and then find nothing left to do. Flipside's own
tables (outbox, inbox) come first, then the service's files.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import asyncpg
import structlog

log = structlog.get_logger(__name__)

SHARED_MIGRATIONS = resources.files("flipside_shared") / "sql"


async def migrate(conn: asyncpg.Connection, schema: str, service_migrations: Path) -> list[str]:
    """Bring `schema` up to date; return the names of the files applied now."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"flipside-migrations:{schema}")
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row["name"] for row in await conn.fetch(f'SELECT name FROM "{schema}".schema_migrations')}
        for name, sql in _pending(service_migrations, done):
            async with conn.transaction():
                await conn.execute(f'SET LOCAL search_path TO "{schema}"')
                await conn.execute(sql)
                await conn.execute(f'INSERT INTO "{schema}".schema_migrations (name) VALUES ($1)', name)
            applied_now.append(name)
            log.info("migration applied", schema=schema, migration=name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"flipside-migrations:{schema}")
    return applied_now


def _pending(service_migrations: Path, done: set[str]) -> list[tuple[str, str]]:
    shared = sorted((f"shared/{f.name}", f.read_text()) for f in SHARED_MIGRATIONS.iterdir() if f.name.endswith(".sql"))
    own = sorted((f"service/{f.name}", f.read_text()) for f in service_migrations.glob("*.sql"))
    return [(name, sql) for name, sql in shared + own if name not in done]

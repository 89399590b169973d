"""Queries that must find a row: an absent one is a broken promise of the code, said plainly."""

from __future__ import annotations

from typing import Any

import asyncpg


class MissingRow(LookupError):
    pass


async def one_row(conn: asyncpg.Connection, query: str, *args: Any) -> asyncpg.Record:
    row: asyncpg.Record | None = await conn.fetchrow(query, *args)
    if row is None:
        raise MissingRow(f"no row where one was certain: {query.split()[0]} ...")
    return row

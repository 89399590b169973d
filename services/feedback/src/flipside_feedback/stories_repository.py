"""asyncpg queries on the success stories, inside the caller's transaction."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from .domain.stories import SuccessStory

_COLUMNS = (
    "pair_id, program_id, mentor_id, mentee_id, drafted_by, body, drafted_at, mentor_consent_at, mentee_consent_at"
)


class StoriesRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def story(self, pair_id: UUID, for_update: bool = False) -> SuccessStory | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(f"SELECT {_COLUMNS} FROM success_stories WHERE pair_id = $1{lock}", pair_id)
        return None if row is None else SuccessStory(**dict(row))

    async def save(self, story: SuccessStory) -> None:
        await self._conn.execute(
            f"INSERT INTO success_stories ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            " ON CONFLICT (pair_id) DO UPDATE SET drafted_by = EXCLUDED.drafted_by, body = EXCLUDED.body,"
            " drafted_at = EXCLUDED.drafted_at, mentor_consent_at = EXCLUDED.mentor_consent_at,"
            " mentee_consent_at = EXCLUDED.mentee_consent_at",
            story.pair_id,
            story.program_id,
            story.mentor_id,
            story.mentee_id,
            story.drafted_by,
            story.body,
            story.drafted_at,
            story.mentor_consent_at,
            story.mentee_consent_at,
        )

    async def shared_in(self, program_id: str) -> list[SuccessStory]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM success_stories WHERE program_id = $1"
            " AND mentor_consent_at IS NOT NULL AND mentee_consent_at IS NOT NULL ORDER BY drafted_at",
            program_id,
        )
        return [SuccessStory(**dict(row)) for row in rows]

    async def erase_stories_of(self, participant_id: UUID) -> None:
        """A story is both people's: erasing either takes it away whole."""
        await self._conn.execute(
            "DELETE FROM success_stories WHERE mentor_id = $1 OR mentee_id = $1 OR drafted_by = $1", participant_id
        )

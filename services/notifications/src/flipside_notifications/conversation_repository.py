"""asyncpg queries on what conversation guides are chosen from, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from .domain.conversation_prompts import LearningAreas


class ConversationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def remember_areas(self, participant_id: UUID, areas: LearningAreas) -> None:
        await self._conn.execute(
            "INSERT INTO learning_areas (participant_id, skills, goals) VALUES ($1, $2, $3)"
            " ON CONFLICT (participant_id) DO UPDATE SET skills = EXCLUDED.skills, goals = EXCLUDED.goals",
            participant_id,
            list(areas.skills),
            list(areas.goals),
        )

    async def forget_areas(self, participant_id: UUID) -> None:
        await self._conn.execute("DELETE FROM learning_areas WHERE participant_id = $1", participant_id)

    async def areas(self, participant_id: UUID) -> LearningAreas:
        row = await self._conn.fetchrow(
            "SELECT skills, goals FROM learning_areas WHERE participant_id = $1", participant_id
        )
        return LearningAreas(tuple(row["skills"]), tuple(row["goals"])) if row else LearningAreas((), ())

    async def chosen_language(self, participant_id: UUID) -> tuple[str | None, str]:
        """The language the person chose for messages, if any, and their profile's locale ('en' if unknown)."""
        row = await self._conn.fetchrow(
            "SELECT p.language, r.locale FROM recipients r LEFT JOIN preferences p USING (participant_id)"
            " WHERE r.participant_id = $1",
            participant_id,
        )
        return (row["language"], row["locale"]) if row else (None, "en")

    async def program_prompts(self, program_id: str, language: str) -> dict[str, list[str]]:
        rows = await self._conn.fetch(
            "SELECT area, prompts FROM conversation_prompts WHERE program_id = $1 AND language = $2",
            program_id,
            language,
        )
        return {row["area"]: list(row["prompts"]) for row in rows}

    async def save_prompts(
        self, program_id: str, area: str, language: str, prompts: Sequence[str], at: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO conversation_prompts (program_id, area, language, prompts, updated_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (program_id, area, language)"
            " DO UPDATE SET prompts = EXCLUDED.prompts, updated_at = EXCLUDED.updated_at",
            program_id,
            area,
            language,
            list(prompts),
            at,
        )

"""asyncpg queries on the `feedback` schema, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from .domain.survey import SurveyAnswers


class FeedbackRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add_request(
        self, request_id: UUID, session_id: UUID, pair_id: UUID, program_id: str, participant_id: UUID, role: str,
        expires_at: datetime,
    ) -> bool:
        """False if this participant was already asked about this session."""
        status = await self._conn.execute(
            "INSERT INTO feedback_requests (request_id, session_id, pair_id, program_id, participant_id, role, expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (session_id, participant_id) DO NOTHING",
            request_id, session_id, pair_id, program_id, participant_id, role, expires_at,
        )
        return status == "INSERT 0 1"

    async def request(self, request_id: UUID) -> asyncpg.Record | None:
        return await self._conn.fetchrow("SELECT * FROM feedback_requests WHERE request_id = $1", request_id)

    async def save_answers(self, request_id: UUID, answers: SurveyAnswers) -> int:
        """Store or replace the answers; return the revision now stored."""
        return await self._conn.fetchval(
            "INSERT INTO responses (request_id, answers) VALUES ($1, $2)"
            " ON CONFLICT (request_id) DO UPDATE SET answers = EXCLUDED.answers, submitted_at = now(),"
            " revision = responses.revision + 1 RETURNING revision",
            request_id,
            answers.model_dump(),
        )

    async def erase_free_text(self, participant_id: UUID) -> None:
        """Erasure keeps the ratings, which no longer point to anyone, and drops what they wrote."""
        await self._conn.execute(
            "UPDATE responses r SET answers = r.answers - 'comment' FROM feedback_requests q"
            " WHERE q.request_id = r.request_id AND q.participant_id = $1",
            participant_id,
        )

    async def program_summary(self, program_id: str) -> asyncpg.Record:
        return await self._conn.fetchrow(
            "SELECT count(*) AS requests, count(r.request_id) AS responses,"
            " count(DISTINCT CASE WHEN r.request_id IS NOT NULL THEN q.participant_id END) AS respondents,"
            " avg((r.answers->>'session_value')::int) AS mean_session_value,"
            " avg((r.answers->>'could_speak_freely')::int) AS mean_could_speak_freely"
            " FROM feedback_requests q LEFT JOIN responses r USING (request_id) WHERE q.program_id = $1",
            program_id,
        )

"""asyncpg queries on what conversation guides are chosen from, inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from .domain.conversation_prompts import LearningAreas


class ConversationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def remember_areas_of(self, people: Sequence[tuple[UUID, LearningAreas]]) -> None:
        """What each (participant, areas) brings and wants, in one statement; a person given twice is kept as given last."""
        latest = dict(people)
        # Each person's lists go as JSON text: lists of lists in a text[] parameter would read as a second dimension.
        await self._conn.execute(
            "INSERT INTO learning_areas (participant_id, skills, goals)"
            " SELECT id, ARRAY(SELECT jsonb_array_elements_text(s::jsonb)), ARRAY(SELECT jsonb_array_elements_text(g::jsonb))"
            " FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(id, s, g)"
            " ON CONFLICT (participant_id) DO UPDATE SET skills = EXCLUDED.skills, goals = EXCLUDED.goals",
            list(latest),
            [json.dumps(areas.skills) for areas in latest.values()],
            [json.dumps(areas.goals) for areas in latest.values()],
        )

    async def forget_areas(self, participant_id: UUID) -> None:
        await self._conn.execute("DELETE FROM learning_areas WHERE participant_id = $1", participant_id)

    async def areas_of(self, participant_ids: Sequence[UUID]) -> dict[UUID, LearningAreas]:
        """What each person brings and wants; nothing for those whose profile named none."""
        rows = await self._conn.fetch(
            "SELECT participant_id, skills, goals FROM learning_areas WHERE participant_id = ANY($1::uuid[])",
            participant_ids,
        )
        found = {row["participant_id"]: LearningAreas(tuple(row["skills"]), tuple(row["goals"])) for row in rows}
        return {participant_id: found.get(participant_id, LearningAreas((), ())) for participant_id in participant_ids}

    async def chosen_languages(self, participant_ids: Sequence[UUID]) -> dict[UUID, tuple[str | None, str]]:
        """For each person, the language they chose for messages, if any, and their profile's locale ('en' if
        unknown)."""
        rows = await self._conn.fetch(
            "SELECT r.participant_id, p.language, r.locale FROM recipients r LEFT JOIN preferences p USING (participant_id)"
            " WHERE r.participant_id = ANY($1::uuid[])",
            participant_ids,
        )
        found = {row["participant_id"]: (row["language"], row["locale"]) for row in rows}
        return {participant_id: found.get(participant_id, (None, "en")) for participant_id in participant_ids}

    async def program_prompts(self, program_id: str, language: str) -> dict[str, list[str]]:
        return (await self.program_prompts_of([(program_id, language)])).get((program_id, language), {})

    async def program_prompts_of(
        self, programs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], dict[str, list[str]]]:
        """The prompts each (program, language) has of its own, by area; nothing for those that have none."""
        rows = await self._conn.fetch(
            "SELECT c.program_id, c.language, c.area, c.prompts FROM conversation_prompts c"
            " JOIN unnest($1::text[], $2::text[]) AS u(program_id, language) USING (program_id, language)",
            [program_id for program_id, _ in programs],
            [language for _, language in programs],
        )
        found: dict[tuple[str, str], dict[str, list[str]]] = {}
        for row in rows:
            found.setdefault((row["program_id"], row["language"]), {})[row["area"]] = list(row["prompts"])
        return found

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

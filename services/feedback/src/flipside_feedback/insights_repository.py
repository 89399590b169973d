"""asyncpg queries that gather one program's records for its insights, each with the people behind it.

Only what the figures count is selected: ratings are read item by item, so no comment and no
concern body ever leaves the database by this path.
"""

from __future__ import annotations

import asyncpg

from .domain.program_figures import (
    CheckIn,
    Enrolment,
    Goal,
    PairHealth,
    Person,
    ProgramRecords,
    Proposal,
    Rating,
    SelfAssessment,
    Session,
)


class InsightsRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def program_known(self, program_id: str) -> bool:
        """Feedback knows a program once someone in it enrolled, was paired or was asked for feedback."""
        return await self._conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM participants WHERE program_id = $1)"
            " OR EXISTS (SELECT 1 FROM pairs WHERE program_id = $1)"
            " OR EXISTS (SELECT 1 FROM feedback_requests WHERE program_id = $1)",
            program_id,
        )

    async def records(self, program_id: str) -> ProgramRecords:
        """One snapshot: figures read from different moments could be subtracted to single someone out."""
        async with self._conn.transaction(isolation="repeatable_read", readonly=True):
            participants = await self._conn.fetch(
                "SELECT participant_id, role, department, grade_band, enrolled_at FROM participants WHERE program_id = $1",
                program_id,
            )
            return ProgramRecords(
                people={r["participant_id"]: Person(r["department"], r["grade_band"]) for r in participants},
                enrolments=[Enrolment(r["participant_id"], r["role"], r["enrolled_at"]) for r in participants],
                proposals=await self._proposals(program_id),
                sessions=await self._sessions(program_id),
                ratings=await self._ratings(program_id),
                goals=await self._goals(program_id),
                pairs=await self._pairs(program_id),
                self_assessments=await self._self_assessments(program_id),
            )

    async def check_ins(self, program_id: str) -> list[CheckIn]:
        rows = await self._conn.fetch(
            "SELECT q.participant_id, q.expires_at, r.request_id IS NOT NULL AS answered,"
            f" {_number('session_value')}, {_number('could_speak_freely')}"
            " FROM feedback_requests q LEFT JOIN responses r USING (request_id) WHERE q.program_id = $1",
            program_id,
        )
        return [
            CheckIn(r["participant_id"], r["expires_at"], r["answered"], r["session_value"], r["could_speak_freely"])
            for r in rows
        ]

    async def _proposals(self, program_id: str) -> list[Proposal]:
        rows = await self._conn.fetch(
            "SELECT p.pair_id, p.proposed_at, p.outcome, coalesce(p.mentor_id, pa.mentor_id) AS mentor_id,"
            " coalesce(p.mentee_id, pa.mentee_id) AS mentee_id"
            " FROM proposals p LEFT JOIN pairs pa ON pa.pair_id = p.pair_id WHERE p.program_id = $1",
            program_id,
        )
        return [Proposal(r["pair_id"], _members(r), r["proposed_at"], r["outcome"]) for r in rows]

    async def _sessions(self, program_id: str) -> list[Session]:
        rows = await self._conn.fetch(
            "SELECT s.session_id, s.starts_at, s.status, pa.mentor_id, pa.mentee_id"
            " FROM sessions s LEFT JOIN pairs pa ON pa.pair_id = s.pair_id WHERE s.program_id = $1",
            program_id,
        )
        return [Session(r["session_id"], _members(r), r["starts_at"], r["status"]) for r in rows]

    async def _ratings(self, program_id: str) -> list[Rating]:
        rows = await self._conn.fetch(
            "SELECT q.request_id, q.participant_id, r.submitted_at, q.expires_at,"
            f" {_number('session_value')}, {_number('could_speak_freely')}, {_number('partner_listened')}"
            " FROM responses r JOIN feedback_requests q ON q.request_id = r.request_id WHERE q.program_id = $1",
            program_id,
        )
        return [
            Rating(
                r["request_id"],
                r["participant_id"],
                r["submitted_at"],
                r["session_value"],
                r["could_speak_freely"],
                r["partner_listened"],
                r["expires_at"],
            )
            for r in rows
        ]

    async def _goals(self, program_id: str) -> list[Goal]:
        rows = await self._conn.fetch(
            "SELECT goal_id, owner_id, set_at, status, achieved_at FROM goals WHERE program_id = $1", program_id
        )
        return [Goal(r["goal_id"], r["owner_id"], r["set_at"], r["status"], r["achieved_at"]) for r in rows]

    async def _pairs(self, program_id: str) -> list[PairHealth]:
        rows = await self._conn.fetch(
            "SELECT pair_id, mentor_id, mentee_id, ended_at IS NOT NULL AS ended, health_status FROM pairs WHERE program_id = $1",
            program_id,
        )
        return [PairHealth(r["pair_id"], _members(r), r["ended"], r["health_status"]) for r in rows]

    async def _self_assessments(self, program_id: str) -> list[SelfAssessment]:
        rows = await self._conn.fetch(
            "SELECT participant_id, phase, scores, recorded_at FROM self_assessments WHERE program_id = $1", program_id
        )
        return [SelfAssessment(r["participant_id"], r["phase"], r["scores"], r["recorded_at"]) for r in rows]


def _number(question_id: str) -> str:
    """One numeric answer, or NULL where it is missing or not a number (a program's own questionnaire)."""
    return (
        f"CASE WHEN jsonb_typeof(r.answers->'{question_id}') = 'number'"
        f" THEN (r.answers->>'{question_id}')::float8 END AS {question_id}"
    )


def _members(row: asyncpg.Record) -> tuple:
    return tuple(member for member in (row["mentor_id"], row["mentee_id"]) if member is not None)

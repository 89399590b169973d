"""asyncpg queries on the `matching` schema, inside the caller's transaction."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from flipside_shared.events import ParticipantProfile

from .domain.model import MatchPolicy, PairCandidate, Participant


class MatchingRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock_program(self, program_id: str) -> None:
        """Serialise matching within one program across replicas until the transaction ends."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"matching:{program_id}")

    async def add_participant(self, participant_id: UUID, profile: ParticipantProfile) -> Participant | None:
        """Store a new participant; None if that id is already enrolled."""
        row = await self._conn.fetchrow(
            "INSERT INTO participants (participant_id, program_id, role, grade, profile, capacity)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (participant_id) DO NOTHING"
            " RETURNING participant_id, profile, active_pairs, enrolled_at",
            participant_id,
            profile.program_id,
            profile.role,
            profile.grade,
            profile.model_dump(mode="json"),
            profile.capacity,
        )
        return _participant(row) if row else None

    async def waiting_counterparts(self, newcomer: Participant, policy: MatchPolicy, limit: int) -> list[Participant]:
        """Those still waiting who could mentor the newcomer or be mentored by them, longest-waiting first.

        The grade and role rules are applied here too, only to keep the candidate list short;
        the domain rules still decide.
        """
        profile = newcomer.profile
        rows = await self._conn.fetch(
            "SELECT participant_id, profile, active_pairs, enrolled_at FROM participants"
            " WHERE program_id = $1 AND active_pairs < capacity AND participant_id <> $2 AND ("
            "   ($3 AND role <> 'mentor' AND grade >= $5::int + $6::int)"
            "   OR ($4 AND role <> 'mentee' AND grade <= $5::int - $6::int))"
            " ORDER BY enrolled_at LIMIT $7",
            profile.program_id,
            newcomer.participant_id,
            newcomer.can_mentor(),
            newcomer.can_be_mentored(),
            profile.grade,
            policy.min_grade_gap,
            limit,
        )
        return [_participant(row) for row in rows]

    async def add_pair(self, pair_id: UUID, candidate: PairCandidate) -> None:
        await self._conn.execute(
            "INSERT INTO pairs (pair_id, program_id, mentor_id, mentee_id, score, reasons)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            pair_id,
            candidate.mentor.profile.program_id,
            candidate.mentor.participant_id,
            candidate.mentee.participant_id,
            candidate.score,
            list(candidate.reasons),
        )
        await self._conn.execute(
            "UPDATE participants SET active_pairs = active_pairs + 1 WHERE participant_id = ANY($1::uuid[])",
            [candidate.mentor.participant_id, candidate.mentee.participant_id],
        )

    async def profile_for_update(self, participant_id: UUID) -> ParticipantProfile | None:
        row = await self._conn.fetchrow("SELECT profile FROM participants WHERE participant_id = $1 FOR UPDATE", participant_id)
        return ParticipantProfile.model_validate(row["profile"]) if row else None

    async def save_erased(self, participant_id: UUID, profile: ParticipantProfile) -> None:
        """Keep only the anonymised profile and take the participant out of matching."""
        await self._conn.execute(
            "UPDATE participants SET profile = $2, capacity = active_pairs, erased_at = now() WHERE participant_id = $1",
            participant_id,
            profile.model_dump(mode="json"),
        )
        # Published events about them are the only other copy here; unpublished ones must still go out.
        await self._conn.execute("DELETE FROM outbox WHERE key = $1 AND sent_at IS NOT NULL", str(participant_id))

    async def pairs(self, program_id: str) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT pair_id, mentor_id, mentee_id, score, reasons, status, created_at FROM pairs"
            " WHERE program_id = $1 ORDER BY created_at, pair_id",
            program_id,
        )


def _participant(row: asyncpg.Record) -> Participant:
    return Participant(
        participant_id=row["participant_id"],
        profile=ParticipantProfile.model_validate(row["profile"]),
        active_pairs=row["active_pairs"],
        enrolled_at=row["enrolled_at"],
    )

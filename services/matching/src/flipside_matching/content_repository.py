"""asyncpg queries on what a lead writes for their program: its agreement, acceptances of it, orientation guides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from flipside_shared.rows import one_row

from .domain.agreements import ProgramAgreement
from .domain.orientation import GuideRole, GuideSection, OrientationGuide


class ContentRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def current_agreement(self, program_id: str) -> ProgramAgreement | None:
        row = await self._conn.fetchrow(
            "SELECT program_id, version, ground_rules, confidentiality, published_at FROM program_agreements"
            " WHERE program_id = $1 ORDER BY version DESC LIMIT 1",
            program_id,
        )
        return None if row is None else ProgramAgreement(**dict(row))

    async def publish_agreement(
        self, program_id: str, ground_rules: str, confidentiality: str, at: datetime
    ) -> ProgramAgreement:
        """The next version; two leads publishing at once get two versions, one after the other."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('matching-agreement:' || $1))", program_id)
        row = await one_row(
            self._conn,
            "INSERT INTO program_agreements (program_id, version, ground_rules, confidentiality, published_at)"
            " SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM program_agreements WHERE program_id = $1"
            " RETURNING program_id, version, ground_rules, confidentiality, published_at",
            program_id,
            ground_rules,
            confidentiality,
            at,
        )
        return ProgramAgreement(**dict(row))

    async def record_acceptance(self, participant_id: UUID, program_id: str, version: int, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO agreement_acceptances (participant_id, program_id, version, accepted_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (participant_id) DO NOTHING",
            participant_id,
            program_id,
            version,
            at,
        )

    async def record_acceptances(self, acceptances: Sequence[tuple[UUID, str, int]], at: datetime) -> None:
        """`record_acceptance` of each (participant, program, version) at once, in one statement."""
        await self._conn.execute(
            "INSERT INTO agreement_acceptances (participant_id, program_id, version, accepted_at)"
            " SELECT *, $4::timestamptz FROM unnest($1::uuid[], $2::text[], $3::integer[])"
            " ON CONFLICT (participant_id) DO NOTHING",
            [participant_id for participant_id, _, _ in acceptances],
            [program_id for _, program_id, _ in acceptances],
            [version for _, _, version in acceptances],
            at,
        )

    async def renew_acceptance(self, participant_id: UUID, program_id: str, version: int, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO agreement_acceptances (participant_id, program_id, version, accepted_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (participant_id)"
            " DO UPDATE SET version = EXCLUDED.version, accepted_at = EXCLUDED.accepted_at",
            participant_id,
            program_id,
            version,
            at,
        )

    async def acceptances(self, program_id: str) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT participant_id, version, accepted_at FROM agreement_acceptances WHERE program_id = $1"
            " ORDER BY accepted_at",
            program_id,
        )

    async def orientation_guide(self, program_id: str, role: GuideRole, language: str) -> OrientationGuide | None:
        row = await self._conn.fetchrow(
            "SELECT sections FROM orientation_guides WHERE program_id = $1 AND role = $2 AND language = $3",
            program_id,
            role,
            language,
        )
        if row is None:
            return None
        sections = tuple(GuideSection(**section) for section in row["sections"])
        return OrientationGuide(role, language, sections, built_in=False)

    async def save_orientation_guide(self, program_id: str, guide: OrientationGuide, at: datetime) -> None:
        sections = [section.__dict__ for section in guide.sections]
        await self._conn.execute(
            "INSERT INTO orientation_guides (program_id, role, language, sections, updated_at)"
            " VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (program_id, role, language)"
            " DO UPDATE SET sections = EXCLUDED.sections, updated_at = EXCLUDED.updated_at",
            program_id,
            guide.role,
            guide.language,
            sections,
            at,
        )

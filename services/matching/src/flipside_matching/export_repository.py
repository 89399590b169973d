"""Queries of matching's schema for people's exports: the requests and the pieces of each service's part."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from .domain.exports import ExportRequest, Piece


class ExportRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def ever_enrolled(self, participant_id: UUID) -> bool:
        """Enrolled now or once (withdrawn people keep their data until erased, so they may still ask for it)."""
        found: bool = await self._conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM participants WHERE participant_id = $1)", participant_id
        )
        return found

    async def add(self, request: ExportRequest) -> None:
        await self._conn.execute(
            "INSERT INTO personal_data_exports (export_id, participant_id, requested_at, answer_by, expires_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            request.export_id,
            request.participant_id,
            request.requested_at,
            request.answer_by,
            request.expires_at,
        )

    async def request(self, export_id: UUID, participant_id: UUID) -> ExportRequest | None:
        row = await self._conn.fetchrow(
            "SELECT export_id, participant_id, requested_at, answer_by, expires_at FROM personal_data_exports"
            " WHERE export_id = $1 AND participant_id = $2",
            export_id,
            participant_id,
        )
        return ExportRequest(**row) if row else None

    async def requests_of(self, participant_id: UUID, now: datetime) -> list[ExportRequest]:
        """The person's exports not yet expired, newest first."""
        rows = await self._conn.fetch(
            "SELECT export_id, participant_id, requested_at, answer_by, expires_at FROM personal_data_exports"
            " WHERE participant_id = $1 AND expires_at > $2 ORDER BY requested_at DESC",
            participant_id,
            now,
        )
        return [ExportRequest(**row) for row in rows]

    async def add_piece(self, export_id: UUID, participant_id: UUID, piece: Piece) -> bool:
        """Keep a piece of a part of an export still wanted; False when there is none (expired, erased)."""
        status: str = await self._conn.execute(
            "INSERT INTO personal_data_export_pieces (export_id, service, piece, pieces, document)"
            " SELECT export_id, $3, $4, $5, $6 FROM personal_data_exports WHERE export_id = $1 AND participant_id = $2"
            " ON CONFLICT DO NOTHING",
            export_id,
            participant_id,
            piece.service,
            piece.piece,
            piece.pieces,
            piece.text,
        )
        return status != "INSERT 0 0"

    async def pieces(self, export_id: UUID) -> list[Piece]:
        rows = await self._conn.fetch(
            "SELECT service, piece, pieces, document FROM personal_data_export_pieces WHERE export_id = $1", export_id
        )
        return [Piece(r["service"], r["piece"], r["pieces"], r["document"]) for r in rows]

    async def forget_person(self, participant_id: UUID) -> int:
        """Delete every export of the person, pending or ready (their pieces go with them)."""
        deleted: list[asyncpg.Record] = await self._conn.fetch(
            "DELETE FROM personal_data_exports WHERE participant_id = $1 RETURNING export_id", participant_id
        )
        return len(deleted)

    async def delete_expired(self, now: datetime, limit: int) -> int:
        deleted: list[asyncpg.Record] = await self._conn.fetch(
            "DELETE FROM personal_data_exports WHERE export_id IN"
            " (SELECT export_id FROM personal_data_exports WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)"
            " RETURNING export_id",
            now,
            limit,
        )
        return len(deleted)

"""Notifications' HTTP edge: what was sent to a participant (never the message bodies)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request

from .repository import NotificationsRepository

router = APIRouter()


@router.get("/participants/{participant_id}/deliveries")
async def deliveries(participant_id: UUID, request: Request) -> list[dict]:
    async with request.app.state.runtime.pool.acquire() as conn:
        return [dict(row) for row in await NotificationsRepository(conn).deliveries_of(participant_id)]

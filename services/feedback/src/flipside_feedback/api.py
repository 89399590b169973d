"""Feedback's HTTP edge: the survey behind a signed link, and aggregates that keep confidences."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request

from .domain.links import ExpiredLink, InvalidLink, verify
from .domain.survey import MIN_GROUP_SIZE, QUESTIONS, SurveyAnswers, suppress_small_groups
from .repository import FeedbackRepository

router = APIRouter()


def _request_id(token: str, request: Request) -> UUID:
    secret = request.app.state.runtime.settings.link_secret.get_secret_value().encode()
    try:
        return verify(token, secret, datetime.now(UTC))
    except ExpiredLink as error:
        raise HTTPException(status_code=410, detail=str(error)) from None
    except InvalidLink as error:
        raise HTTPException(status_code=403, detail=str(error)) from None


@router.get("/surveys/{token}")
async def survey(token: str, request: Request) -> dict:
    request_id = _request_id(token, request)
    async with request.app.state.runtime.pool.acquire() as conn:
        if await FeedbackRepository(conn).request(request_id) is None:
            raise HTTPException(status_code=404, detail="no such feedback request")
    return {"request_id": str(request_id), "questions": QUESTIONS}


@router.post("/surveys/{token}")
async def answer(token: str, answers: SurveyAnswers, request: Request) -> dict:
    """Answers can be changed until the link expires; the latest revision counts."""
    request_id = _request_id(token, request)
    async with request.app.state.runtime.units.begin() as uow:
        repository = FeedbackRepository(uow.conn)
        if await repository.request(request_id) is None:
            raise HTTPException(status_code=404, detail="no such feedback request")
        revision = await repository.save_answers(request_id, answers)
    return {"request_id": str(request_id), "revision": revision, "replaced_earlier_answers": revision > 1}


@router.get("/programs/{program_id}/summary")
async def program_summary(program_id: str, request: Request) -> dict:
    async with request.app.state.runtime.pool.acquire() as conn:
        row = await FeedbackRepository(conn).program_summary(program_id)
    figures = {
        "responses": row["responses"],
        "mean_session_value": _rounded(row["mean_session_value"]),
        "mean_could_speak_freely": _rounded(row["mean_could_speak_freely"]),
    }
    return {
        "program_id": program_id,
        "requests": row["requests"],
        "min_group_size": MIN_GROUP_SIZE,
        **suppress_small_groups(row["respondents"], figures),
    }


def _rounded(value) -> float | None:
    return None if value is None else round(float(value), 2)

from .dashboard import router as dashboard_router  # noqa: E402  (appended so the dashboard merges without touching the routes above)
router.include_router(dashboard_router)

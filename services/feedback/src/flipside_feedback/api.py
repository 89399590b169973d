"""Feedback's HTTP edge: check-ins behind signed links, goals, self-assessments, concerns, and aggregates
that keep confidences.

Every route but the survey's checks the caller's bearer token: a participant acts for themself (a body's
`participant_id` or `owner_id` must be them), a program lead sees aggregates of their programs only. A survey
link is a credential of its own: whoever holds it answers that one check-in, and sees only their own answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flipside_shared.auth.rules import (
    acting_as,
    authenticated,
    forbidden,
    require_lead,
    require_pair_member,
    require_self,
)
from flipside_shared.auth.tokens import Principal
from flipside_shared.events.feedback import GoalCategory
from flipside_shared.text import FEW_ITEMS, Identifier, Name, Text

from .dashboard import router as dashboard_router
from .dependencies import ClockDependency, LeadOrSponsor, LoopDependency, Settings, Units, people_of_pair
from .domain.closing import ClosingReportUnavailable, report_available
from .domain.closing_report import closing_report as report_of
from .domain.concerns import concern_themes
from .domain.goals import GoalRefused
from .domain.links import ExpiredLink, InvalidLink, verify
from .domain.program_figures import check_in_summary
from .domain.questionnaire import InvalidAnswers, Questionnaire
from .domain.self_assessment import DIMENSIONS, SelfAssessmentLocked, check_may_change, closing_questions
from .domain.submissions import SubmissionRefused
from .domain.survey import MIN_GROUP_SIZE
from .handlers import FeedbackLoop, FeedbackUnit, UnknownRequest
from .repository import FeedbackRepository
from .settings import FeedbackSettings
from .stories_api import router as stories_router

router = APIRouter()
router.include_router(dashboard_router)
router.include_router(stories_router)

Caller = Annotated[Principal, Depends(authenticated)]

SELF_ASSESSMENT_DIMENSIONS = tuple(DIMENSIONS)
CONCERN_THEMES = ("psychological_safety", "respect", "time_and_workload", "program_design", "other")


class SurveySubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[Identifier, Any] = Field(max_length=FEW_ITEMS)
    goal_progress: dict[UUID, int] = Field(default={}, max_length=FEW_ITEMS)


class NewGoal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner_id: UUID
    category: GoalCategory
    title: Name = Field(min_length=1)


class GoalUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: UUID
    progress_percent: int = Field(ge=0, le=100)


class SelfAssessment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: dict[Literal[SELF_ASSESSMENT_DIMENSIONS], int] = Field(  # type: ignore[valid-type]
        min_length=1,
        max_length=len(SELF_ASSESSMENT_DIMENSIONS),
    )

    def checked(self) -> dict[str, int]:
        if bad := sorted(name for name, value in self.scores.items() if value not in range(1, 6)):
            raise HTTPException(422, f"scores are whole numbers from 1 to 5: {bad}")
        return dict(self.scores)


class Concern(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: UUID
    theme: Literal[CONCERN_THEMES]  # type: ignore[valid-type]
    body: Text = Field(min_length=1)


def _request_id(token: str, settings: FeedbackSettings, now: datetime) -> UUID:
    secret = settings.link_secret.get_secret_value().encode()
    try:
        return verify(token, secret, now)
    except ExpiredLink as error:
        raise HTTPException(status_code=410, detail=str(error)) from None
    except InvalidLink as error:
        raise HTTPException(status_code=403, detail=str(error)) from None


@router.get("/surveys/{token}")
async def survey(token: str, units: Units, settings: Settings, clock: ClockDependency) -> dict[str, Any]:
    """The questions of the version asked, the holder's own answers so far, and the pair's goals to move."""
    request_id = _request_id(token, settings, clock.now())
    async with units.reading() as repository:
        asked = await repository.request(request_id)
        if asked is None:
            return await _closing_survey(repository, request_id)
        questionnaire = await repository.questionnaire(asked["program_id"], asked["questionnaire_version"])
        if questionnaire is None:
            raise HTTPException(status_code=404, detail="the questionnaire of this check-in is gone")
        goals = [
            dict(g)
            for g in await repository.goals_of_pair(asked["pair_id"])
            if g["owner_id"] == asked["participant_id"]
        ]
    return {
        "request_id": str(request_id),
        "questions": {"version": asked["questionnaire_version"], **questionnaire.model_dump()},
        "your_answers": asked["answers"],
        "your_goals": goals,
        "expires_at": asked["expires_at"],
    }


async def _closing_survey(repository: FeedbackRepository, request_id: UUID) -> dict[str, Any]:
    """A closing self-assessment's link: its scales and the holder's own end scores so far."""
    asked = await repository.closing_request(request_id)
    if asked is None:
        raise HTTPException(status_code=404, detail="no such feedback request")
    saved = {
        row["phase"]: row["scores"]
        for row in await repository.self_assessments(asked["participant_id"])
        if row["program_id"] == asked["program_id"]
    }
    return {
        "request_id": str(request_id),
        "kind": "closing_self_assessment",
        "questions": {"questions": closing_questions()},
        "your_answers": saved.get("end"),
        "your_goals": [],
        "expires_at": asked["expires_at"],
    }


@router.post("/surveys/{token}")
async def answer(
    token: str,
    body: SurveySubmission,
    units: Units,
    settings: Settings,
    clock: ClockDependency,
    loop: LoopDependency,
) -> dict[str, Any]:
    """Answers can be changed until the link expires; the latest revision counts, an identical one changes nothing."""
    now = clock.now()
    request_id = _request_id(token, settings, now)
    async with units.begin() as uow:
        asked = await uow.repository.request(request_id)
        if asked is None:
            return await _answer_closing(uow, loop, request_id, body, now)
        try:
            result, revision = await loop.record_answers(
                uow,
                request_id,
                asked["participant_id"],
                asked["pair_id"],
                body.answers,
                body.goal_progress,
                "form",
                now,
            )
        except InvalidAnswers as invalid:
            raise HTTPException(
                422, {"message": "answers do not fit the questions", "problems": invalid.problems}
            ) from None
        except SubmissionRefused as refused:
            raise HTTPException(410 if refused.kind == "expired" else 403, str(refused)) from None
        except (GoalRefused, UnknownRequest) as refused:
            raise HTTPException(409, str(refused)) from None
    return {"request_id": str(request_id), "outcome": result, "revision": revision}


async def _answer_closing(
    uow: FeedbackUnit, loop: FeedbackLoop, request_id: UUID, body: SurveySubmission, now: datetime
) -> dict[str, Any]:
    if body.goal_progress:
        raise HTTPException(422, "goal_progress: a closing self-assessment moves no goals")
    try:
        scores = await loop.answer_closing_self_assessment(uow, request_id, body.answers, now)
    except UnknownRequest as unknown:
        raise HTTPException(404, str(unknown)) from None
    except InvalidAnswers as invalid:
        raise HTTPException(
            422, {"message": "answers do not fit the questions", "problems": invalid.problems}
        ) from None
    except SubmissionRefused as refused:
        raise HTTPException(410, str(refused)) from None
    except SelfAssessmentLocked as locked:
        raise HTTPException(409, str(locked)) from None
    return {"request_id": str(request_id), "outcome": "recorded", "scores": scores}


@router.put("/programs/{program_id}/questionnaire", status_code=201, dependencies=[Depends(require_lead())])
async def new_questionnaire(program_id: str, body: dict[str, Any], units: Units) -> dict[str, Any]:
    """A new version of the program's check-in questions; requests already sent keep theirs."""
    try:
        questionnaire = Questionnaire.model_validate(body)
    except ValidationError as error:
        raise HTTPException(422, [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]) from None
    async with units.begin() as uow:
        version = await uow.repository.add_questionnaire(program_id, questionnaire)
    return {"program_id": program_id, "version": version}


@router.get("/programs/{program_id}/questionnaire", dependencies=[Depends(authenticated)])
async def current_questionnaire(program_id: str, units: Units) -> dict[str, Any]:
    async with units.reading() as repository:
        version, questionnaire = await repository.latest_questionnaire(program_id)
    return {"program_id": program_id, "version": version, **questionnaire.model_dump()}


@router.post("/pairs/{pair_id}/goals", status_code=201)
async def set_goal(
    pair_id: UUID,
    body: NewGoal,
    units: Units,
    clock: ClockDependency,
    loop: LoopDependency,
    principal: Caller,
) -> dict[str, Any]:
    acting_as(principal, body.owner_id)
    async with units.begin() as uow:
        try:
            goal_id = await loop.set_goal(uow, pair_id, body.owner_id, body.category, body.title, clock.now())
        except GoalRefused as refused:
            raise HTTPException(403, str(refused)) from None
        except LookupError as missing:
            raise HTTPException(404, str(missing)) from None
    return {"goal_id": str(goal_id)}


@router.get("/pairs/{pair_id}/goals", dependencies=[Depends(require_pair_member(people_of_pair))])
async def goals(pair_id: UUID, units: Units, participant_id: UUID | None = None) -> list[dict[str, Any]]:
    """The pair's goals, both sides' (they are mutual), for one of its two people (`participant_id`, if given, must be one)."""
    async with units.reading() as repository:
        members = await repository.pair_members(pair_id)
        if members is None:
            raise HTTPException(404, "no such pair")
        if participant_id is not None and participant_id not in (members.mentor_id, members.mentee_id):
            raise HTTPException(403, "only the two people of a pair see its goals")
        return [dict(row) for row in await repository.goals_of_pair(pair_id)]


@router.patch("/goals/{goal_id}")
async def move_goal(
    goal_id: UUID,
    body: GoalUpdate,
    units: Units,
    clock: ClockDependency,
    loop: LoopDependency,
    principal: Caller,
) -> dict[str, Any]:
    acting_as(principal, body.participant_id)
    async with units.begin() as uow:
        try:
            await loop.move_goal(uow, goal_id, body.participant_id, body.progress_percent, clock.now())
        except GoalRefused as refused:
            raise HTTPException(404 if str(refused) == "no such goal" else 409, str(refused)) from None
    return {"goal_id": str(goal_id), "progress_percent": body.progress_percent}


@router.put("/participants/{participant_id}/self-assessments/{phase}", dependencies=[Depends(require_self())])
async def self_assess(
    participant_id: UUID,
    phase: Literal["baseline", "end"],
    body: SelfAssessment,
    units: Units,
    settings: Settings,
    clock: ClockDependency,
) -> dict[str, Any]:
    scores = body.checked()
    async with units.begin() as uow:
        repository = uow.repository
        person = await repository.participant(participant_id)
        if person is None:
            raise HTTPException(404, "no such participant (not enrolled, or erased)")
        saved_at = await repository.self_assessment_saved_at(participant_id, person["program_id"], phase)
        try:
            check_may_change(phase, saved_at, settings.insights_closing(), clock.now())
        except SelfAssessmentLocked as locked:
            raise HTTPException(409, str(locked)) from None
        await repository.save_self_assessment(participant_id, person["program_id"], phase, scores)
    return {"participant_id": str(participant_id), "phase": phase, "scores": scores}


@router.get("/participants/{participant_id}/self-assessments", dependencies=[Depends(require_self())])
async def own_self_assessments(participant_id: UUID, units: Units) -> list[dict[str, Any]]:
    async with units.reading() as repository:
        return [dict(row) for row in await repository.self_assessments(participant_id)]


@router.post("/programs/{program_id}/concerns", status_code=202)
async def raise_concern(
    program_id: str,
    body: Concern,
    units: Units,
    clock: ClockDependency,
    loop: LoopDependency,
    principal: Caller,
) -> dict[str, Any]:
    """Stored without its author; the lead sees a theme only once five different people raised it."""
    acting_as(principal, body.participant_id)
    async with units.begin() as uow:
        repository = uow.repository
        person = await repository.participant(body.participant_id)
        if person is None or person["program_id"] != program_id:
            raise HTTPException(404, "not a participant of this program")
        await repository.add_concern(
            program_id, body.theme, body.body, loop.contributor_hash(body.participant_id), clock.now()
        )
    return {"received": True}


@router.get("/programs/{program_id}/concerns", dependencies=[Depends(require_lead())])
async def concerns(program_id: str, units: Units, settings: Settings, clock: ClockDependency) -> dict[str, Any]:
    """Themes of closed periods only, like the insights: a concern raised since shows nowhere yet."""
    async with units.reading() as repository:
        raised = await repository.concerns(program_id)
    themes = concern_themes(raised, settings.insights_closing(), clock.now())
    return {
        "program_id": program_id,
        "min_group_size": MIN_GROUP_SIZE,
        "up_to": themes.up_to.isoformat() if themes.up_to else None,
        "themes": [
            {"theme": theme, "contributors": contributors, "concerns": bodies}
            for theme, (contributors, bodies) in themes.shown.items()
        ],
        "themes_withheld": themes.withheld,
    }


@router.get("/programs/{program_id}/closing-report")
async def closing_report(
    program_id: str, units: Units, settings: Settings, clock: ClockDependency, principal: Caller
) -> dict[str, Any]:
    """A completed program's close, in aggregate: for its leads, its executive sponsors and admins."""
    async with units.reading() as repository:
        known = await repository.closing.program(program_id)
        if known is None:
            raise HTTPException(404, "no such program")
        status, readers = known
        if not readers.admits(principal.subject, principal.leads(program_id)):
            raise forbidden(
                "only a lead or an executive sponsor of this program or an admin may read its closing report"
            )
        try:
            report_available(status)
        except ClosingReportUnavailable as unavailable:
            raise HTTPException(409, str(unavailable)) from None
        records = await repository.closing.records(program_id)
    return {"program_id": program_id, **report_of(records, settings.insights_closing(), clock.now())}


@router.get("/programs/{program_id}/summary", dependencies=[LeadOrSponsor])
async def program_summary(program_id: str, units: Units, settings: Settings, clock: ClockDependency) -> dict[str, Any]:
    """Check-ins of closed periods only, like the insights: two reads around one answer show the same."""
    async with units.reading() as repository:
        check_ins = await repository.insights.check_ins(program_id)
    closing = settings.insights_closing()
    return {
        "program_id": program_id,
        "min_group_size": MIN_GROUP_SIZE,
        **check_in_summary(check_ins, closing, clock.now()),
    }

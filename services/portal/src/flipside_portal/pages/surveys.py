"""The check-in survey, opened from the e-mailed link with no sign-in: the signed token in the address is the
credential, passed on to feedback as it is (feedback checks it; the portal calls it with no bearer token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from flipside_shared.text import TEXT_CHARS, lines

from ..dependencies import MaybeVisitor, PagesDependency, ServicesDependency
from ..i18n import N_
from ..services import ServiceRefused

router = APIRouter()

# Words for each point of a 1-5 scale, lowest first.
SCALE = ((1, N_("Not at all")), (2, N_("A little")), (3, N_("Partly")), (4, N_("Mostly")), (5, N_("Fully")))
# The built-in questions (feedback's `BUILT_IN`), translated; a program's own questions are shown as written.
BUILT_IN_QUESTIONS = (
    N_("How valuable was this session?"),
    N_("I could say what I really think."),
    N_("My partner listened."),
    N_("Was it time well spent?"),
    N_("Anything else? Only you will ever see this."),
    # The closing self-assessment's scales (feedback's self-assessment dimensions).
    N_("How confident are you with digital tools and new ways of working?"),
    N_("How confident are you as a leader?"),
    N_("How well do you understand the organisation's strategy?"),
    N_("How well do you understand colleagues of another generation?"),
)
# A link of this kind opens the closing self-assessment at the program's end rather than a session's check-in.
CLOSING = "closing_self_assessment"
# Feedback's refusals of the link itself: the survey cannot be shown at all.
CLOSED = {410: "expired", 403: "invalid", 404: "invalid"}


@router.get("/surveys/{token}")
async def survey_page(
    request: Request,
    token: str,
    visitor: MaybeVisitor,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str = "",
) -> Response:
    try:
        survey = await services.feedback.get(f"/surveys/{token}", None)
    except ServiceRefused as refused:
        return _closed(request, pages, refused)
    if done == "answered":
        return pages.render(request, "surveys/thanks.html", token=token, expires_at=survey["expires_at"])
    values = {name: _shown(answer) for name, answer in (survey["your_answers"] or {}).items()}
    return _form(request, pages, token, survey, values=values)


@router.post("/surveys/{token}")
async def answer_survey(
    request: Request, token: str, visitor: MaybeVisitor, pages: PagesDependency, services: ServicesDependency
) -> Response:
    try:
        survey = await services.feedback.get(f"/surveys/{token}", None)
    except ServiceRefused as refused:
        return _closed(request, pages, refused)
    form = await request.form()
    values = {name: str(value) for name, value in form.items() if name != "csrf_token"}
    answers, goal_progress, errors = _read(request, pages, survey, values)
    if errors:
        return _form(request, pages, token, survey, values, errors, status_code=422)
    try:
        await services.feedback.post(f"/surveys/{token}", None, {"answers": answers, "goal_progress": goal_progress})
    except ServiceRefused as refused:
        if refused.status in CLOSED:
            return _closed(request, pages, refused)
        return _form(request, pages, token, survey, values, refused.fields, refused.message, refused.status)
    return RedirectResponse(f"/surveys/{token}?done=answered", status_code=303)


def _closed(request: Request, pages: PagesDependency, refused: ServiceRefused) -> Response:
    if refused.status not in CLOSED:
        raise refused
    return pages.render(request, "surveys/closed.html", status_code=refused.status, why=CLOSED[refused.status])


def _form(
    request: Request,
    pages: PagesDependency,
    token: str,
    survey: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    questions = [
        {**question, "text": pages.translate(request, question["text"])}
        for question in survey["questions"]["questions"]
    ]
    return pages.render(
        request,
        "surveys/form.html",
        status_code=status_code,
        token=token,
        closing=survey.get("kind") == CLOSING,
        questions=questions,
        scale=[(point, pages.translate(request, words)) for point, words in SCALE],
        goals=survey["your_goals"],
        answered=survey["your_answers"] is not None,
        expires_at=survey["expires_at"],
        values=values,
        errors=errors or {},
        message=message or (pages.translate(request, N_("Some answers need another look.")) if errors else None),
    )


def _shown(answer: Any) -> str:
    """An answer as its form field holds it."""
    if answer is True:
        return "yes"
    if answer is False:
        return "no"
    return "" if answer is None else str(answer)


def _read(
    request: Request, pages: PagesDependency, survey: dict[str, Any], values: dict[str, str]
) -> tuple[dict[str, Any], dict[str, int], dict[str, str]]:
    """The answers and goal progress as feedback takes them, and a sentence for each field that is not right."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in survey["questions"]["questions"]:
        name, kind = question["id"], question["kind"]
        given = values.get(name, "").strip()
        if not given:
            if not question.get("optional"):
                errors[name] = pages.translate(request, N_("Please answer this question."))
            continue
        if kind == "scale" and given in {str(point) for point, _ in SCALE}:
            answers[name] = int(given)
        elif kind == "yes_no" and given in ("yes", "no"):
            answers[name] = given == "yes"
        elif kind == "text" and len(given) > TEXT_CHARS:
            errors[name] = pages.translate(request, N_("Please keep it to %(count)s characters."), count=TEXT_CHARS)
        elif kind == "text":
            try:
                answers[name] = lines(given)
            except ValueError:
                errors[name] = pages.translate(
                    request, N_("Please remove the invisible control characters (often pasted in along with text).")
                )
        else:
            errors[name] = pages.translate(request, N_("Please pick one of the answers offered."))
    goal_progress: dict[str, int] = {}
    for goal in survey["your_goals"]:
        name = f"goal-{goal['goal_id']}"
        if goal["status"] != "open" or name not in values:
            continue
        given = values[name].strip()
        if given.isdigit() and int(given) <= 100:
            if int(given) != goal["progress_percent"]:
                goal_progress[goal["goal_id"]] = int(given)
        else:
            errors[name] = pages.translate(request, N_("Enter a whole number from 0 to 100."))
    return answers, goal_progress, errors

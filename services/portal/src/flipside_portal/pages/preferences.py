"""How Flipside tells me things: channels, what about, quiet hours, a daily digest, chat webhooks, the messages'
language. Notifications checks the webhook URLs; its refusals are shown next to the URL they are about."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ..dependencies import PagesDependency, Participant, ServicesDependency
from ..i18n import LANGUAGES, N_
from ..services import ServiceRefused
from ..visitors import participant_of
from ..web import Pages

router = APIRouter()

CHANNELS = (("email", N_("E-mail")), ("slack", N_("Slack")), ("teams", N_("Microsoft Teams")))
KINDS = (
    ("pairing", N_("Partners: proposals, new pairs, and why you are still waiting")),
    ("sessions", N_("Sessions planned, moved or cancelled")),
    ("reminders", N_("Reminders before a session")),
    ("feedback", N_("Check-in questions after a session")),
)
NOTICES = {"saved": N_("Your notification choices are saved.")}
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]")
# Notifications names a refused URL in its sentence: "slack_webhook_url: must be ...".
NAMED_REFUSAL = re.compile(r"^(?P<field>[a-z_]+): (?P<reason>.+)$", re.DOTALL | re.IGNORECASE)
FIELDS = (
    "channels",
    "muted_kinds",
    "quiet_hours",
    "digest",
    "digest_time",
    "slack_webhook_url",
    "teams_webhook_url",
    "language",
)


@router.get("/preferences")
async def preferences_page(
    request: Request,
    visitor: Participant,
    pages: PagesDependency,
    services: ServicesDependency,
    done: str | None = None,
) -> Response:
    try:
        current = await services.notifications.get(
            f"/participants/{participant_of(visitor)}/preferences", visitor.access_token
        )
    except ServiceRefused as refused:
        if refused.status != 404:
            raise
        return pages.render(request, "join/not_enrolled.html")
    notice = pages.translate(request, NOTICES[done]) if done in NOTICES else None
    return _page(request, pages, _values(current), notice=notice)


@router.post("/preferences")
async def save_preferences(
    request: Request, visitor: Participant, pages: PagesDependency, services: ServicesDependency
) -> Response:
    form = await request.form()
    values = _typed(form)
    errors = _checked(values, pages, request)
    if errors:
        return _page(request, pages, values, errors, pages.translate(request, "Some fields need another look."), 422)
    try:
        await services.notifications.put(
            f"/participants/{participant_of(visitor)}/preferences", visitor.access_token, _body(values)
        )
    except ServiceRefused as refused:
        if refused.status != 422:
            raise
        errors, unplaced = _refused_fields(refused)
        summary = [pages.translate(request, "Some fields need another look.")] if errors else []
        message = " ".join(summary + unplaced)
        return _page(request, pages, values, errors, message, 422)
    return RedirectResponse("/preferences?done=saved", status_code=303)


def _values(preferences: dict[str, Any]) -> dict[str, Any]:
    quiet = preferences.get("quiet_hours") or {}
    return {
        "channels": list(preferences.get("channels", [])),
        "kinds": [kind for kind, _ in KINDS if kind not in preferences.get("muted_kinds", [])],
        "quiet_start": str(quiet.get("start") or "")[:5],
        "quiet_end": str(quiet.get("end") or "")[:5],
        "digest": bool(preferences.get("digest")),
        "digest_time": str(preferences.get("digest_time") or "08:00")[:5],
        "slack_webhook_url": preferences.get("slack_webhook_url") or "",
        "teams_webhook_url": preferences.get("teams_webhook_url") or "",
        "language": preferences.get("language"),
    }


def _typed(form: FormData) -> dict[str, Any]:
    """The form as the person filled it in, to send and to show again."""
    chosen = {str(value) for value in form.getlist("channels")}
    told = {str(value) for value in form.getlist("kinds")}
    language = str(form.get("language", "")) or None
    return {
        "channels": [channel for channel, _ in CHANNELS if channel in chosen],
        "kinds": [kind for kind, _ in KINDS if kind in told],
        "quiet_start": str(form.get("quiet_start", "")).strip(),
        "quiet_end": str(form.get("quiet_end", "")).strip(),
        "digest": form.get("digest") == "on",
        "digest_time": str(form.get("digest_time", "")).strip() or "08:00",
        "slack_webhook_url": str(form.get("slack_webhook_url", "")).strip(),
        "teams_webhook_url": str(form.get("teams_webhook_url", "")).strip(),
        "language": language if language in LANGUAGES else None,
    }


def _checked(values: dict[str, Any], pages: Pages, request: Request) -> dict[str, str]:
    """What the portal can tell before asking: sentences in the person's language, by field."""
    errors: dict[str, str] = {}
    if not values["channels"]:
        errors["channels"] = pages.translate(request, "Choose at least one way to be told.")
    for channel, name in (("slack", "Slack"), ("teams", "Microsoft Teams")):
        if channel in values["channels"] and not values[f"{channel}_webhook_url"]:
            errors[f"{channel}_webhook_url"] = pages.translate(
                request, "Give the %(name)s incoming-webhook URL, or untick %(name)s above.", name=name
            )
    start, end = values["quiet_start"], values["quiet_end"]
    if start or end:
        if not (TIME.match(start) and TIME.match(end)):
            errors["quiet_hours"] = pages.translate(request, "Give both the start and the end of your quiet hours.")
        elif start[:5] == end[:5]:
            errors["quiet_hours"] = pages.translate(request, "Quiet hours end at another time than they start.")
    if values["digest"] and not TIME.match(values["digest_time"]):
        errors["digest_time"] = pages.translate(request, "Give the time of day as hours and minutes (08:00).")
    return errors


def _body(values: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channels": values["channels"],
        "muted_kinds": [kind for kind, _ in KINDS if kind not in values["kinds"]],
        "quiet_hours": {"start": values["quiet_start"][:5], "end": values["quiet_end"][:5]}
        if values["quiet_start"]
        else None,
        "digest": values["digest"],
        "digest_time": values["digest_time"][:5],
        "slack_webhook_url": values["slack_webhook_url"] or None,
        "teams_webhook_url": values["teams_webhook_url"] or None,
    }
    if values["language"]:
        body["language"] = values["language"]
    return body


def _refused_fields(refused: ServiceRefused) -> tuple[dict[str, str], list[str]]:
    """Notifications' refusal by field (pydantic's, or a sentence that starts with the field's name), and the
    sentences about no field of the form."""
    errors: dict[str, str] = {}
    unplaced: list[str] = []
    for location, sentence in refused.fields.items():
        name = location.split(".")[0]
        if name in FIELDS:
            errors.setdefault(name, sentence)
        else:
            unplaced.append(sentence)
    named = NAMED_REFUSAL.match(refused.message)
    if named and named["field"].lower() in FIELDS:
        reason = named["reason"]
        errors[named["field"].lower()] = reason[0].upper() + reason[1:]
    elif not refused.fields:
        unplaced.append(refused.message)
    return errors, unplaced


def _page(
    request: Request,
    pages: Pages,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    return pages.render(
        request,
        "join/preferences.html",
        status_code=status_code,
        values=values,
        errors=errors or {},
        message=message,
        notice=notice,
        channels=CHANNELS,
        kinds=KINDS,
    )

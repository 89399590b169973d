"""Notifications' HTTP edge: preferences, unsubscribe links, webhook subscriptions, the delivery log.

Message bodies are never served: the log says what was sent, when and how, not what it said.
"""

from __future__ import annotations

import html
import secrets
from base64 import b64encode
from collections.abc import Callable
from datetime import time
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import require_admin, require_self
from flipside_shared.events import SUBSCRIBABLE_EVENT_TYPES
from flipside_shared.signed_tokens import InvalidToken
from flipside_shared.text import Few, Identifier, Text, Url

from .conversation_api import router as conversation_router
from .dependencies import Settings, Units
from .domain.endpoints import checked_chat_url, checked_webhook_url
from .domain.preferences import KINDS, LANGUAGES, PERSON_CHANNELS, Preferences, QuietHours
from .domain.unsubscribe import UnsubscribeTarget, unsubscribe_target
from .repository import NotificationsRepository
from .settings import NotificationSettings

router = APIRouter()
router.include_router(conversation_router)

NO_SUCH_PARTICIPANT = "no such participant (not enrolled, or erased)"


class QuietHoursBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: time
    end: time


class PreferencesBody(BaseModel):
    """A participant's choices; quiet hours and the digest time are on their own clock (their profile's time zone)."""

    model_config = ConfigDict(extra="forbid")
    channels: Few[Literal[PERSON_CHANNELS]] = Field(default=["email"], min_length=1)  # type: ignore[valid-type]
    muted_kinds: Few[Literal[KINDS]] = []  # type: ignore[valid-type]
    quiet_hours: QuietHoursBody | None = None
    digest: bool = False
    digest_time: time = time(8, 0)
    slack_webhook_url: Url | None = None
    teams_webhook_url: Url | None = None
    language: Literal[LANGUAGES] | None = Field(  # type: ignore[valid-type]
        default=None, description="The language of messages; none: the profile's locale (English when it has none)."
    )


class SubscriptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Url
    event_types: Few[Identifier] = Field(min_length=1)
    description: Text = ""


@router.get("/participants/{participant_id}/preferences", dependencies=[Depends(require_self())])
async def get_preferences(participant_id: UUID, units: Units) -> dict[str, Any]:
    async with units.reading() as repository:
        if (locale := await repository.locale_of(participant_id)) is None:
            raise HTTPException(404, NO_SUCH_PARTICIPANT)
        return _as_body(await repository.preferences_of(participant_id), locale)


@router.put("/participants/{participant_id}/preferences", dependencies=[Depends(require_self())])
async def put_preferences(
    participant_id: UUID, body: PreferencesBody, units: Units, settings: Settings
) -> dict[str, Any]:
    rules = settings.outbound_rules()
    chat_urls = {
        channel: _checked(f"{channel}_webhook_url", checked_chat_url, url, channel, rules)
        for channel, url in (("slack", body.slack_webhook_url), ("teams", body.teams_webhook_url))
        if url
    }
    try:
        quiet = QuietHours(body.quiet_hours.start, body.quiet_hours.end) if body.quiet_hours else None
        preferences = Preferences(
            channels=frozenset(body.channels),
            muted_kinds=frozenset(body.muted_kinds),
            quiet_hours=quiet,
            digest=body.digest,
            digest_time=body.digest_time,
            chat_urls=chat_urls,
            language=body.language,
        )
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    async with units.begin() as uow:
        repository = uow.repository
        if (locale := await repository.locale_of(participant_id)) is None:
            raise HTTPException(404, NO_SUCH_PARTICIPANT)
        await repository.save_preferences(participant_id, preferences)
    return _as_body(preferences, locale)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_page(token: str, units: Units, settings: Settings) -> HTMLResponse:
    """A page with one button: link checkers that open every link must not unsubscribe anyone."""
    async with units.reading() as repository:
        kind = (await _target(token, settings, repository)).kind
    return _page(
        "Unsubscribe",
        f"<form method=post><p>Stop receiving {kind} messages from Flipside?</p>"
        "<button type=submit>Unsubscribe</button></form>",
    )


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(token: str, units: Units, settings: Settings) -> HTMLResponse:
    """The button on the page, and mail clients' one-click unsubscribe (RFC 8058), which posts `List-Unsubscribe=One-Click`."""
    async with units.begin() as uow:
        repository = uow.repository
        target = await _target(token, settings, repository)
        participant_id, kind = target.participant_id, target.kind
        if await repository.is_known(participant_id):
            preferences = await repository.preferences_of(participant_id)
            await repository.save_preferences(participant_id, preferences.unsubscribed_from(kind))
    done = "digests end: messages come one by one" if kind == "digest" else f"no more {kind} messages"
    where = (
        f'<a href="{html.escape(settings.portal_url)}/preferences">your preferences</a>'
        if settings.portal_url
        else "your preferences"
    )
    return _page("Unsubscribed", f"<p>Done: {done}. Change this any time in {where}.</p>")


@router.post(
    "/participants/{participant_id}/unsubscribe-links/rotate", status_code=204, dependencies=[Depends(require_self())]
)
async def rotate_unsubscribe_links(participant_id: UUID, units: Units) -> None:
    """Revoke every unsubscribe link the participant was sent (they answer 403 from now on); each message from now
    on carries a link of the new generation."""
    async with units.begin() as uow:
        if await uow.repository.rotate_links(participant_id) is None:
            raise HTTPException(404, NO_SUCH_PARTICIPANT)


@router.post("/webhooks", status_code=201, dependencies=[Depends(require_admin)])
async def add_subscription(body: SubscriptionBody, units: Units, settings: Settings) -> dict[str, Any]:
    """Another system subscribes to Flipside events; the secret is shown once, here."""
    url = _checked("url", checked_webhook_url, body.url, settings.outbound_rules())
    if unknown := sorted(set(body.event_types) - set(SUBSCRIBABLE_EVENT_TYPES)):
        raise HTTPException(422, f"unknown event type(s) {unknown}; subscribable: {SUBSCRIBABLE_EVENT_TYPES}")
    secret = "whsec_" + b64encode(secrets.token_bytes(32)).decode()
    async with units.begin() as uow:
        subscription_id = await uow.repository.add_subscription(
            url, secret, sorted(set(body.event_types)), body.description
        )
    return {
        "subscription_id": subscription_id,
        "url": url,
        "event_types": sorted(set(body.event_types)),
        "secret": secret,
    }


@router.get("/webhooks", dependencies=[Depends(require_admin)])
async def list_subscriptions(units: Units) -> list[dict[str, Any]]:
    async with units.reading() as repository:
        return [dict(row) for row in await repository.subscriptions()]


@router.delete("/webhooks/{subscription_id}", status_code=204, dependencies=[Depends(require_admin)])
async def remove_subscription(subscription_id: UUID, units: Units) -> None:
    async with units.begin() as uow:
        if not await uow.repository.remove_subscription(subscription_id):
            raise HTTPException(404, "no such subscription")


@router.get("/webhooks/{subscription_id}/deliveries", dependencies=[Depends(require_admin)])
async def subscription_deliveries(subscription_id: UUID, units: Units) -> list[dict[str, Any]]:
    async with units.reading() as repository:
        return [dict(row) for row in await repository.deliveries_of(subscription_id)]


@router.get("/participants/{participant_id}/deliveries", dependencies=[Depends(require_self())])
async def deliveries(participant_id: UUID, units: Units) -> list[dict[str, Any]]:
    async with units.reading() as repository:
        return [dict(row) for row in await repository.deliveries_of(participant_id)]


def _page(title: str, main: str) -> HTMLResponse:
    """The unsubscribe pages: their language said for screen readers, readable on a phone (WCAG 2.2 AA)."""
    return HTMLResponse(
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} - Flipside</title><main>{main}</main></html>"
    )


def _checked(field: str, check: Callable[..., str], *args: object) -> str:
    """A URL passed by its rule, or a 422 naming the field and the rule it breaks."""
    try:
        return check(*args)
    except ValueError as error:
        raise HTTPException(422, f"{field}: {error}") from None


async def _target(token: str, settings: NotificationSettings, repository: NotificationsRepository) -> UnsubscribeTarget:
    """Whom and what a genuine link of the person's current generation mutes; 403 for any other, a revoked one too."""
    try:
        target = unsubscribe_target(token, settings.link_secret.get_secret_value().encode())
    except InvalidToken:
        raise HTTPException(403, "this unsubscribe link is not valid") from None
    if await repository.link_generation(target.participant_id) not in (None, target.generation):
        raise HTTPException(403, "this unsubscribe link is not valid")
    return target


def _as_body(preferences: Preferences, profile_locale: str) -> dict[str, Any]:
    quiet = preferences.quiet_hours
    return {
        "channels": sorted(preferences.channels),
        "muted_kinds": sorted(preferences.muted_kinds),
        "quiet_hours": {"start": quiet.start, "end": quiet.end} if quiet else None,
        "digest": preferences.digest,
        "digest_time": preferences.digest_time,
        "slack_webhook_url": preferences.chat_urls.get("slack"),
        "teams_webhook_url": preferences.chat_urls.get("teams"),
        "language": preferences.language_for(profile_locale),
    }

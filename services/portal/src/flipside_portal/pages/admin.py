"""Administration: creating a program, and the webhook subscriptions other systems receive Flipside's events by."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from flipside_shared.events import SUBSCRIBABLE_EVENT_TYPES

from ..dependencies import Admin, PagesDependency, ServicesDependency
from ..i18n import N_
from ..policy_form import field_errors, policy_body
from ..repository import BrowserSession
from ..services import ServiceRefused, Services
from ..web import Pages
from .lead.shared import notice

router = APIRouter()

NOTICES = {"removed": N_("The subscription is removed; nothing more is sent to it.")}
PROGRAM_EXISTS = N_("A program with this id exists already: choose another id, or change its rules on its page.")


@router.get("/admin/programs/new")
async def new_program(request: Request, visitor: Admin, pages: PagesDependency) -> Response:
    return pages.render(request, "admin/new_program.html", values={})


@router.post("/admin/programs/new")
async def create_program(
    request: Request, visitor: Admin, pages: PagesDependency, services: ServicesDependency
) -> Response:
    typed = {name: str(value) for name, value in (await request.form()).items() if name != "csrf_token"}
    program_id = typed.get("program_id", "").strip()

    def again(status: int, errors: dict[str, str], message: str) -> Response:
        return pages.render(
            request, "admin/new_program.html", status_code=status, values=typed, errors=errors, message=message
        )

    if not program_id:
        return again(422, {"program_id": pages.translate(request, N_("Give the program an id."))}, "")
    # Matching's PUT creates or replaces: asking first keeps a new program from overwriting one that exists.
    try:
        await services.matching.get(f"/programs/{program_id}", visitor.access_token)
    except ServiceRefused as refused:
        if refused.status != 404:
            return again(refused.status, field_errors(refused.fields), refused.message)
    else:
        return again(409, {"program_id": pages.translate(request, PROGRAM_EXISTS)}, "")
    try:
        await services.matching.put(f"/programs/{program_id}", visitor.access_token, policy_body(typed))
    except ServiceRefused as refused:
        if refused.status in (401, 403):
            raise
        return again(refused.status, field_errors(refused.fields), refused.message)
    return RedirectResponse(f"/lead/programs/{program_id}/policy?done=created", status_code=303)


@router.get("/admin/webhooks")
async def webhooks(request: Request, visitor: Admin, pages: PagesDependency, services: ServicesDependency) -> Response:
    return await _webhooks_page(request, visitor, pages, services, notice=notice(request, pages, NOTICES))


@router.post("/admin/webhooks")
async def add_webhook(
    request: Request,
    visitor: Admin,
    pages: PagesDependency,
    services: ServicesDependency,
    url: Annotated[str, Form()] = "",
    event_types: Annotated[list[str] | None, Form()] = None,
    description: Annotated[str, Form()] = "",
) -> Response:
    body = {"url": url.strip(), "event_types": event_types or [], "description": description.strip()}
    try:
        added = await services.notifications.post("/webhooks", visitor.access_token, body)
    except ServiceRefused as refused:
        if refused.status in (401, 403):
            raise
        return await _webhooks_page(
            request,
            visitor,
            pages,
            services,
            status_code=refused.status,
            values=body,
            errors=refused.fields,
            message="" if refused.fields else refused.message,
        )
    # Not a redirect: the secret is shown this once and kept nowhere the portal could show it again.
    return await _webhooks_page(request, visitor, pages, services, status_code=201, added=added)


@router.post("/admin/webhooks/{subscription_id}/delete")
async def remove_webhook(subscription_id: str, visitor: Admin, services: ServicesDependency) -> Response:
    await services.notifications.delete(f"/webhooks/{subscription_id}", visitor.access_token)
    return RedirectResponse("/admin/webhooks?done=removed", status_code=303)


@router.get("/admin/webhooks/{subscription_id}")
async def webhook_deliveries(
    request: Request, subscription_id: str, visitor: Admin, pages: PagesDependency, services: ServicesDependency
) -> Response:
    subscriptions = await services.notifications.get("/webhooks", visitor.access_token)
    subscription = next((s for s in subscriptions if s["subscription_id"] == subscription_id), None)
    if subscription is None:
        raise ServiceRefused(404, pages.translate(request, N_("There is no such subscription.")))
    deliveries = await services.notifications.get(f"/webhooks/{subscription_id}/deliveries", visitor.access_token)
    return pages.render(request, "admin/webhook.html", subscription=subscription, deliveries=list(reversed(deliveries)))


async def _webhooks_page(
    request: Request,
    visitor: BrowserSession,
    pages: Pages,
    services: Services,
    status_code: int = 200,
    **context: object,
) -> Response:
    subscriptions = await services.notifications.get("/webhooks", visitor.access_token)
    context.setdefault("values", {"event_types": []})
    return pages.render(
        request,
        "admin/webhooks.html",
        status_code=status_code,
        subscriptions=subscriptions,
        event_types=SUBSCRIBABLE_EVENT_TYPES,
        **context,
    )

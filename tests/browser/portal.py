"""Using the portal as people do: signing in at the development issuer's login page, and looking at each page
(checked with axe-core, kept as a screenshot).

    page = await signed_in(await browser_for(locale="de-DE"), platform, "Ada", "ada@example.com")
    await visit(page, "/pairs", "my-pairs")              # goto, 200, axe, screenshot
    await looked_at(page, "my-pairs-after-accepting")    # the page as it is now: axe, screenshot

A participant signs in as "someone new" (name and e-mail): their participant id is the one the e-mail maps to, so
they are the same person at every sign-in. A lead or an admin is a person of the issuer's people file, chosen by
name (`enlist` adds one while the issuer runs).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import UUID

from playwright.async_api import BrowserContext, Page, Response

from flipside_devstack.people import Person, read_people, write_people
from flipside_devstack.platform import Platform
from flipside_shared.auth.identity import participant_id_for

from .harness import assert_accessible, screenshot

SIGN_IN_BUTTON = "Sign in with your organisation's account"
SIGN_IN_BUTTON_DE = "Mit dem Konto Ihrer Organisation anmelden"


def portal_url(platform: Platform) -> str:
    assert platform.portal_url, "the platform runs the portal"
    return platform.portal_url


def participant_id(email: str) -> UUID:
    """The participant a person signing in with this e-mail is, by the shared rule (`participant_id_for`)."""
    return participant_id_for("email", email)


def enlist(people_file: Path, person: Person) -> Person:
    """Add someone to the issuer's people file (it reads the file again when it changes)."""
    people = [known for known in read_people(people_file) if known.sub != person.sub]
    write_people(people_file, [*people, person])
    return person


async def looked_at(page: Page, name: str) -> None:
    """The page as it is now passes axe-core (no serious or critical violation) and is kept as `<name>.png`."""
    await assert_accessible(page, name)
    await screenshot(page, name)


async def visit(page: Page, url: str, name: str, status: int = 200) -> Response:
    """Open a page of the portal (a path, or a whole address), expect its status, check it and keep a screenshot."""
    if url.startswith("/"):
        url = _origin(page) + url
    response = await page.goto(url)
    assert response is not None, url
    assert response.status == status, f"{url} answered {response.status}: {await page.locator('main').inner_text()}"
    await looked_at(page, name)
    return response


async def signed_in(
    context: BrowserContext,
    platform: Platform,
    name: str,
    email: str | None = None,
    start: str = "/",
    shots: str | None = None,
) -> Page:
    """A new page of `context`, signed in to the portal as a person does it: open `start`, get sent to the sign-in
    page, go to the issuer, pick `name` from its list (or, with `email`, sign in as someone new), and land on
    `start` signed in. With `shots`, the sign-in page and the issuer's login page are checked and kept too."""
    page = await context.new_page()
    await page.goto(portal_url(platform) + start)
    await page.wait_for_url(re.compile(r"/sign-in\?next="))
    if shots:
        await looked_at(page, f"{shots}-sign-in")
    await page.get_by_role("link", name=re.compile(f"^({SIGN_IN_BUTTON}|{SIGN_IN_BUTTON_DE})$")).click()
    await page.wait_for_url(f"{platform.oidc_issuer_url}/authorize?**")
    if shots:
        await looked_at(page, f"{shots}-issuer-login")
    if email is None:
        await page.locator("button[name=person]", has_text=name).click()
    else:
        await page.get_by_label("Name").fill(name)
        await page.get_by_label("E-mail").fill(email)
        await page.get_by_role("button", name="Sign in as someone new").click()
    await page.wait_for_url(portal_url(platform) + start)
    await page.get_by_role("button", name=re.compile("^(Sign out|Abmelden)$")).wait_for()
    assert name in await page.locator(".who").inner_text(), "the portal greets the person who signed in"
    return page


async def reloaded_until(page: Page, holds: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> None:
    """Reload the page until `holds()`: what a page shows after an event has gone through Kafka, once it shows it."""
    deadline = time.monotonic() + timeout
    while not await holds():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not shown on {page.url} after {timeout} s")
        await asyncio.sleep(0.5)
        await page.reload()


def _origin(page: Page) -> str:
    match = re.match(r"^https?://[^/]+", page.url)
    assert match, f"no page open yet: {page.url}"
    return match[0]

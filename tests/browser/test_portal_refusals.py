"""What the portal refuses, in Chromium: a signed-out visitor is sent to sign in (and back to the page they asked
for), a participant cannot open another pair's page or a lead's or an admin's (the 403 page), and a form sent
without its CSRF token is refused (the 403 page) and changes nothing. Every page is checked with axe-core and kept
as a screenshot; the refusals also in German on a phone."""

import re
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, participant_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.programs import configure_program
from flipside_devstack.waiting import wait_for

from .portal import looked_at, portal_url, signed_in, visit

PROGRAM = f"refusals-{uuid4().hex[:8]}"
INTRUDER = ("Ivo Intruder", f"ivo.{PROGRAM}@example.com")


@pytest.fixture(scope="module")
async def pair_of_others(platform) -> str:
    """A pair of two other people (enrolled by an admin over HTTP), known to matching and feedback."""
    matching, feedback = platform["matching"].url, platform["feedback"].url
    configure_program(matching, PROGRAM)
    mentor, mentee = mentor_and_mentee(program_id=PROGRAM, index=7)
    async with httpx.AsyncClient(headers=admin_headers(), base_url=matching, timeout=10) as client:
        for person in (mentor, mentee):
            body = {**person.profile.model_dump(mode="json"), "participant_id": str(person.participant_id)}
            assert (await client.post("/participants", json=body)).status_code == 202

    def pairs_of_mentor() -> list[dict]:
        url = f"{matching}/participants/{mentor.participant_id}/pairs"
        return httpx.get(url, headers=participant_headers(mentor.participant_id), timeout=10).json()

    await wait_for(lambda: any(pair["status"] == "active" for pair in pairs_of_mentor()), timeout=120)
    [pair] = [pair for pair in pairs_of_mentor() if pair["status"] == "active"]
    goals = f"{feedback}/pairs/{pair['pair_id']}/goals"
    await wait_for(
        lambda: httpx.get(goals, headers=participant_headers(mentor.participant_id), timeout=10).is_success,
        timeout=60,
    )
    return pair["pair_id"]


async def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_page_they_asked_for(platform, browser_for):
    visitor = await browser_for()
    page = await visitor.new_page()
    response = await page.goto(f"{portal_url(platform)}/sessions")
    assert response is not None and response.status == 200
    assert re.search(r"/sign-in\?next=(%2F|/)sessions$", page.url), page.url
    assert "flipside_session" not in {cookie["name"] for cookie in await visitor.cookies()}
    await looked_at(page, "portal-sign-in")

    signed = await signed_in(visitor, platform, *INTRUDER, start="/sessions", shots="portal-refusals")
    assert signed.url == f"{portal_url(platform)}/sessions", "back on the page asked for"
    session = next(cookie for cookie in await visitor.cookies() if cookie["name"] == "flipside_session")
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax"


async def test_signing_out_ends_the_session_at_the_portal_and_the_issuer(platform, browser_for):
    visitor = await browser_for()
    page = await signed_in(visitor, platform, *INTRUDER)
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(rf"^{portal_url(platform)}/signed-out\??$"))
    await looked_at(page, "portal-signed-out")
    await page.goto(f"{portal_url(platform)}/pairs")
    assert "/sign-in?next=" in page.url, "signed out: the next page asks to sign in again"


async def test_a_participant_cannot_open_another_pairs_page(platform, pair_of_others, browser_for):
    visitor = await browser_for()
    page = await signed_in(visitor, platform, *INTRUDER)
    await visit(page, f"/pairs/{pair_of_others}", "portal-403-another-pair", status=403)
    assert await page.get_by_role("heading", level=1).inner_text() == "This page is not yours to open"
    assert "Mentor 7" not in await page.locator("main").inner_text(), "nothing of the pair is shown"


# The program is named inside the test: an id that changed from one collection to the next would keep the test
# from running on more than one worker.
@pytest.mark.parametrize("page_of", ["/lead/programs/{program}", "/admin/webhooks", "/admin/programs/new"])
async def test_a_participant_cannot_open_a_leads_or_an_admins_pages(platform, browser_for, page_of):
    path = page_of.format(program=PROGRAM)
    visitor = await browser_for()
    page = await signed_in(visitor, platform, *INTRUDER)
    await visit(page, path, f"portal-403{path.replace('/', '-')}", status=403)
    assert await page.get_by_role("heading", level=1).inner_text() == "This page is not yours to open"


async def test_the_403_page_in_german_on_a_phone(platform, pair_of_others, browser_for):
    visitor = await browser_for(locale="de-DE", timezone_id="Europe/Berlin", phone=True)
    page = await signed_in(visitor, platform, *INTRUDER)
    await visit(page, f"/pairs/{pair_of_others}", "portal-403-de-phone", status=403)
    assert await page.get_by_role("heading", level=1).inner_text() == "Diese Seite ist nicht für Sie"
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"


async def test_a_form_sent_without_its_csrf_token_is_refused_and_changes_nothing(platform, browser_for):
    visitor = await browser_for()
    page = await signed_in(visitor, platform, *INTRUDER)
    sign_out = page.locator("form.sign-out")
    # As a forged form would arrive: the same fields, without the token only the portal's own pages carry.
    await sign_out.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    await sign_out.get_by_role("button").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "This form could not be accepted"
    await looked_at(page, "portal-403-csrf")
    await page.goto(f"{portal_url(platform)}/")
    assert INTRUDER[0] in await page.locator(".who").inner_text(), "the refused sign-out did not sign anyone out"


async def test_a_form_sent_with_another_browsers_csrf_token_is_refused(platform, browser_for):
    mine, theirs = await browser_for(), await browser_for(locale="de-DE", phone=True)
    page = await signed_in(mine, platform, *INTRUDER)
    other = await theirs.new_page()
    await other.goto(f"{portal_url(platform)}/sign-in")
    their_token = await other.locator("footer input[name=csrf_token]").get_attribute("value")
    assert their_token
    language = page.locator("form.language")
    await language.locator("input[name=csrf_token]").evaluate("(field, token) => field.value = token", their_token)
    await language.get_by_label("Language").select_option("de")
    await language.get_by_role("button").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "This form could not be accepted"
    assert await page.locator("html").get_attribute("lang") == "en", "the language did not change"


async def test_a_form_with_bad_input_says_what_is_wrong_next_to_each_field_and_keeps_what_was_typed(
    platform, pair_of_others, browser_for
):
    visitor = await browser_for()
    page = await signed_in(visitor, platform, *INTRUDER, start=f"/programs/{PROGRAM}/enrol")
    await page.locator("#department").fill("Sales")
    await page.locator("#hours_per_month").fill("400")
    await page.locator(f"form[action='/programs/{PROGRAM}/enrol'] button[type=submit]").click()
    await page.wait_for_load_state()
    main = await page.locator("main").inner_text()
    assert await page.locator(".field-error").count() > 0, "each wrong field says why"
    assert "{" not in main and "detail" not in main, "sentences, never JSON"
    assert await page.locator("#department").input_value() == "Sales", "what was typed is kept"
    assert await page.locator("[aria-invalid=true]").count() > 0, "the wrong fields are marked for screen readers"
    await looked_at(page, "portal-enrol-refused")

"""The pages people open in a browser today, in Chromium on the real stack: a lead's insights dashboard (served by
feedback) and the unsubscribe page an e-mail links to (served by notifications). Each is checked with axe-core
against WCAG 2.2 AA and kept as a screenshot."""

from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, lead_headers, participant_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.programs import configure_program
from flipside_devstack.waiting import wait_for

from .harness import assert_accessible, policy_refusals, screenshot

PROGRAM = f"browser-{uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def couple(platform, smtp):
    """A mentor and a mentee enrolled over HTTP, paired by matching and told so by e-mail; feedback knows them."""
    configure_program(platform["matching"].url, PROGRAM)
    people = mentor_and_mentee(program_id=PROGRAM, index=1)
    async with httpx.AsyncClient(headers=admin_headers(), base_url=platform["matching"].url) as client:
        for person in people:
            body = {**person.profile.model_dump(mode="json"), "participant_id": str(person.participant_id)}
            assert (await client.post("/participants", json=body)).status_code == 202
    await wait_for(lambda: all(smtp.received_by(person.profile.email) for person in people), timeout=120)
    dashboard = f"{platform['feedback'].url}/programs/{PROGRAM}/dashboard"
    await wait_for(lambda: httpx.get(dashboard, headers=lead_headers(PROGRAM), timeout=10).is_success, timeout=60)
    return people


def unsubscribe_link(smtp, address: str) -> str:
    """The link in the person's first e-mail, as their mail client offers it (List-Unsubscribe)."""
    return smtp.received_by(address)[0]["List-Unsubscribe"].strip("<>")


async def test_the_insights_dashboard_draws_its_charts_and_passes_axe(platform, couple, browser_for):
    dashboard = f"{platform['feedback'].url}/programs/{PROGRAM}/dashboard"
    # The lead's token as the sign-in in front of the dashboard passes it on.
    lead = await browser_for(extra_http_headers=lead_headers(PROGRAM))
    page = await lead.new_page()
    refused = policy_refusals(page)

    response = await page.goto(dashboard)
    assert response is not None and response.status == 200, await page.content()
    assert "script-src 'self'" in (await response.all_headers())["content-security-policy"]
    await page.wait_for_selector("body[data-rendered]")
    canvases = await page.locator("canvas").count()
    assert canvases > 0 and await page.get_attribute("body", "data-rendered") == str(canvases), (
        "the page's script drew a chart on every canvas"
    )
    assert not refused, "the page's policy blocked something it loads"
    await page.get_by_role("link", name="ISO week").click()
    await page.wait_for_url("**/dashboard?period=week")

    await assert_accessible(page, "the insights dashboard")
    shot = await screenshot(page, "insights-dashboard")
    assert shot.stat().st_size > 20_000, f"a page of charts, not a blank one: {shot}"


async def test_the_dashboard_refuses_a_browser_without_the_leads_token(platform, couple, browser_for):
    stranger = await browser_for()
    page = await stranger.new_page()
    response = await page.goto(f"{platform['feedback'].url}/programs/{PROGRAM}/dashboard")
    assert response is not None and response.status == 401


async def test_the_unsubscribe_page_from_an_e_mail_passes_axe_and_its_button_unsubscribes(
    platform, couple, smtp, browser_for
):
    mentor, _ = couple
    person = await browser_for(locale="de-DE", timezone_id="Europe/Berlin")
    page = await person.new_page()

    response = await page.goto(unsubscribe_link(smtp, mentor.profile.email))
    assert response is not None and response.status == 200
    assert response.request.headers["accept-language"].startswith("de-DE"), "the person's language is asked for"
    assert await page.evaluate("[navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone]") == [
        "de-DE",
        "Europe/Berlin",
    ], "the page's scripts see the person's language and time zone"
    await assert_accessible(page, "the unsubscribe page")
    await screenshot(page, "unsubscribe")

    question = await page.locator("main").inner_text()
    await page.get_by_role("button", name="Unsubscribe").click()
    await page.wait_for_load_state()
    assert "Done: no more" in await page.locator("main").inner_text()
    preferences = httpx.get(
        f"{platform['notifications'].url}/participants/{mentor.participant_id}/preferences",
        headers=participant_headers(mentor.participant_id),
        timeout=10,
    ).json()
    [muted] = preferences["muted_kinds"]
    assert f"Stop receiving {muted} messages" in question, "the kind the page asked about is the one muted"
    await assert_accessible(page, "the unsubscribed page")
    await screenshot(page, "unsubscribed")


async def test_a_page_answers_in_a_phone_viewport_without_scrolling_sideways(platform, couple, smtp, browser_for):
    _, mentee = couple
    phone = await browser_for(phone=True, timezone_id="America/New_York")
    page = await phone.new_page()

    response = await page.goto(unsubscribe_link(smtp, mentee.profile.email))
    assert response is not None and response.status == 200
    assert page.viewport_size == {"width": 390, "height": 844}
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
    await expect_visible_button(page)
    await assert_accessible(page, "the unsubscribe page on a phone")
    await screenshot(page, "unsubscribe-phone")


async def test_the_dashboard_on_a_phone_shrinks_its_charts_to_the_screen(platform, couple, browser_for):
    lead = await browser_for(phone=True, extra_http_headers=lead_headers(PROGRAM))
    page = await lead.new_page()

    response = await page.goto(f"{platform['feedback'].url}/programs/{PROGRAM}/dashboard")
    assert response is not None and response.status == 200
    await page.wait_for_selector("body[data-rendered]")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
    chart = await page.locator("canvas").first.bounding_box()
    assert chart is not None and 300 < chart["width"] <= 390 and chart["height"] > 100, "drawn, in proportion"
    await assert_accessible(page, "the insights dashboard on a phone")
    await screenshot(page, "insights-dashboard-phone")


async def expect_visible_button(page) -> None:
    button = page.get_by_role("button", name="Unsubscribe")
    box = await button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, "the button is on the screen"

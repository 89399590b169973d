"""Both people of a pair answer the check-in from the link in their e-mail, in Chromium, without signing in: the
link opens the portal's `/surveys/{token}` form (in each one's language, one on a phone), the answers are sent,
and the link opened again shows them filled in. Every page is checked with axe-core and kept as a screenshot.

Check-ins follow sessions, so this module runs its own platform with scheduling's clock a day per real second (the
package's runs at real time, where a kickoff is a day away at least), in a sandbox of its own."""

import re
from collections.abc import Iterator
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.fixtures import Sandbox
from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program, configure_schedule
from flipside_devstack.waiting import wait_for

from .portal import looked_at, portal_url

PROGRAM = f"check-ins-{uuid4().hex[:8]}"
SIMULATED_SECONDS_PER_SECOND = 86_400
MENTOR, MENTEE = mentor_and_mentee(program_id=PROGRAM, index=3)
SURVEY_LINK = re.compile(r"https?://\S+/surveys/[A-Za-z0-9._~%-]+")


@pytest.fixture(scope="module")
def sandbox(stack) -> Sandbox:
    return Sandbox.on(stack)


@pytest.fixture(scope="module")
def platform(sandbox, smtp, people_file, tmp_path_factory) -> Iterator[Platform]:
    running = Platform(
        sandbox.bootstrap_servers,
        sandbox.database_url,
        sandbox.topic_prefix,
        tmp_path_factory.mktemp("logs"),
        smtp.port,
        clock_rate=SIMULATED_SECONDS_PER_SECOND,
        people=people_file,
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
async def survey_links(platform, smtp) -> dict[str, str]:
    """A pair of one session (a week's program), enrolled by an admin; each person's check-in link from their
    e-mail, once the session has passed."""
    configure_program(platform["matching"].url, PROGRAM)
    # One session: at a day a second, a slow run would otherwise see the next check-ins too.
    configure_schedule(platform["scheduling"].url, PROGRAM, length_weeks=1)
    async with httpx.AsyncClient(headers=admin_headers(), base_url=platform["matching"].url, timeout=10) as client:
        for person in (MENTOR, MENTEE):
            body = {**person.profile.model_dump(mode="json"), "participant_id": str(person.participant_id)}
            assert (await client.post("/participants", json=body)).status_code == 202

    def links() -> dict[str, str]:
        found = {}
        for message in smtp.received():
            mine = message["To"] in (MENTOR.profile.email, MENTEE.profile.email)
            if mine and (link := SURVEY_LINK.search(message.get_body(("plain",)).get_content())):
                found[message["To"]] = link[0]
        return found

    await wait_for(lambda: len(links()) == 2, timeout=180)
    return links()


async def test_the_e_mailed_link_opens_the_portals_check_in_form(platform, survey_links):
    for address, link in survey_links.items():
        assert link.startswith(f"{portal_url(platform)}/surveys/"), f"{address}'s link opens the portal: {link}"


async def answer(page, text: str) -> None:
    """Every question answered: the best point of each scale, yes to each yes/no question, words in each box."""
    for group in await page.locator("fieldset:has(input[type=radio])").all():
        await group.locator("input[type=radio]").last.check()
    for box in await page.locator("form textarea").all():
        await box.fill(text)
    await page.locator("form[action^='/surveys/'] button[type=submit]").click()
    await page.wait_for_load_state()


async def test_the_mentor_answers_in_german_without_signing_in(platform, survey_links, browser_for):
    browser = await browser_for(locale="de-DE", timezone_id="Europe/Berlin")
    page = await browser.new_page()
    response = await page.goto(survey_links[MENTOR.profile.email])
    assert response is not None and response.status == 200, await page.content()
    assert await page.locator("html").get_attribute("lang") == "de"
    assert await page.locator(".who").count() == 0, "no one is signed in: the link is the credential"
    await looked_at(page, "check-in-de")
    await answer(page, "Sehr hilfreich, wir haben viel geschafft.")
    assert "done=answered" in page.url, page.url
    await looked_at(page, "check-in-de-answered")

    await page.goto(survey_links[MENTOR.profile.email])
    assert await page.locator("textarea").first.input_value() == "Sehr hilfreich, wir haben viel geschafft.", (
        "the link opens the answers again"
    )


async def test_the_mentee_answers_on_a_phone(platform, survey_links, browser_for):
    phone = await browser_for(locale="en-US", timezone_id="America/New_York", phone=True)
    page = await phone.new_page()
    response = await page.goto(survey_links[MENTEE.profile.email])
    assert response is not None and response.status == 200, await page.content()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
    await looked_at(page, "check-in-phone")
    await answer(page, "Great session, clear next steps.")
    assert "done=answered" in page.url, page.url
    await looked_at(page, "check-in-phone-answered")


async def test_the_check_in_form_without_its_csrf_token_is_refused(platform, survey_links, browser_for):
    browser = await browser_for()
    page = await browser.new_page()
    await page.goto(survey_links[MENTEE.profile.email])
    await page.locator("form[action^='/surveys/'] input[name=csrf_token]").evaluate("field => field.remove()")
    await page.locator("form[action^='/surveys/'] button[type=submit]").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "This form could not be accepted"
    await looked_at(page, "check-in-403-csrf")

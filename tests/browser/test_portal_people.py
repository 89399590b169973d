"""A participant's pages around their program in Chromium, each checked with axe-core and kept as a screenshot:
Lina (a junior mentor, reading German) enrols by accepting the program's ground rules and confidentiality
agreement, later accepts its newer version, reads the orientation for mentors, and with Omar (her mentee, reading
English) writes their pair's success story, both consent and the program's stories page shows it; when the
program completes, Omar's closing self-assessment link opens a page worded as such. In order: each test continues
the one before (`story` keeps what they found)."""

from typing import Any
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.factories import profile
from flipside_devstack.kafka_io import TopicReader
from flipside_devstack.links import survey_link
from flipside_devstack.programs import configure_program
from flipside_devstack.waiting import wait_for
from flipside_shared.events import FeedbackRequested

from .portal import looked_at, participant_id, portal_url, signed_in, visit

PROGRAM = f"people-{uuid4().hex[:8]}"
LINA = {"name": "Lina Mentor", "email": f"lina.{PROGRAM}@example.com", "locale": "de-DE"}
OMAR = {"name": "Omar Mentee", "email": f"omar.{PROGRAM}@example.com", "locale": "en-US"}
story: dict[str, Any] = {}


@pytest.fixture(scope="module")
def program(platform) -> str:
    """A program where people pick their partner, with a ground rules and confidentiality agreement."""
    story["matching"] = platform["matching"].url
    configure_program(story["matching"], PROGRAM, start="suggestions")
    publish_agreement("Was in einer Sitzung gesagt wird, bleibt im Paar.")
    return PROGRAM


def publish_agreement(confidentiality: str) -> None:
    answer = httpx.put(
        f"{story['matching']}/programs/{PROGRAM}/agreement",
        json={"ground_rules": "Wir begegnen uns auf Augenhöhe.", "confidentiality": confidentiality},
        headers=lead_headers(PROGRAM),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text


async def sign_in(browser_for, platform, person: dict, start: str = "/"):
    context = await browser_for(locale=person["locale"], timezone_id="Europe/Berlin")
    return await signed_in(context, platform, person["name"], person["email"], start=start)


def enrolled(person: dict) -> bool:
    me = participant_id(person["email"])
    return httpx.get(f"{story['matching']}/participants/{me}", headers=admin_headers(), timeout=10).is_success


async def test_lina_enrols_by_accepting_the_agreement(platform, program, browser_for):
    page = await sign_in(browser_for, platform, LINA, start=f"/programs/{PROGRAM}/enrol")
    await looked_at(page, "people-de-enrol-agreement")
    assert "Was in einer Sitzung gesagt wird, bleibt im Paar." in await page.locator("main").inner_text()
    await page.locator("#role-mentor").check()
    await page.locator("#grade").select_option("0")
    await page.locator("#department").fill("Marketing")
    await page.locator("#skill_0").fill("TikTok")
    await page.locator("#goal_0").fill("strategy")
    for day in range(5):
        await page.locator(f"#start_{day}").fill("09:00")
        await page.locator(f"#end_{day}").fill("17:00")
    submit = page.locator(f"form[action='/programs/{PROGRAM}/enrol'] button[type=submit]")
    await submit.click()
    await page.wait_for_load_state()
    assert await page.locator("#accept_agreement-error").is_visible(), "the box says it must be ticked"
    assert await page.locator("#department").input_value() == "Marketing", "what was typed is kept"
    await looked_at(page, "people-de-enrol-agreement-unticked")
    await page.locator("#accept_agreement").check()
    await submit.click()
    await page.wait_for_url(f"**/programs/{PROGRAM}/enrol?done=enrolled")
    await wait_for(lambda: enrolled(LINA), timeout=60)


async def test_lina_accepts_a_newer_version_and_reads_her_orientation(platform, program, browser_for):
    publish_agreement("Nichts verlässt das Paar, ohne dass beide zustimmen.")
    page = await sign_in(browser_for, platform, LINA, start=f"/programs/{PROGRAM}/enrol")
    assert "Nichts verlässt das Paar" in await page.locator("main").inner_text()
    await looked_at(page, "people-de-agreement-newer-version")
    await page.locator("#accept_agreement").check()
    await page.get_by_role("button", name="Diese Fassung annehmen").click()
    await page.wait_for_url("**?done=accepted")
    await looked_at(page, "people-de-agreement-accepted")

    await visit(page, "/", "people-de-home")
    await page.get_by_role("link", name="Orientierung für meine Rolle").click()
    await page.wait_for_url("**/orientation")
    assert "Wie Sie nach oben mentoren" in await page.locator("main").inner_text()
    await looked_at(page, "people-de-orientation")


async def test_the_pair_writes_its_story_and_both_consent(platform, program, browser_for):
    omar = participant_id(OMAR["email"])
    body = {
        **profile(
            program_id=PROGRAM, role="mentee", grade=8, display_name=OMAR["name"], email=OMAR["email"]
        ).model_dump(mode="json", exclude={"program_id"}),
        "participant_id": str(omar),
        "agreement_version": 2,
    }
    answer = httpx.post(f"{story['matching']}/programs/{PROGRAM}/enrolments", json=body, headers=admin_headers())
    assert answer.status_code == 202, answer.text
    await wait_for(lambda: enrolled(OMAR), timeout=60)
    ids = {"mentor_id": str(participant_id(LINA["email"])), "mentee_id": str(omar), "override": True}
    made = httpx.post(f"{story['matching']}/programs/{PROGRAM}/pairs", json=ids, headers=admin_headers(), timeout=10)
    assert made.status_code == 201, made.text
    pair_id = story["pair_id"] = made.json()["pair_id"]

    omar_page = await sign_in(browser_for, platform, OMAR, start=f"/pairs/{pair_id}/story")
    await looked_at(omar_page, "people-story-empty")
    await omar_page.locator("#body").fill("We rebuilt the onboarding together.")

    async def saved() -> bool:
        await omar_page.get_by_role("button", name="Save the story").click()
        await omar_page.wait_for_load_state()
        return "done=written" in omar_page.url

    for _ in range(60):  # feedback hears of the pair a moment after matching makes it
        if await saved():
            break
        await omar_page.locator("#body").fill("We rebuilt the onboarding together.")
    assert "done=written" in omar_page.url
    await omar_page.get_by_role("button", name="I consent to sharing this text").click()
    await omar_page.wait_for_url("**?done=consented")
    await looked_at(omar_page, "people-story-consented")

    lina_page = await sign_in(browser_for, platform, LINA, start=f"/pairs/{pair_id}/story")
    await lina_page.get_by_role("button", name="Ich stimme dem Teilen dieses Textes zu").click()
    await lina_page.wait_for_url("**?done=consented")
    assert "Mit dem Programm geteilt" in await lina_page.locator("main").inner_text()
    await looked_at(lina_page, "people-de-story-shared")
    await visit(lina_page, f"/programs/{PROGRAM}/stories", "people-de-program-stories")
    assert "We rebuilt the onboarding together." in await lina_page.locator("main").inner_text()


async def test_omars_closing_self_assessment_link_opens_the_closing_self_assessment(
    platform, program, browser_for, sandbox
):
    completed = httpx.post(
        f"{story['matching']}/programs/{PROGRAM}/complete", headers=lead_headers(PROGRAM), timeout=10
    )
    assert completed.status_code == 200, completed.text
    omar = participant_id(OMAR["email"])
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}feedback"]) as reader:

        def asked() -> list[FeedbackRequested]:
            return [
                e.event
                for e in reader.events(FeedbackRequested)
                if e.event.kind == "closing_self_assessment" and e.event.participant_id == omar
            ]

        await reader.read_until(lambda _: bool(asked()))
    context = await browser_for(locale=OMAR["locale"], timezone_id="America/New_York")
    page = await context.new_page()
    await visit(page, survey_link(portal_url(platform), asked()[0]), "people-closing-self-assessment")
    assert await page.get_by_role("heading", level=1).inner_text() == "Your closing self-assessment"
    assert "How confident are you as a leader?" in await page.locator("main").inner_text()

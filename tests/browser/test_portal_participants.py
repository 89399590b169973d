"""Two people find each other in the portal, each in their own Chromium session, language and time zone: Mira (a
junior mentor in Berlin, reading German) and Noah (a senior mentee in New York, reading English) sign in for the
first time, enrol through the form, Noah proposes Mira from his suggestions, Mira accepts, both see the pair with
the reasons and the kickoff at the same instant in their own zone, Noah moves the kickoff to a slot that suits both,
both set goals and move them, and both change their notification preferences. Every page is checked with axe-core
and kept as a screenshot, some on a phone. In order: each test continues the one before (`story` keeps what they
found)."""

import re
from datetime import datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from flipside_devstack.auth import participant_headers
from flipside_devstack.programs import configure_program
from flipside_devstack.waiting import wait_for

from .portal import looked_at, participant_id, portal_url, reloaded_until, signed_in, visit

PROGRAM = f"portal-{uuid4().hex[:8]}"
GRADES = ["Intern", "Analyst", "Associate", "Manager", "Director", "Vice president"]
MIRA = {
    "name": "Mira Mentor",
    "email": f"mira.{PROGRAM}@example.com",
    "locale": "de-DE",
    "timezone_id": "Europe/Berlin",
    "role": "mentor",
    "grade": "1",
    "department": "Marketing",
    "skill": "TikTok",
    "goal": "strategy",
    # Afternoons and evenings in Berlin: New York's mornings.
    "hours": ("13:00", "19:00"),
}
NOAH = {
    "name": "Noah Mentee",
    "email": f"noah.{PROGRAM}@example.com",
    "locale": "en-US",
    "timezone_id": "America/New_York",
    "role": "mentee",
    "grade": "4",
    "department": "Finance",
    "skill": "strategy",
    "goal": "TikTok",
    "hours": ("09:00", "17:00"),
}
story: dict[str, Any] = {}


@pytest.fixture(scope="module")
def program(platform) -> str:
    """A reverse-mentoring program where people choose their partner from suggestions."""
    configure_program(platform["matching"].url, PROGRAM, start="suggestions", grades=GRADES, length_weeks=12)
    return PROGRAM


async def browser_of(browser_for, person: dict, phone: bool = False):
    return await browser_for(locale=person["locale"], timezone_id=person["timezone_id"], phone=phone)


async def sign_in(browser_for, platform, person: dict, start: str = "/", phone: bool = False, shots=None):
    context = await browser_of(browser_for, person, phone=phone)
    return await signed_in(context, platform, person["name"], person["email"], start=start, shots=shots)


async def enrol(page, person: dict, shot: str) -> None:
    """The enrolment form filled in as a person does: the time zone is already the browser's."""
    await visit(page, "/programs", f"{shot}-programs")
    await page.locator(f"a[href='/programs/{PROGRAM}/enrol']").click()
    await page.wait_for_url(f"**/programs/{PROGRAM}/enrol")
    assert await page.locator("#time_zone").input_value() == person["timezone_id"], "preselected from the browser"
    await looked_at(page, f"{shot}-enrol-form")
    await page.locator("#display_name").fill(person["name"])
    await page.locator("#email").fill(person["email"])
    await page.locator(f"#role-{person['role']}").check()
    await page.locator("#grade").select_option(person["grade"])
    await page.locator("#department").fill(person["department"])
    await page.locator("#skill_0").fill(person["skill"])
    await page.locator("#goal_0").fill(person["goal"])
    start, end = person["hours"]
    for day in range(5):
        await page.locator(f"#start_{day}").fill(start)
        await page.locator(f"#end_{day}").fill(end)
    await page.locator("#languages").fill("en, de")
    await page.locator("#hours_per_month").fill("4")
    await page.locator(f"form[action='/programs/{PROGRAM}/enrol'] button[type=submit]").click()
    await page.wait_for_load_state()
    await looked_at(page, f"{shot}-enrolled")


def enrolled(person: dict) -> bool:
    """Matching knows the person under the id their e-mail maps to: the portal enrolled them as themself."""
    me = participant_id(person["email"])
    return httpx.get(f"{story['matching']}/participants/{me}", headers=participant_headers(me), timeout=10).is_success


async def test_mira_signs_in_for_the_first_time_and_enrols_through_the_form_in_german(platform, program, browser_for):
    story["matching"] = platform["matching"].url
    page = await sign_in(browser_for, platform, MIRA, shots="participant-de")
    assert await page.locator("html").get_attribute("lang") == "de", "the browser's language"
    await looked_at(page, "participant-de-home-before-enrolling")
    await enrol(page, MIRA, "participant-de")
    await wait_for(lambda: enrolled(MIRA), timeout=60)


async def test_noah_enrols_on_a_phone(platform, program, browser_for):
    page = await sign_in(browser_for, platform, NOAH, phone=True, shots="participant-phone")
    await enrol(page, NOAH, "participant-phone")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
    await wait_for(lambda: enrolled(NOAH), timeout=60)


async def test_noah_proposes_mira_from_his_suggestions_with_the_reasons(platform, program, browser_for):
    page = await sign_in(browser_for, platform, NOAH, start="/suggestions")

    async def mira_suggested() -> bool:
        return MIRA["name"] in await page.locator("main").inner_text()

    await reloaded_until(page, mira_suggested, "Mira among Noah's suggestions")
    await looked_at(page, "participant-suggestions")
    card = page.locator("li", has=page.get_by_role("heading", name=MIRA["name"]))
    assert await card.locator(".reasons li").count() > 0, "each suggestion says why it fits"
    await card.get_by_role("button", name=f"Propose {MIRA['name']}").click()
    await page.wait_for_url("**/proposals**")
    assert "Your proposal is sent." in await page.locator("main").inner_text()
    await looked_at(page, "participant-proposals-made")


async def test_mira_accepts_in_her_own_browser(platform, program, browser_for):
    page = await sign_in(browser_for, platform, MIRA, start="/proposals")
    waiting = page.locator("li.pair-card", has_text=NOAH["name"])
    await waiting.wait_for()
    assert await waiting.locator(".reasons li").count() > 0, "the proposal says why they fit"
    assert re.search(r"\b(MEZ|MESZ|CET|CEST)\b", await waiting.inner_text()), "the expiry in Berlin's time"
    await looked_at(page, "participant-de-proposal-waiting")
    await waiting.locator("form[action$='/accept'] button").click()
    await page.wait_for_url("**/proposals**")
    await looked_at(page, "participant-de-proposal-accepted")
    story["pair_id"] = await pair_id_of(MIRA)


async def pair_id_of(person: dict) -> str:
    me = participant_id(person["email"])
    pairs = httpx.get(
        f"{story['matching']}/participants/{me}/pairs", headers=participant_headers(me), timeout=10
    ).json()
    [pair] = [pair for pair in pairs if pair["status"] == "active"]
    return pair["pair_id"]


async def kickoff_shown(page, person: dict) -> tuple[datetime, str]:
    """The kickoff on the person's sessions page, once it is booked: its instant and the time shown."""

    async def booked() -> bool:
        return await page.locator("li.session time").count() > 0

    await reloaded_until(page, booked, "the kickoff", timeout=90)
    shown = page.locator("li.session").first
    start = shown.locator("time").first
    instant = datetime.fromisoformat(await start.get_attribute("datetime"))
    return instant, await start.inner_text()


def clock_reading(instant: datetime, zone: str, twelve_hour: bool) -> str:
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local.hour % 12 or 12}:{local.minute:02d}" if twelve_hour else f"{local.hour:02d}:{local.minute:02d}"


async def test_both_see_the_pair_with_the_reasons_and_the_kickoff_in_their_own_time_zones(
    platform, program, browser_for
):
    pair_id = story["pair_id"]
    mira = await sign_in(browser_for, platform, MIRA, start="/pairs")
    noah = await sign_in(browser_for, platform, NOAH, start="/pairs")
    await looked_at(mira, "participant-de-pairs")
    await looked_at(noah, "participant-pairs")
    for page, partner, shot in ((mira, NOAH, "participant-de-pair"), (noah, MIRA, "participant-pair")):
        await visit(page, f"/pairs/{pair_id}", shot)
        assert partner["name"] in await page.get_by_role("heading", level=1).inner_text()
        assert await page.locator("section[aria-labelledby=reasons] .reasons li").count() > 0, "why they were paired"

    await visit(mira, "/sessions", "participant-de-sessions")
    await visit(noah, "/sessions", "participant-sessions")
    at_mira, mira_reads = await kickoff_shown(mira, MIRA)
    at_noah, noah_reads = await kickoff_shown(noah, NOAH)
    assert at_mira == at_noah, "one kickoff, the same instant for both"
    assert mira_reads == clock_reading(at_mira, "Europe/Berlin", twelve_hour=False), mira_reads
    assert noah_reads.startswith(clock_reading(at_noah, "America/New_York", twelve_hour=True)), noah_reads
    assert mira_reads != noah_reads, "six hours apart on the wall clock"
    assert "Europe/Berlin" in await mira.locator("main").inner_text()
    assert "America/New_York" in await noah.locator("main").inner_text()
    await looked_at(mira, "participant-de-sessions-kickoff")
    await looked_at(noah, "participant-sessions-kickoff")
    story["kickoff"] = at_noah


async def test_noah_moves_the_kickoff_to_a_slot_that_suits_both_and_mira_sees_it_moved(platform, program, browser_for):
    noah = await sign_in(browser_for, platform, NOAH, start="/sessions")
    await noah.get_by_role("link", name="Move or cancel this session").first.click()
    await noah.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/reschedule$"))
    await looked_at(noah, "participant-reschedule")
    slots = noah.locator("input[name=slot]")
    assert await slots.count() > 0, "slots that suit both are offered"
    chosen = datetime.fromisoformat(await slots.first.get_attribute("value"))
    assert chosen != story["kickoff"]
    await slots.first.check()
    await noah.get_by_role("button", name="Move to the time I picked").click()
    await noah.wait_for_url("**/sessions**")
    await looked_at(noah, "participant-rescheduled")
    moved, _ = await kickoff_shown(noah, NOAH)
    assert moved == chosen, "the kickoff is at the time Noah picked"

    mira = await sign_in(browser_for, platform, MIRA, start="/sessions")
    at_mira, mira_reads = await kickoff_shown(mira, MIRA)
    assert at_mira == chosen, "Mira sees it moved"
    assert mira_reads == clock_reading(chosen, "Europe/Berlin", twelve_hour=False)


async def set_goal(page, title: str, progress: str) -> None:
    form = page.locator(f"form[action='/pairs/{story['pair_id']}/goals']")
    await form.locator("#category").select_option(index=1)
    await form.locator("#title").fill(title)
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    goal = page.locator(".goals > li", has_text=title)
    await goal.wait_for()
    await goal.locator("input[name=progress_percent]").fill(progress)
    await goal.locator("form button[type=submit]").click()
    await page.wait_for_load_state()
    assert await page.locator(".goals > li", has_text=title).locator("progress").get_attribute("value") == progress


async def test_both_set_goals_and_record_progress_and_see_each_others(platform, program, browser_for):
    pair = f"/pairs/{story['pair_id']}"
    mira = await sign_in(browser_for, platform, MIRA, start=pair)
    noah = await sign_in(browser_for, platform, NOAH, start=pair)
    await set_goal(mira, "Verstehen, wie unsere Strategie entsteht", "25")
    await set_goal(noah, "Post our first TikTok video", "50")
    await noah.reload()
    assert (
        "Verstehen, wie unsere Strategie entsteht" in await noah.locator("section[aria-labelledby=goals]").inner_text()
    )
    await looked_at(mira, "participant-de-pair-goals")
    await looked_at(noah, "participant-pair-goals")


async def test_both_change_their_notification_preferences(platform, program, browser_for):
    for person, shot in ((MIRA, "participant-de-preferences"), (NOAH, "participant-preferences")):
        page = await sign_in(browser_for, platform, person, start="/preferences")
        await looked_at(page, shot)
        await page.locator("#quiet_start").fill("20:00")
        await page.locator("#quiet_end").fill("07:00")
        await page.locator("#digest").check()
        await page.locator("#digest_time").fill("08:00")
        await page.locator("form[action='/preferences'] button[type=submit]").click()
        await page.wait_for_load_state()
        await looked_at(page, f"{shot}-saved")
        me = participant_id(person["email"])
        preferences = httpx.get(
            f"{platform['notifications'].url}/participants/{me}/preferences",
            headers=participant_headers(me),
            timeout=10,
        ).json()
        assert preferences["digest"] is True and preferences["digest_time"].startswith("08:00"), preferences
        assert preferences["quiet_hours"]["start"].startswith("20:00"), preferences
        assert preferences["quiet_hours"]["end"].startswith("07:00"), preferences


PARTICIPANT_PAGES = ["/", "/programs", "/profile", "/absences", "/self-assessments", "/concerns", "/proposals"]


@pytest.mark.parametrize("path", PARTICIPANT_PAGES)
async def test_every_participant_page_passes_axe_in_english_and_on_a_german_phone(platform, program, browser_for, path):
    noah = await sign_in(browser_for, platform, NOAH, start=path)
    name = path.strip("/").replace("/", "-") or "home"
    await looked_at(noah, f"participant-page-{name}")
    mira = await sign_in(browser_for, platform, MIRA, start=path, phone=True)
    await looked_at(mira, f"participant-de-phone-page-{name}")
    assert await mira.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"
    assert portal_url(platform) in mira.url

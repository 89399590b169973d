"""A program from its creation to its dashboard, in Chromium: the admin creates it in the portal, people enrol, its
lead dry-runs the match and reads the proposed pairs with their reasons and who would stay unmatched, runs it for
real, sees the pairs, a pair flagged at risk and the insights dashboard, and every other page of the program. Every
page is checked with axe-core and kept as a screenshot, some in German and on a phone. In order: each test continues
the one before."""

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.people import Person
from flipside_devstack.waiting import wait_for
from flipside_shared.events import PairAtRisk

from .portal import enlist, looked_at, portal_url, reloaded_until, signed_in, visit

PROGRAM = f"lead-{uuid4().hex[:8]}"
COUPLES = 3
LEAD = Person(
    sub=f"lead-of-{PROGRAM}",
    name="Lena Lead",
    email=f"lena.{PROGRAM}@example.com",
    roles=("program_lead",),
    programs=(PROGRAM,),
    description=f"leads program {PROGRAM}",
)
ADMIN = "Alex Admin"  # in the people file from the start (`local_stack_people`)
story: dict[str, Any] = {}


@pytest.fixture(scope="module")
def lead(people_file) -> Person:
    return enlist(people_file, LEAD)


def confirming(page) -> None:
    """Say yes when a form asks before it ends or starts something (the page's `data-confirm`)."""
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))


async def test_the_admin_creates_the_program_in_the_portal(platform, browser_for):
    admin = await browser_for()
    page = await signed_in(admin, platform, ADMIN, shots="admin")
    await visit(page, "/admin/programs/new", "admin-new-program")
    await page.locator("#program_id").fill(PROGRAM)
    await page.locator("#start").select_option("cohort_run")
    await page.locator("#grades").fill("\n".join(f"grade {n}" for n in range(10)))
    await page.locator("form[action='/admin/programs/new'] button[type=submit]").click()
    await page.wait_for_url(f"**/lead/programs/{PROGRAM}/policy?done=created")
    await looked_at(page, "admin-program-created")
    program = httpx.get(f"{platform['matching'].url}/programs/{PROGRAM}", headers=admin_headers(), timeout=10)
    assert program.json()["policy"]["start"] == "cohort_run", program.text
    await visit(page, "/admin/webhooks", "admin-webhooks")


async def test_people_enrol_and_the_lead_sees_the_enrolment(platform, lead, browser_for):
    people = [person for index in range(COUPLES) for person in mentor_and_mentee(program_id=PROGRAM, index=index)]
    async with httpx.AsyncClient(headers=admin_headers(), base_url=platform["matching"].url, timeout=10) as client:
        for person in people:
            body = {**person.profile.model_dump(mode="json"), "participant_id": str(person.participant_id)}
            assert (await client.post("/participants", json=body)).status_code == 202
    enrolment = f"{platform['matching'].url}/programs/{PROGRAM}/enrolment"

    def all_enrolled() -> bool:
        answer = httpx.get(enrolment, headers=lead_headers(PROGRAM), timeout=10)
        return answer.is_success and len(answer.json()["people"]) == len(people)

    await wait_for(all_enrolled, timeout=60)
    story["people"] = people

    page = await signed_in(await browser_for(), platform, lead.name, shots="lead")
    await visit(page, "/lead", "lead-programs")
    await visit(page, f"/lead/programs/{PROGRAM}", "lead-program-overview")
    shown = await page.locator("main").inner_text()
    assert all(person.profile.display_name in shown for person in people), "the lead sees who enrolled"


async def test_the_lead_dry_runs_reads_the_plan_and_runs_it_for_real(platform, lead, browser_for):
    page = await signed_in(await browser_for(), platform, lead.name, start=f"/lead/programs/{PROGRAM}/runs")
    await looked_at(page, "lead-runs")
    await page.get_by_role("button", name="Dry run").click()
    await page.wait_for_url("**/runs?dry_run=true**")
    plan = page.locator("ol.plan > li")
    assert await plan.count() == COUPLES, "the dry run proposes a pair for each couple"
    await plan.first.locator("summary").click()
    assert await plan.first.locator("details li").count() > 0, "each proposed pair says why"
    await looked_at(page, "lead-dry-run")
    pairs_url = f"{platform['matching'].url}/programs/{PROGRAM}/pairs"
    assert httpx.get(pairs_url, headers=lead_headers(PROGRAM), timeout=10).json() == [], "a dry run changes nothing"

    confirming(page)
    await page.get_by_role("button", name="Run for real").click()
    await page.wait_for_load_state()
    await looked_at(page, "lead-run-done")

    def paired() -> list[dict]:
        pairs = httpx.get(pairs_url, headers=lead_headers(PROGRAM), timeout=10).json()
        return [pair for pair in pairs if pair["status"] == "active"]

    await wait_for(lambda: len(paired()) == COUPLES, timeout=90)
    story["pairs"] = paired()
    await visit(page, f"/lead/programs/{PROGRAM}/pairs", "lead-pairs")
    assert await page.locator("summary", has_text="Why").count() == COUPLES, "each pair with why it was made"


async def test_the_lead_sees_a_pair_at_risk_and_keeps_it(platform, lead, sandbox, browser_for):
    pair = story["pairs"][0]
    flag = PairAtRisk(
        pair_id=pair["pair_id"],
        program_id=PROGRAM,
        mentor_id=pair["mentor_id"],
        mentee_id=pair["mentee_id"],
        score=0.2,
        reasons=["no session for 6 weeks"],
        detected_at=datetime.now(UTC),
    )
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(flag)])
    page = await signed_in(await browser_for(), platform, lead.name, start=f"/lead/programs/{PROGRAM}/at-risk")

    async def flagged() -> bool:
        return await page.get_by_role("button", name="Keep the pair").count() == 1

    await reloaded_until(page, flagged, "the pair at risk")
    assert "no session for 6 weeks" in await page.locator("main").inner_text()
    await looked_at(page, "lead-at-risk")
    await page.get_by_role("button", name="Keep the pair").click()
    await page.wait_for_load_state()
    await looked_at(page, "lead-at-risk-kept")


async def test_the_lead_sees_the_insights_dashboard(platform, lead, browser_for):
    page = await signed_in(await browser_for(), platform, lead.name)
    dashboard = f"/lead/programs/{PROGRAM}/insights"

    await page.goto(portal_url(platform) + dashboard)

    async def drawn() -> bool:
        # Feedback learns of the program from its events, a moment after matching's.
        return await page.locator("section.figure").count() > 0

    await reloaded_until(page, drawn, "the program's figures on the dashboard")
    await visit(page, dashboard, "lead-insights")
    assert await page.get_by_role("heading", level=1).inner_text() == "Insights"
    figures = await page.locator("section.figure h2").all_inner_texts()
    assert "Active pairs at risk" in figures, figures


LEAD_PAGES = ["", "/policy", "/runs", "/pairs", "/at-risk", "/fairness", "/insights", "/questionnaire", "/schedule"]


@pytest.mark.parametrize("page_of_program", LEAD_PAGES)
async def test_every_page_of_the_program_passes_axe_in_english_and_in_german_on_a_phone(
    platform, lead, browser_for, page_of_program
):
    path = f"/lead/programs/{PROGRAM}{page_of_program}"
    name = page_of_program.strip("/") or "overview"
    page = await signed_in(await browser_for(), platform, lead.name, start=path)
    await looked_at(page, f"lead-page-{name}")
    german_phone = await browser_for(locale="de-DE", timezone_id="Europe/Berlin", phone=True)
    phone = await signed_in(german_phone, platform, lead.name, start=path)
    assert await phone.locator("html").get_attribute("lang") == "de"
    await looked_at(phone, f"lead-de-phone-{name}")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the phone"

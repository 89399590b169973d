"""A program's life in Chromium: the admin gives a new program its details in the portal, its lead opens it, imports
its people from a CSV file after the preview, takes it to its end (asked first) and reads the closing report, and
writes its agreement. Every page is checked with axe-core and kept as a screenshot, the form's refusal and the
preview's errors too. In order: each test continues the one before."""

import asyncio
from uuid import uuid4

import pytest

from flipside_devstack.people import Person

from .portal import enlist, looked_at, reloaded_until, signed_in, visit

PROGRAM = f"life-{uuid4().hex[:8]}"
LEAD = Person(
    sub=f"lead-of-{PROGRAM}",
    name="Lara Lead",
    email=f"lara.{PROGRAM}@example.com",
    roles=("program_lead",),
    programs=(PROGRAM,),
    description=f"leads program {PROGRAM}",
)
ADMIN = "Alex Admin"  # in the people file from the start (`local_stack_people`)
HEADER = "employee_id,display_name,email,role,grade,department,time_zone,working_hours,languages"


def people_file(grade_of_the_second: str = "4") -> bytes:
    rows = [
        f"{PROGRAM}-1,Mira Mentor,mira.{PROGRAM}@example.com,mentor,1,Finance,Europe/Berlin,Mon-Fri 09:00-17:00,en",
        f"{PROGRAM}-2,Max Mentee,max.{PROGRAM}@example.com,mentee,{grade_of_the_second},Sales,Europe/Berlin,"
        "Mon-Fri 09:00-17:00,en",
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture(scope="module")
def lead(people_file) -> Person:
    return enlist(people_file, LEAD)


async def test_the_admin_gives_the_program_its_details(platform, lead, browser_for):
    page = await signed_in(await browser_for(), platform, ADMIN)
    await visit(page, f"/lead/programs/{PROGRAM}/life", "life-new-program")
    await page.locator("#name").fill(" ")  # no name: matching refuses, and the page says so next to the field
    await page.get_by_role("button", name="Save the details").click()
    await page.locator("#name-error").wait_for()
    await looked_at(page, "life-details-refused")
    await page.locator("#name").fill("Reverse mentoring pilot")
    await page.locator("#objectives").fill("Digital confidence\nFewer silos")
    await page.locator("#leads").fill(f"{LEAD.sub}; {LEAD.name}; {LEAD.email}")
    await page.locator("#meeting_kind").select_option("teams")
    await page.locator("#meeting_url").fill("https://teams.example.com/{pair_id}")
    await page.get_by_role("button", name="Save the details").click()
    await page.wait_for_url(f"**/lead/programs/{PROGRAM}/life?done=saved")
    assert "Draft" in await page.locator("main").inner_text()
    await looked_at(page, "life-details-saved")


async def test_the_lead_opens_the_program_and_imports_its_people(platform, lead, browser_for):
    page = await signed_in(await browser_for(locale="de-DE", timezone_id="Europe/Berlin"), platform, lead.name)
    await visit(page, f"/lead/programs/{PROGRAM}/life", "life-lead-de")
    await page.get_by_role("button", name="Anmeldung öffnen").click()
    await page.wait_for_url("**/life?done=open")

    await visit(page, f"/lead/programs/{PROGRAM}/import", "import-upload-de")
    await page.locator("#file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": people_file("senior")}]
    )
    await page.locator("form[enctype] button[type=submit]").click()
    await page.wait_for_url("**/import/preview")
    preview = await page.locator("main").inner_text()
    assert "1 Fehler" in preview and "grade" in preview, preview
    await looked_at(page, "import-preview-errors-de")

    await page.locator("#file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": people_file()}]
    )
    await page.locator("form[enctype] button[type=submit]").click()
    await page.wait_for_url("**/import/preview")
    await looked_at(page, "import-preview-de")
    await page.get_by_role("button", name="Diese Personen importieren").click()
    await page.wait_for_url("**/import?done=imported")
    await looked_at(page, "import-done-de")


async def test_the_lead_takes_the_program_to_its_end_and_reads_the_closing_report(platform, lead, browser_for):
    page = await signed_in(await browser_for(), platform, lead.name)
    await visit(page, f"/lead/programs/{PROGRAM}/life", "life-open")
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    for button, status in (
        ("Close enrolment", "close-enrolment"),
        ("Start the program", "start"),
        ("Complete the program", "complete"),
    ):
        await page.get_by_role("button", name=button).click()
        await page.wait_for_url(f"**/life?done={status}")
    await looked_at(page, "life-completed")

    # Feedback hears of the completion through Kafka: until then, the page says there is no report yet.
    await page.goto(page.url.split("/lead/")[0] + f"/lead/programs/{PROGRAM}/closing-report")

    async def shown() -> bool:
        return "Retention" in await page.locator("main").inner_text()

    await reloaded_until(page, shown, "the closing report")
    await looked_at(page, "closing-report")

    await visit(page, f"/lead/programs/{PROGRAM}/agreement", "agreement")
    await page.locator("#ground_rules").fill("Be on time, come prepared.")
    await page.locator("#confidentiality").fill("What is said stays between the two.")
    await page.get_by_role("button", name="Publish as a new version").click()
    await page.wait_for_url("**/agreement?done=published")
    await looked_at(page, "agreement-published")
    await visit(page, f"/lead/programs/{PROGRAM}/orientation/mentee?language=de", "orientation-mentee-de")

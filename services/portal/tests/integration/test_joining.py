"""Joining and one's own settings, as a person meets them in the browser: enrolling through the form, the profile
it makes, a bad field shown next to itself with everything else kept, notification choices, self-assessments, an
anonymous concern, leaving, and the same pages in German. Data is set up as people do: programs through matching's
API as an admin, then everything through the portal's pages."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Callable
from uuid import uuid4

import asyncpg
import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import profile
from flipside_devstack.portal_pages import Browser, page_text
from flipside_devstack.programs import configure_program

RUN = uuid4().hex[:8]
PROGRAM = f"join-{RUN}"


@pytest.fixture(scope="module")
def program(backends) -> str:
    configure_program(backends["matching"].url, PROGRAM, grades=["Associate", "Senior", "Lead", "Director"])
    return PROGRAM


def until(read: Callable[[], httpx.Response], holds: Callable[[str], bool], what: str) -> httpx.Response:
    """The page once its HTML shows what arrives through Kafka (an enrolment reaches every service in a moment)."""
    for _ in range(120):
        page = read()
        if page.status_code == 200 and holds(page.text):
            return page
        time.sleep(0.5)
    raise AssertionError(f"{what} never showed: {page_text(page)[:1000]}")


def enrolled_person(backends, program: str, signed_in, **browser) -> Browser:
    """Someone enrolled through matching's API, as HR would, and signed in to the portal."""
    participant_id = uuid4()
    body = {
        **profile(program_id=program, display_name="Noor Example", email="noor@example.com").model_dump(mode="json"),
        "participant_id": str(participant_id),
    }
    answer = httpx.post(f"{backends['matching'].url}/participants", json=body, headers=admin_headers(), timeout=10)
    assert answer.status_code == 202, answer.text
    return signed_in(participant_id=participant_id, name="Noor Example", **browser)


def enrolment_form(**changes: str) -> list[tuple[str, str]]:
    fields = {
        "display_name": "Mia Example",
        "email": "mia@example.com",
        "role": "mentor",
        "grade": "0",
        "department": "Marketing",
        "time_zone": "Europe/Berlin",
        "languages": "en, de",
        "interests": "climbing, podcasts",
        "rhythm": "weekly",
        "mode": "synchronous",
        "formality": "casual",
        "channel": "video",
        "capacity": "2",
        "hours_per_month": "6",
        **{f"start_{day}": "09:00" for day in range(5)},
        **{f"end_{day}": "17:00" for day in range(5)},
        **changes,
    }
    topics = [("skill", "tiktok"), ("skill_level", "5"), ("skill", ""), ("skill_level", "3")]
    topics += [("goal", "strategy"), ("goal_priority", "4")]
    return [*fields.items(), *topics]


def field_error(page: httpx.Response, field: str) -> str:
    """The error sentence shown next to a field, which the field names as describing it."""
    marker = f'id="{field}-error">'
    assert marker in page.text, f"no error next to {field}"
    start = page.text.index(marker) + len(marker)
    assert f'aria-describedby="{field}-error"' in page.text or f"{field}-error" in page.text
    return html.unescape(page.text[start : page.text.index("<", start)])


def test_a_new_person_enrols_through_the_form_and_sees_their_profile(program, signed_in):
    browser = signed_in(participant_id=uuid4(), name="Mia Example")

    programs = browser.get("/programs")
    assert programs.status_code == 200, programs.text
    assert f'href="/programs/{program}/enrol"' in programs.text
    assert "Reverse mentoring: junior colleagues mentor senior ones." in page_text(programs)

    form = browser.get(f"/programs/{program}/enrol")
    assert form.status_code == 200, form.text
    assert '<datalist id="topics">' in form.text and '<option value="TikTok">' in form.text
    assert 'list="topics"' in form.text and "data-browser-time-zone" in form.text
    assert '<option value="1" >Senior</option>' in form.text, "grades come from the program's ladder"
    assert "you are the more junior colleague and teach what you know well" in page_text(form)

    sent = browser.send(f"/programs/{program}/enrol", enrolment_form())
    assert sent.status_code == 303, page_text(sent)
    assert sent.headers["location"] == f"/programs/{program}/enrol?done=enrolled"
    next_steps = page_text(browser.get(sent.headers["location"]))
    assert f"You are enrolled in {program}" in next_steps and "What happens next" in next_steps

    mine = until(lambda: browser.get("/profile"), lambda text: "Set by HR" in text, "the new profile")
    text = page_text(mine)
    assert f"You take part in {program}." in text
    assert "Associate read-only" in text and "Marketing read-only" in text and "Mentor read-only" in text
    assert 'value="TikTok"' in mine.text, "a topic typed in any case is saved as the taxonomy names it"
    assert (
        'value="strategy"' in mine.text and 'value="en, de"' in mine.text and 'value="climbing, podcasts"' in mine.text
    )
    assert 'name="department"' not in mine.text, "HR's fields are shown, not editable"
    assert f'href="/programs/{program}/enrol"' in browser.get("/programs").text
    assert "You are enrolled" in page_text(browser.get("/programs"))


def test_a_bad_field_is_shown_next_to_it_and_everything_typed_is_kept(program, signed_in):
    browser = signed_in(participant_id=uuid4())

    unknown = browser.send(
        f"/programs/{program}/enrol", [*enrolment_form(department="Sales"), ("goal", "basket weaving")]
    )
    assert unknown.status_code == 422
    assert "Flipside does not know the topic “basket weaving”" in field_error(unknown, "goal_1")
    assert 'aria-invalid="true" aria-describedby="goal_1-error"' in unknown.text
    for kept in ('value="Sales"', 'value="basket weaving"', 'value="tiktok"', 'value="climbing, podcasts"'):
        assert kept in unknown.text, kept

    too_many_hours = browser.send(
        f"/programs/{program}/enrol", enrolment_form(hours_per_month="99", department="Sales")
    )
    assert too_many_hours.status_code == 422, "matching refuses it, and says which field"
    assert "40" in field_error(too_many_hours, "hours_per_month")
    assert 'value="99"' in too_many_hours.text and 'value="Sales"' in too_many_hours.text
    assert "Some fields need another look." in page_text(too_many_hours)
    assert "{" not in page_text(too_many_hours), "never JSON"

    no_hours = browser.send(
        f"/programs/{program}/enrol",
        [(name, value) for name, value in enrolment_form() if not name.startswith(("start_", "end_"))]
        + [("start_2", "18:00"), ("end_2", "09:00")],
    )
    assert no_hours.status_code == 422
    assert "The day's hours end after they start." in field_error(no_hours, "hours_2")
    assert 'value="18:00"' in no_hours.text


def test_a_profile_change_is_saved_and_leaving_asks_first(backends, program, signed_in):
    browser = enrolled_person(backends, program, signed_in)
    page = until(lambda: browser.get("/profile"), lambda text: "Set by HR" in text, "the profile")
    assert 'value="Noor Example"' in page.text

    form = enrolment_form(display_name="Noor E.", hours_per_month="8")
    saved = browser.send(
        "/profile", [(name, value) for name, value in form if name not in ("role", "grade", "department")]
    )
    assert saved.status_code == 303, page_text(saved)
    assert "Your changes are saved" in page_text(browser.get(saved.headers["location"]))
    changed = until(lambda: browser.get("/profile"), lambda markup: 'value="Noor E."' in markup, "the change")
    assert 'value="8"' in changed.text
    assert "Engineering read-only" in page_text(changed), "HR's department stays as HR gave it"

    confirm = browser.get("/profile/withdraw")
    assert "Yes, leave the program" in page_text(confirm)
    left = browser.send("/profile/withdraw", {})
    assert (left.status_code, left.headers["location"]) == (303, "/profile?done=withdrawn")
    after = until(lambda: browser.get(left.headers["location"]), lambda text: "not in a program" in text, "leaving")
    assert "You have left the program." in page_text(after)


def test_preferences_are_saved_and_shown_again_and_a_bad_webhook_url_is_refused_next_to_it(
    backends, program, signed_in
):
    browser = enrolled_person(backends, program, signed_in)
    until(lambda: browser.get("/preferences"), lambda text: "Tell me by" in text, "the preferences form")

    choices = [
        ("channels", "email"),
        ("kinds", "pairing"),
        ("kinds", "sessions"),
        ("kinds", "feedback"),
        ("quiet_start", "22:00"),
        ("quiet_end", "07:00"),
        ("digest", "on"),
        ("digest_time", "07:30"),
        ("language", "de"),
    ]
    saved = browser.send("/preferences", choices)
    assert (saved.status_code, saved.headers["location"]) == (303, "/preferences?done=saved"), page_text(saved)
    shown = browser.get(saved.headers["location"])
    assert "Your notification choices are saved." in page_text(shown)
    assert 'id="kind-reminders" name="kinds" value="reminders" >' in shown.text, "reminders unticked stay unticked"
    assert 'id="kind-pairing" name="kinds" value="pairing" checked>' in shown.text
    assert 'value="22:00"' in shown.text and 'value="07:00"' in shown.text and 'value="07:30"' in shown.text
    assert 'id="digest" name="digest" value="on" aria-describedby="digest-help" checked' in shown.text
    assert '<option value="de" lang="de" selected>Deutsch</option>' in shown.text, "e-mails in German from now on"

    without_url = browser.send("/preferences", [*choices, ("channels", "slack")])
    assert without_url.status_code == 422
    assert "Give the Slack incoming-webhook URL" in field_error(without_url, "slack_webhook_url")

    foreign = browser.send(
        "/preferences", [*choices, ("channels", "slack"), ("slack_webhook_url", "https://example.com/hook")]
    )
    assert foreign.status_code == 422, "notifications refuses a URL that is not Slack's"
    assert "incoming-webhook URL" in field_error(foreign, "slack_webhook_url")
    assert 'value="https://example.com/hook"' in foreign.text and 'value="22:00"' in foreign.text


def test_self_assessments_are_saved_per_phase_and_shown_again(backends, program, signed_in):
    browser = enrolled_person(backends, program, signed_in)
    scores = {"digital_confidence": "2", "leadership_confidence": "4"}

    def saved_once() -> httpx.Response:
        return browser.send("/self-assessments/baseline", scores)

    for _ in range(120):  # feedback learns of the enrolment through Kafka
        answer = saved_once()
        if answer.status_code == 303:
            break
        time.sleep(0.5)
    assert answer.status_code == 303, page_text(answer)
    page = browser.get(answer.headers["location"])
    assert "Your self-assessment is saved." in page_text(page)
    assert 'id="baseline-digital_confidence-2" name="digital_confidence" value="2" checked' in page.text
    assert 'id="baseline-leadership_confidence-4" name="leadership_confidence" value="4" checked' in page.text
    assert 'id="end-digital_confidence-2" name="digital_confidence" value="2" >' in page.text, "the end is not given"

    nothing = browser.send("/self-assessments/end", {})
    assert nothing.status_code == 422
    assert "Choose a score for at least one question." in page_text(nothing)


def test_a_concern_is_sent_without_a_name_and_the_page_says_who_sees_what(backends, program, signed_in, sandbox):
    browser = enrolled_person(backends, program, signed_in)
    page = until(lambda: browser.get("/concerns"), lambda text: "Who sees what" in text, "the concern form")
    assert "only once five or more different people have raised a concern on it" in page_text(page)

    empty = browser.send("/concerns", {"theme": "respect", "body": "  "})
    assert empty.status_code == 422 and "Write what concerns you." in field_error(empty, "body")
    assert '<option value="respect" selected>' in empty.text

    words = f"Sessions keep being moved at short notice {RUN}"
    for _ in range(120):  # feedback learns of the enrolment through Kafka
        sent = browser.send("/concerns", {"theme": "time_and_workload", "body": words})
        if sent.status_code == 303:
            break
        time.sleep(0.5)
    assert (sent.status_code, sent.headers["location"]) == (303, "/concerns?done=sent"), page_text(sent)
    assert "Your concern was received, without your name." in page_text(browser.get(sent.headers["location"]))
    stored = asyncio.run(_concerns(sandbox.database_url, program))
    assert [(row["theme"], row["body"]) for row in stored] == [("time_and_workload", words)]
    assert str(browser.participant_id) not in repr([dict(row) for row in stored])


def test_the_enrolment_form_and_its_errors_in_german(program, signed_in):
    browser = signed_in(participant_id=uuid4(), language="de")
    form = browser.get(f"/programs/{program}/enrol")
    text = page_text(form)
    assert form.status_code == 200 and '<html lang="de">' in form.text
    assert f"{program} beitreten" in text and "Ihre Arbeitszeiten" in text and "Montag" in text

    refused = browser.send(f"/programs/{program}/enrol", enrolment_form(email="not-an-address"))
    assert refused.status_code == 422
    assert "Schreiben Sie eine E-Mail-Adresse" in field_error(refused, "email")
    assert 'value="not-an-address"' in refused.text

    by_matching = browser.send(f"/programs/{program}/enrol", enrolment_form(hours_per_month="99"))
    assert by_matching.status_code == 422
    assert "Einige Felder müssen Sie sich noch einmal ansehen." in page_text(by_matching)
    assert field_error(by_matching, "hours_per_month")


async def _concerns(database_url: str, program: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "feedback"})
    try:
        return await conn.fetch("SELECT * FROM concerns WHERE program_id = $1", program)
    finally:
        await conn.close()


def test_pages_for_participants_refuse_someone_who_is_not_one(signed_in):
    lead = signed_in(roles=["program_lead"], programs=[PROGRAM])
    refused = lead.get("/profile")
    assert refused.status_code == 403 and "This page is for participants of a program" in page_text(refused)

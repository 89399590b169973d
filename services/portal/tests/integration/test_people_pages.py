"""A participant's pages around their program, against the four real services: enrolling accepts the program's
ground rules and confidentiality agreement (and a newer version later), the orientation guide for one's part in
one's language, a pair's success story written, consented to, shared and withdrawn, and the closing
self-assessment's link once the program completes. In order: each test continues the one before."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader
from flipside_devstack.links import survey_link
from flipside_devstack.portal_pages import Browser, page_text
from flipside_devstack.programs import configure_program
from flipside_shared.events import FeedbackRequested, ParticipantEnrolled

PROGRAM = f"people-{uuid4().hex[:8]}"
MENTOR, MENTEE = mentor_and_mentee(PROGRAM)
GROUND_RULES = "We meet as equals.\nWe start on time."
CONFIDENTIALITY = "What is said in a session stays in the pair."
found: dict[str, str] = {}  # what one test leaves for the next: the pair's id


def until(holds: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not holds():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} never came")
        time.sleep(0.5)


def publish_agreement(backends, confidentiality: str = CONFIDENTIALITY) -> int:
    answer = httpx.put(
        f"{backends['matching'].url}/programs/{PROGRAM}/agreement",
        json={"ground_rules": GROUND_RULES, "confidentiality": confidentiality},
        headers=lead_headers(PROGRAM),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["version"])


def accepted_versions(backends) -> dict[str, int]:
    answer = httpx.get(
        f"{backends['matching'].url}/programs/{PROGRAM}/agreement/acceptances", headers=lead_headers(PROGRAM)
    )
    assert answer.status_code == 200, answer.text
    return {row["participant_id"]: row["version"] for row in answer.json()["acceptances"]}


@pytest.fixture(scope="module")
def program(backends) -> str:
    """A program where people pick their partner (nobody is paired behind the test's back), with an agreement."""
    configure_program(backends["matching"].url, PROGRAM, start="suggestions")
    assert publish_agreement(backends) == 1
    return PROGRAM


def as_person(signed_in, person: ParticipantEnrolled, language: str | None = None) -> Browser:
    return signed_in(participant_id=person.participant_id, name=person.profile.display_name, language=language)


def enrolment_form(**changes: str) -> list[tuple[str, str]]:
    fields = {
        "display_name": MENTOR.profile.display_name,
        "email": "mentor0@example.com",
        "role": "mentor",
        "grade": "0",
        "department": "Marketing",
        "time_zone": "Europe/Berlin",
        "languages": "en",
        "rhythm": "weekly",
        "mode": "synchronous",
        "formality": "casual",
        "channel": "video",
        "capacity": "1",
        "hours_per_month": "6",
        **{f"start_{day}": "09:00" for day in range(5)},
        **{f"end_{day}": "17:00" for day in range(5)},
        **changes,
    }
    return [*fields.items(), ("skill", "tiktok"), ("skill_level", "5"), ("goal", "strategy"), ("goal_priority", "4")]


def test_enrolling_shows_the_agreement_and_needs_it_accepted(program, backends, signed_in):
    mentor = as_person(signed_in, MENTOR)
    form = mentor.get(f"/programs/{program}/enrol")
    assert form.status_code == 200, form.text
    text = page_text(form)
    assert "Ground rules and confidentiality" in text and "We meet as equals." in text and CONFIDENTIALITY in text
    assert 'type="checkbox" id="accept_agreement"' in form.text and 'name="agreement_version" value="1"' in form.text

    unticked = mentor.send(
        f"/programs/{program}/enrol", [*enrolment_form(department="Sales"), ("agreement_version", "1")]
    )
    assert unticked.status_code == 422
    assert 'id="accept_agreement-error"' in unticked.text
    assert "accept them to enrol" in page_text(unticked)
    assert 'value="Sales"' in unticked.text, "what was typed is kept"

    sent = mentor.send(
        f"/programs/{program}/enrol",
        [*enrolment_form(), ("agreement_version", "1"), ("accept_agreement", "yes")],
    )
    assert sent.status_code == 303, page_text(sent)
    until(lambda: str(MENTOR.participant_id) in accepted_versions(backends), "the acceptance")
    assert accepted_versions(backends)[str(MENTOR.participant_id)] == 1


def test_someone_enrolled_before_a_new_version_reads_and_accepts_it(program, backends, signed_in):
    assert publish_agreement(backends, "Nothing leaves the pair without both agreeing.") == 2
    mentor = as_person(signed_in, MENTOR)
    page = mentor.get(f"/programs/{program}/enrol")
    text = page_text(page)
    assert "You are enrolled" in text and "Nothing leaves the pair without both agreeing." in text
    assert "Version 2" in text and 'action="/programs/' + program + '/agreement"' in page.text

    unticked = mentor.send(f"/programs/{program}/agreement", {"agreement_version": "2"})
    assert unticked.status_code == 422 and 'id="accept_agreement-error"' in unticked.text
    stale = mentor.send(f"/programs/{program}/agreement", {"agreement_version": "1", "accept_agreement": "yes"})
    assert stale.status_code == 422, "an earlier version shown is not accepted as the current one"

    accepted = mentor.send(f"/programs/{program}/agreement", {"agreement_version": "2", "accept_agreement": "yes"})
    assert (accepted.status_code, accepted.headers["location"]) == (303, f"/programs/{program}/enrol?done=accepted")
    assert "you accepted the current agreement" in page_text(mentor.get(accepted.headers["location"]))
    assert accepted_versions(backends)[str(MENTOR.participant_id)] == 2


def test_the_orientation_is_the_guide_for_ones_part_in_ones_language(program, signed_in):
    mentor = as_person(signed_in, MENTOR)
    assert 'href="/orientation"' in mentor.get("/").text
    english = page_text(mentor.get("/orientation"))
    assert f"Getting started in {program}" in english and "How to mentor upward" in english
    assert "As a mentee" not in english
    german = page_text(as_person(signed_in, MENTOR, language="de").get("/orientation"))
    assert "Wie Sie nach oben mentoren" in german and "Orientierung" in german
    outsider = signed_in(participant_id=uuid4(), name="Not Enrolled")
    assert "You are not in a program" in page_text(outsider.get("/orientation"))


def test_a_pair_writes_its_story_both_consent_and_the_program_reads_it(program, backends, signed_in):
    matching = backends["matching"].url
    body = {
        **MENTEE.profile.model_dump(mode="json", exclude={"program_id"}),
        "participant_id": str(MENTEE.participant_id),
        "agreement_version": 2,
    }
    enrolled = httpx.post(f"{matching}/programs/{program}/enrolments", json=body, headers=admin_headers(), timeout=10)
    assert enrolled.status_code == 202, enrolled.text
    ids = {"mentor_id": str(MENTOR.participant_id), "mentee_id": str(MENTEE.participant_id), "override": True}

    def paired() -> bool:
        made = httpx.post(f"{matching}/programs/{program}/pairs", json=ids, headers=admin_headers(), timeout=10)
        found["pair_id"] = made.json().get("pair_id", "")
        return made.status_code == 201

    until(paired, "the pair")
    pair_id = found["pair_id"]
    mentor, mentee = as_person(signed_in, MENTOR), as_person(signed_in, MENTEE)
    story = f"/pairs/{pair_id}/story"
    until(lambda: f'href="{story}"' in mentor.get(f"/pairs/{pair_id}").text, "the pair page")

    empty = mentor.send(story, {"body": "   "})
    assert empty.status_code == 422 and 'id="body-error"' in empty.text
    assert "Please write the story before saving it." in page_text(empty)

    def written() -> bool:
        return mentor.send(story, {"body": "We rebuilt the team's onboarding together."}).status_code == 303

    until(written, "feedback to know the pair")
    page = page_text(mentor.get(f"{story}?done=written"))
    assert "Your story is saved." in page and "Written by you" in page and "Not shared" in page

    for browser in (mentor, mentee):
        consented = browser.send(f"{story}/consent", {"given": "yes"})
        assert (consented.status_code, consented.headers["location"]) == (303, f"{story}?done=consented")
    both = page_text(mentee.get(story))
    assert "Shared with the program" in both and f"Written by {MENTOR.profile.display_name}" in both
    shared = page_text(mentee.get(f"/programs/{program}/stories"))
    assert "We rebuilt the team's onboarding together." in shared
    assert MENTOR.profile.display_name not in shared, "shared stories carry no names"

    withdrawn = mentee.send(f"{story}/consent", {"given": "no"})
    assert withdrawn.headers["location"] == f"{story}?done=withdrawn"
    assert "No story is shared yet." in page_text(mentor.get(f"/programs/{program}/stories"))
    german = page_text(as_person(signed_in, MENTOR, language="de").get(story))
    assert f"Ihre Erfolgsgeschichte mit {MENTEE.profile.display_name}" in german and "Nicht geteilt" in german

    outsider = signed_in(participant_id=uuid4(), name="Someone Else")
    assert outsider.get(story).status_code == 403, "another pair's story is not theirs to read"
    assert outsider.get(f"/programs/{program}/stories").status_code == 403


def test_the_closing_self_assessment_link_opens_a_page_worded_as_such(program, backends, portal, sandbox):
    # A program set up by its rules alone is running: its lead completes it, which asks both sides to look back.
    completed = httpx.post(
        f"{backends['matching'].url}/programs/{program}/complete", headers=lead_headers(program), timeout=10
    )
    assert completed.status_code == 200, completed.text
    request = asyncio.run(closing_request(sandbox, MENTEE.participant_id))
    link = survey_link(portal.url, request)
    english = httpx.get(link, timeout=30)
    assert english.status_code == 200, english.text
    text = page_text(english)
    assert "Your closing self-assessment" in text and "How did your session go?" not in text
    assert re.search(r"<title>[^<]*Closing self-assessment", english.text)
    assert "How confident are you as a leader?" in text and 'id="digital_confidence-5"' in english.text
    with httpx.Client(timeout=30) as browser:  # signed out: the link is the credential
        form = browser.get(link)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
        sent = browser.post(link, data={"csrf_token": token, "leadership_confidence": "4"})
        assert sent.status_code == 303, page_text(sent)
        again = browser.get(link)
        assert 'id="leadership_confidence-4" name="leadership_confidence" value="4" checked' in again.text, (
            "the end self-assessment is saved and shown again"
        )
    german = page_text(httpx.get(link, headers={"accept-language": "de"}, timeout=30))
    assert "Ihre abschließende Selbsteinschätzung" in german
    for question in (
        "Wie sicher fühlen Sie sich mit digitalen Werkzeugen und neuen Arbeitsweisen?",
        "Wie sicher fühlen Sie sich als Führungskraft?",
        "Wie gut verstehen Sie die Strategie der Organisation?",
        "Wie gut verstehen Sie Kolleginnen und Kollegen einer anderen Generation?",
    ):
        assert question in german


async def closing_request(sandbox, participant_id) -> FeedbackRequested:
    """Feedback's request for the person's closing self-assessment, as notifications would read it."""
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}feedback"]) as reader:

        def asked() -> list[FeedbackRequested]:
            return [
                e.event
                for e in reader.events(FeedbackRequested)
                if e.event.kind == "closing_self_assessment" and e.event.participant_id == participant_id
            ]

        await reader.read_until(lambda _: bool(asked()))
        return asked()[0]

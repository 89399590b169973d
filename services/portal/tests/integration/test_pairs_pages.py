"""A mentor and a mentee find each other through the portal's pages, against the four real services: one proposes
from the suggestions, the other accepts, both see the pair and why; goals are set and moved on the pair page; a
third person is refused the pair's page; the pages speak German. In order: each test continues the one before."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import enrolled, mentor_and_mentee
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.portal_pages import Browser, page_text
from flipside_devstack.programs import configure_program
from flipside_shared.events import PairAtRisk, ParticipantEnrolled

PROGRAM = f"pairs-{uuid4().hex[:8]}"  # people pick their partner: suggestions, proposals, then pairs
MENTOR, MENTEE = mentor_and_mentee(PROGRAM)
OUTSIDER = enrolled(program_id=PROGRAM, role="mentee", grade=9, display_name="Outsider", email="out@example.com")
SECOND_MENTOR = enrolled(program_id=PROGRAM, role="mentor", grade=1, display_name="Mentor 1", email="m1@example.com")
EVERYONE = (MENTOR, MENTEE, OUTSIDER, SECOND_MENTOR)
found: dict[str, str] = {}  # what one test leaves for the next: the pair's id


@pytest.fixture(scope="module")
def people(backends) -> None:
    """The program and its three people, enrolled as HR or an admin enrols them, and known to matching."""
    matching = backends["matching"].url
    configure_program(matching, PROGRAM, start="suggestions")
    for person in EVERYONE:
        body = {
            **person.profile.model_dump(mode="json", exclude={"program_id"}),
            "participant_id": str(person.participant_id),
        }
        response = httpx.post(
            f"{matching}/programs/{PROGRAM}/enrolments", json=body, headers=admin_headers(), timeout=10
        )
        assert response.status_code == 202, response.text
    for person in EVERYONE:
        until(
            lambda person=person: (
                httpx.get(
                    f"{matching}/participants/{person.participant_id}", headers=admin_headers(), timeout=10
                ).status_code
                == 200
            ),
            f"{person.profile.display_name} enrolled",
        )


def until(holds: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """What a page shows after an event has gone through Kafka, once it shows it."""
    deadline = time.monotonic() + seconds
    while not holds():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} never came")
        time.sleep(0.5)


def as_person(signed_in, person: ParticipantEnrolled, language: str | None = None, time_zone: str = "Europe/Berlin"):
    return signed_in(
        participant_id=person.participant_id,
        name=person.profile.display_name,
        programs=[PROGRAM],
        language=language,
        time_zone=time_zone,
    )


def followed(browser: Browser, response: httpx.Response) -> httpx.Response:
    assert response.status_code == 303, page_text(response)
    return browser.get(response.headers["location"])


def test_the_mentor_proposes_from_the_suggestions_with_the_reasons(people, signed_in):
    mentor = as_person(signed_in, MENTOR)
    page = mentor.get("/suggestions")
    assert page.status_code == 200, page.text
    text = page_text(page)
    assert "Mentee 0" in text
    assert "The mentor can teach the mentee TikTok." in text, "the reason as a sentence, without its weight"
    assert "(+0." not in text

    sent = mentor.send("/suggestions", {"program_id": PROGRAM, "candidate_id": str(MENTEE.participant_id)})
    proposals = page_text(followed(mentor, sent))
    assert "Your proposal is sent." in proposals
    made = proposals.split("Your proposals, waiting for the other side", 1)[1]
    assert "Mentee 0" in made and "They have until" in made

    again = mentor.send("/suggestions", {"program_id": PROGRAM, "candidate_id": str(MENTEE.participant_id)})
    assert again.status_code in (409, 429), "a second proposal to the same person is refused on the page"
    assert again.headers["content-type"].startswith("text/html") and "form-error" in again.text


def test_the_mentee_sees_the_proposal_in_their_zone_and_accepts(people, signed_in):
    mentee = as_person(signed_in, MENTEE, time_zone="America/New_York")
    page = mentee.get("/proposals")
    text = page_text(page)
    assert "Mentor 0 proposes to pair with you" in text
    assert "The mentee can teach the mentor strategy." in text
    assert re.search(r"Answer by .+ (EST|EDT)\.", text), "the expiry in the mentee's own time zone"
    assert 'action="/proposals/' in page.text and "Yes, decline" in text, "declining asks again first"
    home = page_text(mentee.get("/"))
    assert "Mentor 0 proposes to pair with you." in home

    pair_id = re.search(r'action="/proposals/([0-9a-f-]+)/accept"', page.text)[1]
    accepted = page_text(followed(mentee, mentee.send(f"/proposals/{pair_id}/accept")))
    assert "You accepted." in accepted
    assert "No proposal is waiting for your answer." in accepted, "the answered proposal is not offered again"
    found["pair_id"] = pair_id


def test_both_see_the_pair_with_why_they_were_paired(people, signed_in):
    pair_id = found["pair_id"]
    for person, partner, reason in (
        (MENTOR, "Mentee 0", "The mentor can teach the mentee TikTok."),
        (MENTEE, "Mentor 0", "The mentee can teach the mentor strategy."),
    ):
        browser = as_person(signed_in, person)
        until(lambda browser=browser: "Active" in page_text(browser.get("/pairs")), "the pair")
        pairs = browser.get("/pairs")
        text = page_text(pairs)
        assert partner in text and reason in text and f"/pairs/{pair_id}" in pairs.text
        assert f"/pairs/{pair_id}" in browser.get("/").text, "the home page leads to the pair"


def test_goals_are_set_and_moved_on_the_pair_page_and_both_see_them(people, signed_in):
    pair_id = found["pair_id"]
    mentee = as_person(signed_in, MENTEE)
    until(lambda: "Set a new goal" in page_text(mentee.get(f"/pairs/{pair_id}")), "feedback to know the pair")

    empty = mentee.send(f"/pairs/{pair_id}/goals", {"category": "leadership", "title": "  "})
    assert empty.status_code == 422
    assert 'id="title-error"' in empty.text and 'aria-invalid="true"' in empty.text, "the error next to its field"
    assert '<option value="leadership" selected>' in empty.text, "what was chosen is kept"

    title = "Post a team update on TikTok"
    page = page_text(followed(mentee, mentee.send(f"/pairs/{pair_id}/goals", {"category": "digital", "title": title})))
    assert "Your goal is set." in page and title in page and "0 % done" in page

    goal_id = re.search(rf'action="/pairs/{pair_id}/goals/([0-9a-f-]+)"', mentee.get(f"/pairs/{pair_id}").text)[1]
    too_much = mentee.send(f"/pairs/{pair_id}/goals/{goal_id}", {"progress_percent": "140"})
    assert too_much.status_code == 422 and f'id="progress-{goal_id}-error"' in too_much.text
    assert 'value="140"' in too_much.text, "what was typed is kept"
    moved = page_text(followed(mentee, mentee.send(f"/pairs/{pair_id}/goals/{goal_id}", {"progress_percent": "60"})))
    assert "progress is saved." in moved and "60 % done" in moved

    mentor_view = page_text(as_person(signed_in, MENTOR).get(f"/pairs/{pair_id}"))
    mentee_goals = mentor_view.split("Mentee 0's goals", 1)[1]
    assert title in mentee_goals and "60 % done" in mentee_goals
    assert f"/pairs/{pair_id}/goals/{goal_id}" not in mentor_view, "only its owner moves a goal"


def test_the_home_page_says_what_comes_next(people, signed_in):
    mentor = as_person(signed_in, MENTOR)
    until(lambda: "Next: Kickoff with Mentee 0" in page_text(mentor.get("/")), "the kickoff booked by scheduling")
    home = page_text(mentor.get("/"))
    assert "Nothing is waiting for you right now." not in home
    assert "Mentee 0 proposes" not in home, "an answered proposal waits no more"


def test_a_proposal_is_declined_after_asking_again_and_the_proposer_learns_so(people, signed_in):
    proposer, asked = as_person(signed_in, SECOND_MENTOR), as_person(signed_in, OUTSIDER)
    sent = proposer.send("/suggestions", {"program_id": PROGRAM, "candidate_id": str(OUTSIDER.participant_id)})
    assert sent.status_code == 303, page_text(sent)
    page = asked.get("/proposals")
    assert "Mentor 1 proposes to pair with you" in page_text(page)
    pair_id = re.search(r'action="/proposals/([0-9a-f-]+)/decline"', page.text)[1]
    assert re.search(r"<details[^>]*>\s*<summary[^>]*>Decline…</summary>", page.text), "decline opens a confirmation"

    declined = page_text(followed(asked, asked.send(f"/proposals/{pair_id}/decline", {"note": "Not this term."})))
    assert "You declined the proposal." in declined and "Mentor 1 proposes" not in declined
    until(lambda: "Declined" in page_text(proposer.get("/proposals")), "the proposer to learn of the answer")
    earlier = page_text(proposer.get("/proposals")).split("Earlier proposals", 1)[1]
    assert "Outsider" in earlier

    again = asked.send(f"/proposals/{pair_id}/accept")
    assert again.status_code == 409 and "form-error" in again.text, "an answered proposal is refused on the page"


def test_a_pair_at_risk_is_kept_by_one_of_its_people(people, signed_in, sandbox):
    pair_id = found["pair_id"]
    flag = PairAtRisk(
        pair_id=pair_id,
        program_id=PROGRAM,
        mentor_id=MENTOR.participant_id,
        mentee_id=MENTEE.participant_id,
        score=0.2,
        reasons=["no session for 6 weeks"],
        detected_at=datetime.now(UTC),
    )
    asyncio.run(publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(flag)]))
    mentee = as_person(signed_in, MENTEE)
    until(lambda: "This pair needs attention" in page_text(mentee.get(f"/pairs/{pair_id}")), "the flag")
    assert "Your pair with Mentor 0 needs attention." in page_text(mentee.get("/"))
    assert "data-confirm=" in mentee.get(f"/pairs/{pair_id}").text, "asking for a new partner asks again first"

    kept = page_text(followed(mentee, mentee.send(f"/pairs/{pair_id}/keep")))
    assert "You are keeping this pair." in kept and "This pair needs attention" not in kept


def test_someone_else_gets_the_portals_refusal_page_for_the_pair(people, signed_in):
    outsider = as_person(signed_in, OUTSIDER)
    refused = outsider.get(f"/pairs/{found['pair_id']}")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "This page is not yours to open" in page_text(refused)
    posted = outsider.send(f"/pairs/{found['pair_id']}/goals", {"category": "digital", "title": "Not mine"})
    assert posted.status_code == 403 and "This page is not yours to open" in page_text(posted)


def test_the_pair_page_speaks_german(people, signed_in):
    mentee = as_person(signed_in, MENTEE, language="de")
    text = page_text(mentee.get(f"/pairs/{found['pair_id']}"))
    assert "Warum wir Sie zusammengebracht haben" in text
    assert "Der Mentee kann dem Mentor strategy beibringen." in text
    assert "60 % erledigt" in text
    assert "Ziele" in text and "Why we paired you" not in text

"""Sessions, absences and the check-in form, as the two people of one pair meet them in their browsers: a pair made
through matching, its kickoff booked by scheduling, a check-in asked by feedback, all on the real broker and
Postgres. In order: each test continues where the one before left off."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date, format_time

from flipside_devstack.auth import admin_headers, participant_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.portal_pages import page_text
from flipside_devstack.programs import configure_program
from flipside_devstack.signing_secrets import dev_signing_secrets
from flipside_shared.events import CheckInDue, FeedbackRequested
from flipside_shared.personal_links import survey_url

PROGRAM = f"sessions-{uuid4().hex[:8]}"
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def until(read, holds, what: str):
    for _ in range(120):
        found = read()
        if holds(found):
            return found
        time.sleep(0.5)
    raise TimeoutError(f"{what} never came: {found}")


@pytest.fixture(scope="module")
def pair(backends):
    """A Berlin mentor and a New York mentee, paired by matching as they enrol, with the kickoff scheduling booked for them."""
    matching, scheduling = backends["matching"].url, backends["scheduling"].url
    configure_program(matching, PROGRAM)
    mentor, mentee = mentor_and_mentee(PROGRAM)
    with httpx.Client(base_url=matching, headers=admin_headers(), timeout=30) as admin:
        for person in (mentor, mentee):
            profile = person.profile.model_dump(mode="json", exclude={"program_id"})
            enrolling = admin.post(
                f"/programs/{PROGRAM}/enrolments", json={**profile, "participant_id": str(person.participant_id)}
            )
            assert enrolling.status_code == 202, enrolling.text
            until(lambda p=person: admin.get(f"/participants/{p.participant_id}").status_code, (200).__eq__, "person")
        [paired] = until(
            lambda: [
                p for p in admin.get(f"/participants/{mentor.participant_id}/pairs").json() if p["status"] == "active"
            ],
            bool,
            "the pair the program's matching makes on enrolment",
        )
    pair_id = paired["pair_id"]
    with httpx.Client(base_url=scheduling, headers=admin_headers(), timeout=30) as admin:
        [kickoff] = until(lambda: admin.get(f"/pairs/{pair_id}/sessions").json(), bool, "the kickoff")
    return {"mentor": mentor, "mentee": mentee, "pair_id": pair_id, "kickoff": kickoff}


def people(signed_in, pair, mentee_language: str | None = None):
    mentor = signed_in(participant_id=pair["mentor"].participant_id, name="Mentor 0", time_zone=BERLIN)
    mentee = signed_in(
        participant_id=pair["mentee"].participant_id, name="Mentee 0", time_zone=NEW_YORK, language=mentee_language
    )
    return mentor, mentee


def local_time(moment: datetime | str, zone: str, locale: str = "en") -> str:
    instant = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    shown = format_time(instant.astimezone(ZoneInfo(zone)), "short", locale=locale)
    return re.sub(r"\s+", " ", shown)  # as `page_text` reads it


def test_both_people_see_their_kickoff_in_their_own_time_zone_with_their_partner(signed_in, pair):
    mentor, mentee = people(signed_in, pair)
    starts = pair["kickoff"]["starts_at"]
    as_mentor, as_mentee = mentor.get("/sessions"), mentee.get("/sessions")
    assert as_mentor.status_code == 200, as_mentor.text
    mentor_sees, mentee_sees = page_text(as_mentor), page_text(as_mentee)
    assert "Kickoff with Mentee 0" in mentor_sees and "Kickoff with Mentor 0" in mentee_sees
    assert local_time(starts, NEW_YORK) in mentee_sees
    assert local_time(starts, BERLIN) not in mentee_sees, "the mentee's page is in New York time only"
    assert f"Times are in your time zone, {NEW_YORK}." in mentee_sees
    assert f"/sessions/{pair['kickoff']['session_id']}/reschedule" in as_mentee.text


def test_someone_else_cannot_move_or_cancel_the_pairs_session_and_a_newcomer_has_none(signed_in, pair):
    stranger = signed_in(participant_id=uuid4(), time_zone=BERLIN)
    page = f"/sessions/{pair['kickoff']['session_id']}"
    opened = stranger.get(f"{page}/reschedule")
    cancelled = stranger.send(f"{page}/cancel", {"confirmed": "yes"})
    assert opened.status_code == 404 and opened.headers["content-type"].startswith("text/html")
    assert cancelled.status_code == 403 and "This page is not yours to open" in page_text(cancelled)
    assert "No sessions are planned yet." in page_text(stranger.get("/sessions"))
    nonsense = stranger.get("/sessions/not-a-session/reschedule")
    assert nonsense.status_code == 404 and "We could not find that" in page_text(nonsense), "a page, not JSON"


def test_a_calendar_address_is_made_shown_once_and_replaced_by_the_next(signed_in, pair, backends):
    mentor, _ = people(signed_in, pair)
    first = mentor.send("/sessions/calendar-feed")
    second = mentor.send("/sessions/calendar-feed")
    addresses = [re.search(r'id="feed-url"[^>]*value="([^"]+)"', page.text)[1] for page in (first, second)]
    assert first.status_code == 200 and addresses[0] != addresses[1]
    assert "Any address you made before no longer works." in page_text(second)
    assert f'href="webcal://{addresses[1].split("://", 1)[1]}"' in second.text
    assert httpx.get(addresses[0], timeout=10).status_code == 403, "the older address stopped"
    assert httpx.get(addresses[1], timeout=10).headers["content-type"].startswith("text/calendar")
    assert addresses[1] not in mentor.get("/sessions").text, "shown once, never kept by the portal"


def test_one_moves_the_kickoff_to_an_offered_slot_or_a_time_of_their_own_and_both_see_it(signed_in, pair, backends):
    mentor, mentee = people(signed_in, pair)
    page = f"/sessions/{pair['kickoff']['session_id']}/reschedule"
    offered = re.findall(r'name="slot" value="([^"]+)"', mentee.get(page).text)
    assert len(offered) == 6, "slots that suit both are offered"

    nothing_picked = mentee.send(page, {"slot": ""})
    in_the_past = mentee.send(page, {"own_time": "2020-03-14T10:00"})
    not_a_time = mentee.send(page, {"own_time": "next tuesday"})
    assert nothing_picked.status_code == 422
    assert 'id="slot-error"' in nothing_picked.text and "Pick one of the times offered" in page_text(nothing_picked)
    assert in_the_past.status_code == 409, in_the_past.text
    assert 'id="own_time-error"' in in_the_past.text and 'value="2020-03-14T10:00"' in in_the_past.text
    assert "That time has already passed." in page_text(in_the_past), "scheduling's reason, said to the person"
    assert not_a_time.status_code == 422 and "Enter a date and a time" in page_text(not_a_time)

    moved = mentee.send(page, {"slot": offered[1]})
    assert (moved.status_code, moved.headers["location"]) == (303, "/sessions?done=rescheduled")
    mentee_sees = page_text(mentee.get(moved.headers["location"]))
    assert "The session has moved." in mentee_sees
    assert local_time(offered[1], NEW_YORK) in mentee_sees
    mentors_page = mentor.get("/sessions")
    assert local_time(offered[1], BERLIN) in page_text(mentors_page)
    starts_shown = {
        datetime.fromisoformat(at)
        for at in re.findall(r'<time datetime="([^"]+)">[^<]*</time>\u2013', mentors_page.text)
    }
    assert datetime.fromisoformat(pair["kickoff"]["starts_at"]) not in starts_shown, (
        "the new session may end at the old start"
    )

    [suiting, *_] = re.findall(r'name="slot" value="([^"]+)"', mentor.get(page).text)
    in_berlin = datetime.fromisoformat(suiting).astimezone(ZoneInfo(BERLIN)).strftime("%Y-%m-%dT%H:%M")
    own = mentor.send(page, {"own_time": in_berlin})
    assert own.status_code == 303, page_text(own)
    [kickoff] = [s for s in sessions_of(backends, pair["mentor"].participant_id) if s["kind"] == "kickoff"]
    assert datetime.fromisoformat(kickoff["starts_at"]) == datetime.fromisoformat(suiting), (
        "a time of one's own is read in one's own zone"
    )


def sessions_of(backends, participant_id) -> list[dict]:
    """The person's sessions as scheduling has them."""
    url = f"{backends['scheduling'].url}/participants/{participant_id}/sessions"
    return httpx.get(url, headers=participant_headers(participant_id), timeout=30).json()


def test_a_check_in_link_is_answered_without_signing_in_and_a_closed_one_is_refused(sandbox, portal, pair, backends):
    goal_id = goal_of_the_mentee(backends, pair)
    request = asyncio.run(asked_to_check_in(sandbox, pair))
    link = survey_link(portal.url, request).removeprefix(portal.url)
    assert link.startswith("/surveys/")
    with httpx.Client(base_url=portal.url, timeout=30) as browser:  # signed out: the link is the credential
        form = browser.get(link)
        assert form.status_code == 200, form.text
        assert "How valuable was this session?" in page_text(form)
        assert 'type="radio" id="session_value-5"' in form.text and "5 · Fully" in page_text(form)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]

        assert f'id="goal-{goal_id}"' in form.text and "Speak up in board meetings" in page_text(form)
        missing = browser.post(
            link,
            data={"csrf_token": token, "session_value": "4", "comment": "Good talk\u202e", f"goal-{goal_id}": "140"},
        )
        assert missing.status_code == 422
        assert f'id="goal-{goal_id}-error"' in missing.text and "from 0 to 100" in page_text(missing)
        assert 'id="partner_listened-error"' in missing.text and "Please answer this question." in page_text(missing)
        assert 'id="comment-error"' in missing.text and "invisible control characters" in page_text(missing)
        assert "Good talk\u202e</textarea>" in missing.text and 'value="4" checked' in missing.text, (
            "nothing typed is lost"
        )

        answers = {"session_value": "4", "could_speak_freely": "5", "partner_listened": "5", "time_well_spent": "yes"}
        sent = browser.post(link, data={"csrf_token": token, **answers, f"goal-{goal_id}": "40"})
        assert sent.status_code == 303, page_text(sent)
        assert "Thank you for your answers" in page_text(browser.get(sent.headers["location"]))
        again = browser.get(link)
        assert "You have answered already." in page_text(again) and 'value="yes" checked' in again.text

        assert goal_progress(backends, pair, goal_id) == 40, "the goal moved with the answers"

        forged = browser.post(link, data=answers)
        assert forged.status_code == 403, "the check-in form needs its CSRF token too"

    closed_link = survey_url(
        portal.url,
        request.request_id,
        datetime.now(UTC) - timedelta(minutes=1),
        dev_signing_secrets()["FLIPSIDE_FEEDBACK_LINK_SECRET"].encode(),
    )
    closed = httpx.get(closed_link, timeout=30)
    assert closed.status_code == 410 and "This check-in is closed" in page_text(closed)
    broken = httpx.get(portal.url + link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"), timeout=30)
    assert broken.status_code == 403 and "This link does not open a check-in" in page_text(broken)


def goal_of_the_mentee(backends, pair) -> str:
    """A goal the mentee sets for the pair, once feedback has heard of the pair."""
    mentee = pair["mentee"].participant_id
    goal = {"owner_id": str(mentee), "category": "leadership", "title": "Speak up in board meetings"}
    with httpx.Client(base_url=backends["feedback"].url, headers=participant_headers(mentee), timeout=30) as client:
        made = until(
            lambda: client.post(f"/pairs/{pair['pair_id']}/goals", json=goal),
            lambda r: r.status_code == 201,
            "the goal",
        )
    return made.json()["goal_id"]


def goal_progress(backends, pair, goal_id: str) -> int:
    mentee = pair["mentee"].participant_id
    url = f"{backends['feedback'].url}/pairs/{pair['pair_id']}/goals"
    goals = httpx.get(url, headers=participant_headers(mentee), timeout=30).json()
    return next(goal["progress_percent"] for goal in goals if goal["goal_id"] == goal_id)


async def asked_to_check_in(sandbox, pair) -> FeedbackRequested:
    """The check-in scheduling asks for once the kickoff is over, as feedback receives it, and the request feedback
    then sends the mentee."""
    kickoff = pair["kickoff"]
    due = CheckInDue(
        session_id=kickoff["session_id"],
        pair_id=pair["pair_id"],
        program_id=PROGRAM,
        mentor_id=pair["mentor"].participant_id,
        mentee_id=pair["mentee"].participant_id,
        session_started_at=datetime.now(UTC),
    )
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}feedback"]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(due)])
        mentee = pair["mentee"].participant_id
        await reader.read_until(
            lambda _: any(r.event.participant_id == mentee for r in reader.events(FeedbackRequested))
        )
    return next(r.event for r in reader.events(FeedbackRequested) if r.event.participant_id == mentee)


def test_an_absence_is_added_refused_when_wrong_and_removed(signed_in, pair):
    mentor, _ = people(signed_in, pair)
    away = date.today() + timedelta(days=120)
    wrong = mentor.send(
        "/absences", {"first_day": away.isoformat(), "last_day": (away - timedelta(days=2)).isoformat()}
    )
    assert wrong.status_code == 422
    assert 'id="last_day-error"' in wrong.text and "The last day cannot be before the first day." in page_text(wrong)
    assert f'value="{away.isoformat()}"' in wrong.text, "what was typed stays"

    added = mentor.send(
        "/absences", {"first_day": away.isoformat(), "last_day": (away + timedelta(days=4)).isoformat()}
    )
    assert (added.status_code, added.headers["location"]) == (303, "/absences?done=added")
    listed = mentor.get(added.headers["location"])
    assert "Your absence is saved." in page_text(listed)
    assert f'name="first_day" value="{away.isoformat()}"' in listed.text

    removed = mentor.send("/absences/remove", {"first_day": away.isoformat()})
    assert removed.headers["location"] == "/absences?done=removed"
    assert "You have no absences." in page_text(mentor.get("/absences"))


def test_an_absence_on_the_day_of_a_session_moves_it_and_says_so(signed_in, pair, backends):
    _, mentee = people(signed_in, pair)
    [before] = [s for s in sessions_of(backends, pair["mentee"].participant_id) if s["kind"] == "kickoff"]
    kickoff_day = datetime.fromisoformat(before["starts_at"]).astimezone(ZoneInfo(NEW_YORK)).date().isoformat()
    added = mentee.send("/absences", {"first_day": kickoff_day, "last_day": kickoff_day})
    assert added.headers["location"] == "/absences?done=added_sessions_moved"
    assert "Sessions on those days were moved or cancelled" in page_text(mentee.get(added.headers["location"]))
    [after] = [s for s in sessions_of(backends, pair["mentee"].participant_id) if s["kind"] == "kickoff"]
    assert after["starts_at"] != before["starts_at"] or after["status"] == "cancelled"
    assert mentee.send("/absences/remove", {"first_day": kickoff_day}).status_code == 303


def test_the_pages_speak_german_to_a_german_reader(signed_in, pair, backends):
    _, mentee = people(signed_in, pair, mentee_language="de")
    sessions = page_text(mentee.get("/sessions"))
    assert "Meine Termine" in sessions and "Kennenlernen mit Mentor 0" in sessions
    [kickoff] = [s for s in sessions_of(backends, pair["mentee"].participant_id) if s["kind"] == "kickoff"]
    starts = datetime.fromisoformat(kickoff["starts_at"]).astimezone(ZoneInfo(NEW_YORK))
    assert format_date(starts, "full", locale="de") in sessions, "a German date, in New York"
    assert local_time(starts, NEW_YORK, "de") in sessions
    absences = page_text(mentee.get("/absences"))
    assert "Abwesenheit hinzufügen" in absences
    cancel_unconfirmed = mentee.send(f"/sessions/{pair['kickoff']['session_id']}/cancel", {})
    assert cancel_unconfirmed.status_code == 422
    assert "Kreuzen Sie das Feld an" in page_text(cancel_unconfirmed)


def test_a_session_is_cancelled_once_confirmed_and_both_see_it(signed_in, pair):
    mentor, mentee = people(signed_in, pair)
    cancelled = mentor.send(f"/sessions/{pair['kickoff']['session_id']}/cancel", {"confirmed": "yes"})
    assert (cancelled.status_code, cancelled.headers["location"]) == (303, "/sessions?done=cancelled")
    assert "The session is cancelled." in page_text(mentor.get(cancelled.headers["location"]))
    mentee_sees = mentee.get("/sessions")
    assert "Cancelled" in page_text(mentee_sees)
    assert f"/sessions/{pair['kickoff']['session_id']}/reschedule" not in mentee_sees.text

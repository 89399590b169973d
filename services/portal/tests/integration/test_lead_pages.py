"""A program lead's and an admin's pages against the four real services: what they show, what their forms do,
and who is refused. In order: each test continues where the one before left off (people enrol, a dry run, a run,
its pairs, a flag, ...)."""

import asyncio
import time
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.portal_pages import page_text
from flipside_devstack.programs import configure_program
from flipside_shared.events import PairAtRisk

RUN = uuid4().hex[:8]
PROGRAM = f"lead-{RUN}"  # everyone waits for a match run
OTHER = f"lead-other-{RUN}"


@pytest.fixture(scope="module")
def people(backends):
    """Two junior mentors and two senior mentees who fit each other, enrolled by an admin, waiting for a run."""
    matching = backends["matching"].url
    configure_program(matching, PROGRAM, start="cohort_run")
    configure_program(matching, OTHER)
    enrolled = [person for index in range(2) for person in mentor_and_mentee(PROGRAM, index)]
    for person in enrolled:
        body = {**person.profile.model_dump(mode="json"), "participant_id": str(person.participant_id)}
        httpx.post(f"{matching}/participants", json=body, headers=admin_headers(), timeout=10).raise_for_status()
    eventually(
        lambda: (
            len(
                httpx.get(f"{matching}/programs/{PROGRAM}/enrolment", headers=admin_headers(), timeout=10).json()[
                    "people"
                ]
            )
            == 4
        ),
        "the four enrolments",
    )
    return enrolled


def eventually(holds, what: str, seconds: float = 60):
    """Until `holds()`: what the services store arrives through Kafka."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := holds():
            return found
        time.sleep(0.5)
    raise TimeoutError(f"{what} never came")


@pytest.fixture
def lead(signed_in):
    return signed_in(name="Lena Lead", roles=["program_lead"], programs=[PROGRAM])


def test_a_lead_sees_the_programs_they_lead_and_who_is_enrolled(lead, people):
    programs = lead.get("/lead")
    assert programs.status_code == 200, programs.text
    assert PROGRAM in page_text(programs) and OTHER not in page_text(programs)
    assert "0 people paired, 4 waiting" in page_text(programs)

    overview = lead.get(f"/lead/programs/{PROGRAM}")
    text = page_text(overview)
    assert overview.status_code == 200, overview.text
    assert "Program " + PROGRAM in text
    assert all(name in text for name in ("Mentor 0", "Mentee 0", "Mentor 1", "Mentee 1"))
    assert "4 waiting for a partner" in text and "0 active pairs" in text
    assert "strategy" not in text and "TikTok" not in text, "a lead never sees what people want to learn"


def test_a_lead_dry_runs_sees_why_then_runs_for_real_and_sees_the_pairs(lead, people):
    before = lead.get(f"/lead/programs/{PROGRAM}/runs")
    assert before.status_code == 200 and "Run for real" not in page_text(before)

    plan = lead.get(f"/lead/programs/{PROGRAM}/runs", params={"dry_run": "true"})
    text = page_text(plan)
    assert plan.status_code == 200, plan.text
    assert "2 new pairs" in text and "0 without a partner" in text
    assert "Mentor: Mentor" in text and "Mentee: Mentee" in text
    assert "reverse: mentor is 6 grade(s) below the mentee" in text, "each proposed pair says why"
    assert "Mentor can teach the mentee's goals" in text
    assert "Run for real" in text
    assert page_text(lead.get(f"/lead/programs/{PROGRAM}/pairs")).count("No active pairs yet") == 1, "nothing made"

    ran = lead.send(f"/lead/programs/{PROGRAM}/runs", {})
    assert (ran.status_code, ran.headers["location"]) == (303, f"/lead/programs/{PROGRAM}/pairs?done=run")
    assert "The match run has started" in page_text(lead.get(ran.headers["location"]))
    pairs = eventually(
        lambda: (page := lead.get(f"/lead/programs/{PROGRAM}/pairs")) and "2 active pairs" in page_text(page) and page,
        "the run's pairs",
    )
    text = page_text(pairs)
    assert "match run" in text and "Mentor 0" in text and "Mentee 1" in text
    assert "Lock" not in text and "Pair two people by hand" not in text, "locking and pairing by hand are an admin's"
    assert "2 people paired" in page_text(lead.get("/lead")) or "4 people paired" in page_text(lead.get("/lead"))


def test_an_unmatched_person_is_shown_with_the_reason(lead, backends, people):
    late = mentor_and_mentee(PROGRAM, 2)[0]
    body = {**late.profile.model_dump(mode="json"), "participant_id": str(late.participant_id)}
    httpx.post(f"{backends['matching'].url}/participants", json=body, headers=admin_headers(), timeout=10)
    plan = eventually(
        lambda: (
            (page := lead.get(f"/lead/programs/{PROGRAM}/runs", params={"dry_run": "true"}))
            and "Mentor 2" in page_text(page)
            and page
        ),
        "the late mentor in the dry run",
    )
    text = page_text(plan)
    assert "0 new pairs" in text and "1 without a partner" in text
    assert "Mentor 2 (Engineering) : no mentee with room left is enrolled in the program" in text


def test_an_admin_locks_a_pair_and_sees_the_rules_a_pair_by_hand_breaks(signed_in, people):
    admin = signed_in(name="Ada Admin")
    page = admin.get(f"/lead/programs/{PROGRAM}/pairs")
    assert "Pair two people by hand" in page_text(page)
    pair_id = page.text.split(f"/lead/programs/{PROGRAM}/pairs/")[1].split("/")[0]

    locked = admin.send(f"/lead/programs/{PROGRAM}/pairs/{pair_id}/lock", {"locked": "true"})
    assert locked.status_code == 303
    assert "The pair is locked" in page_text(admin.get(locked.headers["location"]))
    assert "locked" in page_text(admin.get(f"/lead/programs/{PROGRAM}/pairs"))

    mentor_0, _, mentor_1, _ = people
    refused = admin.send(
        f"/lead/programs/{PROGRAM}/pairs",
        {"mentor_id": str(mentor_0.participant_id), "mentee_id": str(mentor_1.participant_id)},
    )
    text = page_text(refused)
    assert refused.status_code == 409, refused.text
    assert "This pair breaks the program's rules:" in text
    assert "Pair them anyway" in text
    assert f'value="{mentor_0.participant_id}" selected' in refused.text, "the choice is kept"


def test_a_lead_sees_a_pair_at_risk_with_why_and_keeps_it(lead, sandbox, backends, people):
    found = httpx.get(
        f"{backends['matching'].url}/programs/{PROGRAM}/pairs", headers=admin_headers(), timeout=10
    ).json()
    pair = next(pair for pair in found if pair["status"] == "active")
    flag = PairAtRisk(
        pair_id=pair["pair_id"],
        program_id=PROGRAM,
        mentor_id=pair["mentor_id"],
        mentee_id=pair["mentee_id"],
        score=0.2,
        reasons=["no session for 6 weeks"],
        detected_at=datetime.now(UTC),
    )
    asyncio.run(publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(flag)]))
    page = eventually(
        lambda: (
            (seen := lead.get(f"/lead/programs/{PROGRAM}/at-risk")) and "no session for 6 weeks" in seen.text and seen
        ),
        "the flag",
    )
    assert "Rematch both" in page_text(page) and "Keep the pair" in page_text(page)
    assert "1 pairs at risk" in page_text(lead.get(f"/lead/programs/{PROGRAM}"))

    kept = lead.send(f"/lead/programs/{PROGRAM}/at-risk/{pair['pair_id']}/keep", {})
    assert (kept.status_code, kept.headers["location"]) == (303, f"/lead/programs/{PROGRAM}/at-risk?done=keep")
    after = page_text(lead.get(kept.headers["location"]))
    assert "The pair stays together" in after and "No pair is at risk." in after


def test_the_insights_page_renders_and_its_csv_downloads(lead, people):
    page = lead.get(f"/lead/programs/{PROGRAM}/insights")
    text = page_text(page)
    assert page.status_code == 200, page.text
    assert "Every figure here describes at least 5 people" in text
    assert "Enrolled as mentor" in text and "By department" in text
    assert "withheld: fewer than 5 people" in text, "three mentors are too few to show"
    by_week = lead.get(f"/lead/programs/{PROGRAM}/insights", params={"period": "week"})
    assert by_week.status_code == 200 and "By ISO week" in page_text(by_week)

    export = lead.get(f"/lead/programs/{PROGRAM}/insights.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"] == f'attachment; filename="{PROGRAM}-insights-month.csv"'
    assert export.text.startswith("figure,label,measure,dimension,group,value,people")


def test_the_fairness_audit_explains_itself(lead, people):
    page = lead.get(f"/lead/programs/{PROGRAM}/fairness")
    text = page_text(page)
    assert page.status_code == 200, page.text
    assert "four fifths" in text and "By department" in text
    assert "withheld: each has fewer than five people" in text
    export = lead.get(f"/lead/programs/{PROGRAM}/fairness.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")


def test_a_lead_of_another_program_gets_the_403_page(signed_in, people):
    other = signed_in(roles=["program_lead"], programs=[OTHER])
    for path in ("", "/runs", "/pairs", "/at-risk", "/insights", "/insights.csv", "/policy", "/fairness"):
        refused = other.get(f"/lead/programs/{PROGRAM}{path}")
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
        assert "This page is not yours to open" in page_text(refused)
    assert other.send(f"/lead/programs/{PROGRAM}/runs", {}).status_code == 403
    assert PROGRAM not in page_text(other.get("/lead"))
    assert signed_in(participant_id=uuid4()).get("/lead").status_code == 403
    assert other.get("/admin/webhooks").status_code == 403
    assert other.get("/admin/programs/new").status_code == 403


def test_an_admin_creates_a_program_and_tunes_its_rules(signed_in, people):
    admin = signed_in(name="Ada Admin")
    form = admin.get("/admin/programs/new")
    assert form.status_code == 200 and "Create a program" in page_text(form)

    bad = admin.send("/admin/programs/new", {"program_id": "Not An Id", "grades": "Junior\nSenior"})
    assert bad.status_code == 422, bad.text
    assert 'id="program_id-error"' in bad.text and "A program id is 1 to 64" in page_text(bad)
    assert "Not An Id" in bad.text, "what was typed is kept"

    new = f"new-{RUN}"
    created = admin.send(
        "/admin/programs/new",
        {"program_id": new, "direction": "ordinary", "start": "rolling", "grades": "Junior\nMiddle\nSenior"},
    )
    assert (created.status_code, created.headers["location"]) == (303, f"/lead/programs/{new}/policy?done=created")
    rules = admin.get(created.headers["location"])
    assert "The program is created" in page_text(rules)
    assert "Junior\nMiddle\nSenior" in rules.text and 'value="ordinary" selected' in rules.text
    assert 'type="range" id="weights.mentor_teaches"' in rules.text

    again = admin.send("/admin/programs/new", {"program_id": new})
    assert again.status_code == 409 and "exists already" in page_text(again)

    zero = {f"weights.{name}": "0" for name in ("mentor_teaches", "mentee_teaches", "interests", "communication")}
    zero |= {"weights.time_overlap": "0", "weights.cross_department": "0", "grades": "Junior\nMiddle\nSenior"}
    refused = admin.send(f"/lead/programs/{new}/policy", {"direction": "ordinary", "min_grade_gap": "1", **zero})
    assert refused.status_code == 422, refused.text
    assert 'id="weights-error"' in refused.text and "At least one weight must be above 0." in page_text(refused)

    saved = admin.send(
        f"/lead/programs/{new}/policy",
        {**zero, "weights.interests": "0.5", "min_grade_gap": "2", "direction": "ordinary", "start": "rolling"},
    )
    assert (saved.status_code, saved.headers["location"]) == (303, f"/lead/programs/{new}/policy?done=saved")
    assert 'value="0.5"' in admin.get(saved.headers["location"]).text


def test_a_lead_reads_the_rules_but_only_an_admin_changes_them(lead, people):
    page = lead.get(f"/lead/programs/{PROGRAM}/policy")
    assert page.status_code == 200
    assert "Only an administrator changes a program's rules" in page_text(page)
    assert '<form method="post" action="/lead/programs/' + PROGRAM + '/policy"' not in page.text
    assert lead.send(f"/lead/programs/{PROGRAM}/policy", {"direction": "ordinary"}).status_code == 403


def test_a_lead_changes_the_check_in_questions_and_the_session_rhythm(lead, people):
    page = lead.get(f"/lead/programs/{PROGRAM}/questionnaire")
    assert page.status_code == 200 and "How valuable was this session?" in page.text

    rows = {
        "questions.0.id": "session_value",
        "questions.0.text": "How valuable was this session?",
        "questions.0.kind": "scale",
        "questions.1.id": "learned",
        "questions.1.text": "",
        "questions.1.kind": "yes_no",
    }
    refused = lead.send(f"/lead/programs/{PROGRAM}/questionnaire", rows)
    assert refused.status_code == 422, refused.text
    assert 'id="questions.1.text-error"' in refused.text and 'value="learned"' in refused.text

    saved = lead.send(
        f"/lead/programs/{PROGRAM}/questionnaire", {**rows, "questions.1.text": "Did you learn something?"}
    )
    assert saved.status_code == 303
    after = lead.get(saved.headers["location"])
    assert "saved as a new version" in page_text(after) and "Did you learn something?" in after.text

    schedule = lead.get(f"/lead/programs/{PROGRAM}/schedule")
    assert schedule.status_code == 200 and 'value="fortnightly" selected' in schedule.text
    wrong = lead.send(
        f"/lead/programs/{PROGRAM}/schedule",
        {"cadence": "weekly", "session_minutes": "5", "kickoff_within_business_days": "5", "length_weeks": "20"},
    )
    assert wrong.status_code == 422 and 'id="session_minutes-error"' in wrong.text and 'value="5"' in wrong.text
    changed = lead.send(
        f"/lead/programs/{PROGRAM}/schedule",
        {"cadence": "weekly", "session_minutes": "30", "kickoff_within_business_days": "5", "length_weeks": "20"},
    )
    assert changed.status_code == 303
    assert 'value="weekly" selected' in lead.get(changed.headers["location"]).text


def test_an_admin_adds_and_removes_a_webhook(signed_in):
    admin = signed_in(name="Ada Admin")
    page = admin.get("/admin/webhooks")
    assert page.status_code == 200 and "flipside.pair.created.v1" in page.text

    refused = admin.send(
        "/admin/webhooks", [("url", "http://10.0.0.1/hook"), ("event_types", "flipside.pair.created.v1")]
    )
    assert refused.status_code == 422 and 'id="url-error"' in refused.text

    url = f"https://hooks.example.com/{RUN}"
    added = admin.send(
        "/admin/webhooks", [("url", url), ("event_types", "flipside.pair.created.v1"), ("description", "HR")]
    )
    assert added.status_code == 201, added.text
    assert "whsec_" in added.text and url in added.text
    subscription_id = added.text.split("/admin/webhooks/")[1].split('"')[0].split("/")[0]
    deliveries = admin.get(f"/admin/webhooks/{subscription_id}")
    assert deliveries.status_code == 200 and url in page_text(deliveries)

    removed = admin.send(f"/admin/webhooks/{subscription_id}/delete", {})
    assert (removed.status_code, removed.headers["location"]) == (303, "/admin/webhooks?done=removed")
    assert url not in admin.get(removed.headers["location"]).text


def test_the_lead_pages_speak_german(signed_in, people):
    lead = signed_in(roles=["program_lead"], programs=[PROGRAM], language="de")
    runs = page_text(lead.get(f"/lead/programs/{PROGRAM}/runs", params={"dry_run": "true"}))
    assert "Probelauf" in runs and "Ohne Partner" in runs
    overview = page_text(lead.get(f"/lead/programs/{PROGRAM}"))
    assert "Programm " + PROGRAM in overview and "Nach Abteilung" in overview

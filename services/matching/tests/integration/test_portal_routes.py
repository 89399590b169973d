"""What the portal asks matching for, each person with their own token, against the real broker and Postgres:
the programs one may see, enrolling oneself, one's pairs and proposals, the topics to pick from, and a lead's view
of who is enrolled. In order: each test continues where the one before left off."""

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, lead_headers, participant_headers
from flipside_devstack.factories import enrolled, mentor_and_mentee
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import PairAtRisk, ParticipantEnrolled

RUN = uuid4().hex[:8]
PROGRAM = f"portal-{RUN}"  # people pick their partner: proposals, then pairs
OTHER = f"portal-other-{RUN}"


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        configure_program(service.url, PROGRAM, start="suggestions")
        configure_program(service.url, OTHER)
        yield service


@pytest.fixture(scope="module")
def people() -> tuple[ParticipantEnrolled, ParticipantEnrolled, ParticipantEnrolled]:
    """A junior mentor and a senior mentee who fit, and a second mentor who will wait."""
    mentor, mentee = mentor_and_mentee(PROGRAM)
    waiting = enrolled(program_id=PROGRAM, role="mentor", grade=1, display_name="Mentor 1", email="mentor1@example.com")
    return mentor, mentee, waiting


def client_of(matching, headers) -> httpx.AsyncClient:
    return httpx.AsyncClient(headers=headers, base_url=matching.url, timeout=30)


def enrolment_body(person: ParticipantEnrolled, **changes) -> dict:
    """What the portal's profile form sends: the profile without its program (the path names it), and who enrols."""
    profile = person.profile.model_dump(mode="json", exclude={"program_id"})
    return {**profile, "participant_id": str(person.participant_id), **changes}


async def until(read, holds, what: str):
    """`read()` once `holds` of it: what matching stores arrives through Kafka."""
    for _ in range(120):
        found = await read()
        if holds(found):
            return found
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{what} never came: {found}")


def ours(programs: list[dict]) -> dict[str, dict]:
    return {p["program_id"]: p for p in programs if p["program_id"] in (PROGRAM, OTHER)}


async def test_a_participant_sees_every_program_and_a_lead_only_their_own(matching):
    async with client_of(matching, participant_headers(uuid4())) as client:
        seen = ours((await client.get("/programs")).json())
    async with client_of(matching, lead_headers(PROGRAM)) as client:
        led = (await client.get("/programs")).json()
    async with client_of(matching, admin_headers()) as client:
        everything = ours((await client.get("/programs")).json())
        one = (await client.get(f"/programs/{PROGRAM}")).json()
    async with httpx.AsyncClient(base_url=matching.url) as client:
        anonymous = await client.get("/programs")
    assert set(seen) == {PROGRAM, OTHER}
    assert seen[PROGRAM] == {**one, "leads": False, "enrolled": False}, "the fields of GET /programs/{id}, and two"
    assert seen[PROGRAM]["policy"]["start"] == "suggestions"
    assert [(p["program_id"], p["leads"], p["enrolled"]) for p in led] == [(PROGRAM, True, False)]
    assert set(everything) == {PROGRAM, OTHER} and all(p["leads"] for p in everything.values())
    assert anonymous.status_code == 401


async def test_a_person_enrols_themself_once_and_bad_input_is_refused_naming_the_field(matching, people):
    mentor, mentee, _ = people
    async with client_of(matching, participant_headers(mentor.participant_id)) as client:
        accepted = await client.post(f"/programs/{PROGRAM}/enrolments", json=enrolment_body(mentor))
        for_someone_else = await client.post(f"/programs/{PROGRAM}/enrolments", json=enrolment_body(mentee))
        unknown = await client.post(f"/programs/nowhere-{RUN}/enrolments", json=enrolment_body(mentor))
        bad_grade = await client.post(f"/programs/{OTHER}/enrolments", json=enrolment_body(mentor, grade="senior"))
        bad_zone = await client.post(
            f"/programs/{OTHER}/enrolments", json=enrolment_body(mentor, time_zone="Mars/Olympus")
        )
        other_program = await client.post(
            f"/programs/{PROGRAM}/enrolments", json=enrolment_body(mentor, program_id=OTHER)
        )
        own = await until(
            lambda: client.get(f"/participants/{mentor.participant_id}"), lambda r: r.status_code == 200, "enrolment"
        )
        again = await client.post(f"/programs/{PROGRAM}/enrolments", json=enrolment_body(mentor))
        elsewhere = await client.post(f"/programs/{OTHER}/enrolments", json=enrolment_body(mentor))
        programs = ours((await client.get("/programs")).json())
    async with client_of(matching, admin_headers()) as admin:
        off_the_ladder = await admin.post(
            f"/programs/{OTHER}/enrolments", json=enrolment_body(mentor, participant_id=str(uuid4()), grade=25)
        )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["participant_id"] == str(mentor.participant_id) and accepted.json()["event_id"]
    assert for_someone_else.status_code == 403
    assert unknown.status_code == 404 and "unknown program" in unknown.json()["detail"]
    assert bad_grade.status_code == 422 and bad_grade.json()["detail"][0]["loc"] == ["body", "grade"]
    assert bad_zone.status_code == 422 and bad_zone.json()["detail"][0]["loc"] == ["body", "time_zone"]
    assert other_program.status_code == 422 and other_program.json()["detail"][0]["loc"] == ["body", "program_id"]
    assert off_the_ladder.status_code == 422 and "outside the program's ladder" in off_the_ladder.json()["detail"]
    profile = own.json()
    assert profile["profile"]["program_id"] == PROGRAM and profile["profile"]["display_name"] == "Mentor 0"
    assert set(profile["hr_owned"]) == {
        "role",
        "grade",
        "tenure_months",
        "department",
        "manager_id",
        "reporting_chain",
        "exclusions",
    }
    assert again.status_code == 409 and again.json()["detail"] == "already enrolled in this program"
    assert elsewhere.status_code == 409 and PROGRAM in elsewhere.json()["detail"]
    assert (programs[PROGRAM]["enrolled"], programs[OTHER]["enrolled"]) == (True, False)


async def test_a_proposal_waits_for_the_side_asked_and_becomes_the_pair_both_see(matching, people):
    mentor, mentee, waiting = people
    async with client_of(matching, admin_headers()) as admin:  # an admin may enrol anyone by the same route
        for person in (mentee, waiting):
            response = await admin.post(f"/programs/{PROGRAM}/enrolments", json=enrolment_body(person))
            assert response.status_code == 202, response.text
    async with (
        client_of(matching, participant_headers(mentor.participant_id)) as as_mentor,
        client_of(matching, participant_headers(mentee.participant_id)) as as_mentee,
    ):
        await until(
            lambda: as_mentee.get(f"/participants/{mentee.participant_id}"), lambda r: r.status_code == 200, "mentee"
        )
        proposed = await as_mentor.post(
            f"/programs/{PROGRAM}/proposals",
            json={"proposer_id": str(mentor.participant_id), "candidate_id": str(mentee.participant_id)},
        )
        assert proposed.status_code == 201, proposed.text
        pair_id = proposed.json()["pair_id"]
        [asked] = (await as_mentee.get(f"/participants/{mentee.participant_id}/pairs")).json()
        [asking] = (await as_mentor.get(f"/participants/{mentor.participant_id}/pairs")).json()
        strangers = await as_mentor.get(f"/participants/{mentee.participant_id}/pairs")
        accepted = await as_mentee.post(
            f"/proposals/{pair_id}/accept", json={"participant_id": str(mentee.participant_id)}
        )
        assert accepted.status_code == 202, accepted.text
        [paired] = await until(
            lambda: _json(as_mentee.get(f"/participants/{mentee.participant_id}/pairs")),
            lambda pairs: pairs and pairs[0]["status"] == "active",
            "the pair",
        )
    assert asked["pair_id"] == pair_id and asked["program_id"] == PROGRAM
    assert (asked["status"], asked["my_role"], asked["awaiting_me"]) == ("proposed", "mentee", True)
    assert asked["partner"] == {
        "participant_id": str(mentor.participant_id),
        "name": "Mentor 0",
        "role": "mentor",
        "department": "Engineering",
        "time_zone": "Europe/Berlin",
    }
    assert asked["proposed_by"] == str(mentor.participant_id)
    assert asked["expires_at"] == proposed.json()["expires_at"]
    assert asked["reasons"] == proposed.json()["reasons"] and asked["reasons"][0].startswith("reverse:")
    assert (asking["status"], asking["my_role"], asking["awaiting_me"]) == ("proposed", "mentor", False)
    assert asking["partner"]["name"] == "Mentee 0" and asking["partner"]["time_zone"] == "America/New_York"
    assert strangers.status_code == 403
    assert paired["pair_id"] == pair_id, "the accepted proposal is the pair, under the same id, listed once"
    assert (paired["awaiting_me"], paired["at_risk"], paired["origin"]) == (False, False, "suggestion")
    assert paired["proposed_by"] == str(mentor.participant_id)
    assert any("mentor can teach the mentee TikTok" in reason for reason in paired["reasons"])
    assert datetime.fromisoformat(paired["created_at"]) <= datetime.now(UTC)


async def test_a_pair_flagged_at_risk_shows_so_to_its_people(sandbox, matching, people):
    mentor, mentee, _ = people
    async with client_of(matching, participant_headers(mentor.participant_id)) as client:
        [pair] = (await client.get(f"/participants/{mentor.participant_id}/pairs")).json()
        flag = PairAtRisk(
            pair_id=pair["pair_id"],
            program_id=PROGRAM,
            mentor_id=mentor.participant_id,
            mentee_id=mentee.participant_id,
            score=0.2,
            reasons=["no session for 6 weeks"],
            detected_at=datetime.now(UTC),
        )
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(flag)])
        [flagged] = await until(
            lambda: _json(client.get(f"/participants/{mentor.participant_id}/pairs")),
            lambda pairs: pairs[0]["at_risk"],
            "the flag",
        )
    assert flagged["status"] == "active"


async def test_the_lead_sees_who_is_enrolled_and_paired_but_nothing_of_their_profiles(matching, people):
    mentor, mentee, waiting = people
    async with client_of(matching, lead_headers(PROGRAM)) as client:
        overview = await client.get(f"/programs/{PROGRAM}/enrolment")
    async with client_of(matching, lead_headers(OTHER)) as client:
        other_lead = await client.get(f"/programs/{PROGRAM}/enrolment")
    async with client_of(matching, participant_headers(mentor.participant_id)) as client:
        participant = await client.get(f"/programs/{PROGRAM}/enrolment")
    async with client_of(matching, admin_headers()) as client:
        unknown = await client.get(f"/programs/nowhere-{RUN}/enrolment")
    assert overview.status_code == 200, overview.text
    found = overview.json()
    assert found["by_status"] == {"paired": 2, "waiting": 1, "withdrawn": 0}
    assert found["by_role"] == {"mentee": 1, "mentor": 2}
    assert found["by_department"] == {"Engineering": 2, "Finance": 1}
    listed = {p["participant_id"]: p for p in found["people"]}
    assert listed[str(waiting.participant_id)] == {
        "participant_id": str(waiting.participant_id),
        "name": "Mentor 1",
        "role": "mentor",
        "department": "Engineering",
        "status": "waiting",
        "paired": False,
        "enrolled_at": listed[str(waiting.participant_id)]["enrolled_at"],
    }
    assert (listed[str(mentee.participant_id)]["status"], listed[str(mentee.participant_id)]["paired"]) == (
        "paired",
        True,
    )
    assert [other_lead.status_code, participant.status_code, unknown.status_code] == [403, 403, 404]


async def test_anyone_signed_in_gets_the_topics_to_pick_skills_and_goals_from(matching):
    async with client_of(matching, participant_headers(uuid4())) as client:
        found = await client.get("/taxonomy")
    async with httpx.AsyncClient(base_url=matching.url) as client:
        anonymous = await client.get("/taxonomy")
    assert found.status_code == 200 and anonymous.status_code == 401
    topics = {topic["id"]: topic for topic in found.json()["skills"]}
    assert topics["TikTok"]["label"] == "TikTok" and "douyin" in topics["TikTok"]["synonyms"]
    assert "short-form video" in topics["TikTok"]["related"]
    assert found.json()["goals"] == found.json()["skills"], "goals name the same topics"
    assert found.json()["communication"]["rhythm"] == ["weekly", "fortnightly", "monthly"]


async def _json(request):
    return (await request).json()

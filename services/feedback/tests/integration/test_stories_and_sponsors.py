"""Success stories a pair shares, and what a program's executive sponsor sees, on a running feedback service:
events in, HTTP in, rows out."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import lead_headers, participant_headers, sponsor_headers
from flipside_devstack.factories import enrolled, pair_between
from flipside_devstack.kafka_io import envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for_rows
from flipside_shared.events import ParticipantErased, ProgramDefined

PROGRAM = f"stories-{uuid4().hex[:8]}"
OTHER_PROGRAM = f"elsewhere-{uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def feedback(sandbox, tmp_path_factory):
    with ServiceProcess("feedback", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


async def a_pair(sandbox, db, program_id=PROGRAM):
    mentor = enrolled(program_id=program_id, role="mentor", grade=2, department="IT")
    mentee = enrolled(program_id=program_id, role="mentee", grade=8, department="Sales")
    pair = pair_between(mentor, mentee, program_id=program_id)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee), envelope(pair)])
    await wait_for_rows(db, "SELECT 1 FROM feedback.pairs WHERE pair_id = $1", pair.pair_id)
    return mentor.participant_id, mentee.participant_id, pair.pair_id


async def shared_stories(feedback, reader_id) -> list[str]:
    async with httpx.AsyncClient(base_url=feedback.url, headers=participant_headers(reader_id)) as client:
        answer = await client.get(f"/programs/{PROGRAM}/stories")
    assert answer.status_code == 200, answer.text
    return [story["body"] for story in answer.json()["stories"]]


async def test_a_story_is_seen_by_the_program_only_while_both_consent_to_its_text(sandbox, feedback, db):
    mentor, mentee, pair = await a_pair(sandbox, db)
    _, reader, _ = await a_pair(sandbox, db)
    text = f"We rebuilt the team's onboarding together {uuid4().hex}"
    async with (
        httpx.AsyncClient(base_url=feedback.url, headers=participant_headers(mentor)) as as_mentor,
        httpx.AsyncClient(base_url=feedback.url, headers=participant_headers(mentee)) as as_mentee,
    ):
        drafted = await as_mentor.put(f"/pairs/{pair}/story", json={"participant_id": str(mentor), "body": text})
        assert drafted.status_code == 200, drafted.text
        assert drafted.json()["shared"] is False
        assert await shared_stories(feedback, reader) == [], "a draft is the pair's alone"

        await as_mentor.put(f"/pairs/{pair}/story/consent", json={"participant_id": str(mentor), "given": True})
        assert await shared_stories(feedback, reader) == [], "one consent is not enough"
        both = await as_mentee.put(f"/pairs/{pair}/story/consent", json={"participant_id": str(mentee), "given": True})
        assert both.json()["shared"] is True
        assert await shared_stories(feedback, reader) == [text]
        async with httpx.AsyncClient(base_url=feedback.url, headers=lead_headers(PROGRAM)) as as_lead:
            assert [s["body"] for s in (await as_lead.get(f"/programs/{PROGRAM}/stories")).json()["stories"]] == [text]

        withdrawn = await as_mentee.put(
            f"/pairs/{pair}/story/consent", json={"participant_id": str(mentee), "given": False}
        )
        assert withdrawn.json()["shared"] is False
        assert await shared_stories(feedback, reader) == [], "withdrawn consent hides it at once"

        await as_mentee.put(f"/pairs/{pair}/story/consent", json={"participant_id": str(mentee), "given": True})
        assert await shared_stories(feedback, reader) == [text]
        rewritten = await as_mentee.put(
            f"/pairs/{pair}/story", json={"participant_id": str(mentee), "body": text + " and more"}
        )
        assert (rewritten.json()["mentor_consents"], rewritten.json()["mentee_consents"]) == (False, False)
        assert await shared_stories(feedback, reader) == [], "a new text asks both sides again"


async def test_only_the_pair_writes_and_only_the_program_reads_its_stories(sandbox, feedback, db):
    mentor, _mentee, pair = await a_pair(sandbox, db)
    outsider, _, _ = await a_pair(sandbox, db, program_id=OTHER_PROGRAM)
    async with httpx.AsyncClient(base_url=feedback.url, headers=participant_headers(outsider)) as as_outsider:
        foreign = await as_outsider.put(f"/pairs/{pair}/story", json={"participant_id": str(outsider), "body": "x"})
        assert foreign.status_code == 403
        assert (await as_outsider.get(f"/programs/{PROGRAM}/stories")).status_code == 403
    async with httpx.AsyncClient(base_url=feedback.url, headers=participant_headers(mentor)) as as_mentor:
        impersonating = await as_mentor.put(
            f"/pairs/{pair}/story", json={"participant_id": str(_mentee), "body": "in their name"}
        )
        assert impersonating.status_code == 403
        empty = await as_mentor.put(f"/pairs/{pair}/story", json={"participant_id": str(mentor), "body": ""})
        assert empty.status_code == 422
        assert "body" in str(empty.json()["detail"]), "the error names the field"
        no_story = await as_mentor.put(
            f"/pairs/{pair}/story/consent", json={"participant_id": str(mentor), "given": True}
        )
        assert no_story.status_code == 404
    assert not await db.fetchval("SELECT count(*) FROM feedback.success_stories WHERE pair_id = $1", pair)


async def test_erasing_either_side_deletes_their_pairs_story(sandbox, feedback, db):
    mentor, mentee, pair = await a_pair(sandbox, db)
    async with httpx.AsyncClient(base_url=feedback.url, headers=participant_headers(mentee)) as as_mentee:
        written = await as_mentee.put(f"/pairs/{pair}/story", json={"participant_id": str(mentee), "body": "ours"})
        assert written.status_code == 200
    await publish(
        sandbox.bootstrap_servers,
        sandbox.topic_prefix,
        [envelope(ParticipantErased(participant_id=mentor, erased_at=datetime.now(UTC)))],
    )
    await wait_for_rows(db, "SELECT 1 FROM feedback.erasures WHERE participant_id = $1", mentor)
    assert not await db.fetchval("SELECT count(*) FROM feedback.success_stories WHERE pair_id = $1", pair)


def described(program_id: str, *sponsors: str, at: datetime) -> ProgramDefined:
    contacts = [{"subject": s, "display_name": "Sam Sponsor", "email": "sam@example.com"} for s in sponsors]
    details = {"name": "Reverse mentoring", "sponsors": contacts}
    return ProgramDefined(program_id=program_id, status="open", program=details, occurred_at=at)


async def test_a_sponsor_reads_their_programs_aggregates_and_nothing_personal(sandbox, feedback, db):
    mentor, mentee, pair = await a_pair(sandbox, db)
    sponsor, not_named = f"sponsor-{uuid4().hex}", f"sponsor-{uuid4().hex}"
    at = datetime.now(UTC)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(described(PROGRAM, sponsor, at=at))])
    await wait_for_rows(
        db,
        "SELECT 1 FROM feedback.programs WHERE sponsors @> jsonb_build_array(jsonb_build_object($$subject$$, $1::text))",
        sponsor,
    )
    async with httpx.AsyncClient(base_url=feedback.url, headers=sponsor_headers(sponsor)) as as_sponsor:
        for aggregate in ("insights", "insights.csv", "summary", "dashboard"):
            answer = await as_sponsor.get(f"/programs/{PROGRAM}/{aggregate}")
            assert answer.status_code == 200, (aggregate, answer.text)
            assert str(mentor) not in answer.text and str(mentee) not in answer.text
        for personal in (
            f"/pairs/{pair}/goals",
            f"/pairs/{pair}/story",
            f"/participants/{mentor}/self-assessments",
            f"/programs/{PROGRAM}/concerns",
            f"/programs/{PROGRAM}/stories",
        ):
            assert (await as_sponsor.get(personal)).status_code == 403, personal
        assert (await as_sponsor.get(f"/programs/{OTHER_PROGRAM}/insights")).status_code == 403, "nor another program"
    async with httpx.AsyncClient(base_url=feedback.url, headers=sponsor_headers(not_named)) as as_other_sponsor:
        assert (await as_other_sponsor.get(f"/programs/{PROGRAM}/insights")).status_code == 403, "not this program's"

    later, late = at + timedelta(minutes=1), at - timedelta(minutes=1)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(described(PROGRAM, not_named, at=later))])
    await wait_for_rows(
        db,
        "SELECT 1 FROM feedback.programs WHERE sponsors @> jsonb_build_array(jsonb_build_object($$subject$$, $1::text))",
        not_named,
    )
    stale = envelope(described(PROGRAM, sponsor, at=late))
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [stale])
    await wait_for_rows(db, "SELECT 1 FROM feedback.inbox WHERE event_id = $1", stale.id)
    async with httpx.AsyncClient(base_url=feedback.url, headers=sponsor_headers(sponsor)) as as_former_sponsor:
        assert (await as_former_sponsor.get(f"/programs/{PROGRAM}/insights")).status_code == 403, "no longer a sponsor"

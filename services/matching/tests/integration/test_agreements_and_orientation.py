"""What a lead writes for their program, on a running matching service: the versioned ground rules and
confidentiality agreement each person accepts when enrolling, and orientation guides for both roles.
HTTP and HR events in; responses, rows and events out."""

from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import lead_headers, participant_headers
from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for_rows
from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.events import ParticipantEnrolled
from flipside_shared.events.sources import HR

RUN = uuid4().hex[:8]
PROGRAM = f"agreed-{RUN}"
WITHOUT = f"no-agreement-{RUN}"
RULES = {"ground_rules": "We meet every two weeks and come prepared.", "confidentiality": "What we say stays here."}


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        configure_program(service.url, PROGRAM)
        configure_program(service.url, WITHOUT)
        yield service


def self_enrolment(program_id: str, **extra) -> tuple[ParticipantEnrolled, dict]:
    person = enrolled(program_id=program_id, role="mentor", grade=2)
    body = person.profile.model_dump(mode="json", exclude={"program_id"})
    return person, {**body, "participant_id": str(person.participant_id), **extra}


async def enrol(matching, program_id: str, **extra) -> tuple[ParticipantEnrolled, httpx.Response]:
    person, body = self_enrolment(program_id, **extra)
    async with httpx.AsyncClient(base_url=matching.url, headers=participant_headers(person.participant_id)) as client:
        return person, await client.post(f"/programs/{program_id}/enrolments", json=body)


async def test_enrolment_needs_the_current_agreement_accepted_once_the_program_has_one(sandbox, matching, db):
    _, without = await enrol(matching, WITHOUT)
    assert without.status_code == 202, "a program without an agreement enrols as before"
    async with httpx.AsyncClient(base_url=matching.url, headers=lead_headers(PROGRAM)) as as_lead:
        assert (await as_lead.get(f"/programs/{PROGRAM}/agreement")).status_code == 404
        first = await as_lead.put(f"/programs/{PROGRAM}/agreement", json=RULES)
        assert (first.status_code, first.json()["version"]) == (201, 1)

        _, unaccepted = await enrol(matching, PROGRAM)
        assert unaccepted.status_code == 422
        assert "agreement_version 1" in unaccepted.json()["detail"], "the refusal says what to accept"

        second = await as_lead.put(
            f"/programs/{PROGRAM}/agreement", json={**RULES, "confidentiality": "Nothing leaves."}
        )
        assert second.json()["version"] == 2
        _, outdated = await enrol(matching, PROGRAM, agreement_version=1)
        assert outdated.status_code == 422
        assert "read version 2" in outdated.json()["detail"]

    async with httpx.AsyncClient(base_url=matching.url, headers=participant_headers(uuid4())) as as_anyone:
        current = (await as_anyone.get(f"/programs/{PROGRAM}/agreement")).json()
    assert (current["version"], current["confidentiality"]) == (2, "Nothing leaves.")

    prefix = sandbox.topic_prefix
    async with TopicReader(sandbox.bootstrap_servers, [f"{prefix}participants"]) as reader:
        person, accepted = await enrol(matching, PROGRAM, agreement_version=2)
        assert accepted.status_code == 202, accepted.text
        await reader.read_until(
            lambda _: any(e.event.participant_id == person.participant_id for e in reader.events(ParticipantEnrolled))
        )
    [published] = [
        e.event for e in reader.events(ParticipantEnrolled) if e.event.participant_id == person.participant_id
    ]
    assert published.agreement_version == 2
    [row] = await wait_for_rows(
        db, "SELECT version FROM matching.agreement_acceptances WHERE participant_id = $1", person.participant_id
    )
    assert row["version"] == 2
    refused = await db.fetchval(
        "SELECT count(*) FROM matching.participants p WHERE p.profile->>'program_id' = $1"
        " AND NOT EXISTS (SELECT 1 FROM matching.agreement_acceptances a WHERE a.participant_id = p.participant_id)",
        PROGRAM,
    )
    assert refused == 0, "no one was enrolled without accepting"
    async with httpx.AsyncClient(base_url=matching.url, headers=lead_headers(PROGRAM)) as as_lead:
        record = (await as_lead.get(f"/programs/{PROGRAM}/agreement/acceptances")).json()["acceptances"]
    assert [(r["participant_id"], r["version"]) for r in record] == [(str(person.participant_id), 2)]


async def test_someone_enrolled_before_a_new_version_accepts_it_and_no_one_else_can_for_them(matching, db):
    async with httpx.AsyncClient(base_url=matching.url, headers=lead_headers(PROGRAM)) as as_lead:
        current = (await as_lead.get(f"/programs/{PROGRAM}/agreement")).json()["version"]
    person, enrolment = await enrol(matching, PROGRAM, agreement_version=current)
    assert enrolment.status_code == 202
    await wait_for_rows(
        db, "SELECT 1 FROM matching.agreement_acceptances WHERE participant_id = $1", person.participant_id
    )
    async with httpx.AsyncClient(base_url=matching.url, headers=lead_headers(PROGRAM)) as as_lead:
        newer = (await as_lead.put(f"/programs/{PROGRAM}/agreement", json=RULES)).json()["version"]
    path = f"/programs/{PROGRAM}/agreement/acceptances"
    async with httpx.AsyncClient(base_url=matching.url, headers=participant_headers(uuid4())) as as_someone_else:
        assert (
            await as_someone_else.post(path, json={"participant_id": str(person.participant_id), "version": newer})
        ).status_code == 403
    async with httpx.AsyncClient(base_url=matching.url, headers=participant_headers(person.participant_id)) as as_them:
        stale = await as_them.post(path, json={"participant_id": str(person.participant_id), "version": current})
        assert stale.status_code == 422 and f"read version {newer}" in stale.json()["detail"]
        accepted = await as_them.post(path, json={"participant_id": str(person.participant_id), "version": newer})
        assert accepted.status_code == 204, accepted.text
    assert (
        await db.fetchval(
            "SELECT version FROM matching.agreement_acceptances WHERE participant_id = $1", person.participant_id
        )
        == newer
    )


async def test_an_hr_enrolment_without_the_agreement_is_dead_lettered_with_the_reason(sandbox, matching):
    unaccepted = envelope(enrolled(program_id=PROGRAM, role="mentee", grade=8), source=HR)
    prefix = sandbox.topic_prefix
    async with TopicReader(sandbox.bootstrap_servers, [dead_letter_topic(prefix, "matching")]) as reader:
        await publish(sandbox.bootstrap_servers, prefix, [unaccepted])
        await reader.read_until(
            lambda records: any(dict(r.headers)["ce_id"].decode() == str(unaccepted.id) for r in records)
        )
    [reason] = [
        dict(r.headers)["dlq_reason"].decode()
        for r in reader.records
        if dict(r.headers)["ce_id"].decode() == str(unaccepted.id)
    ]
    assert "accept its ground rules and confidentiality agreement" in reason


async def test_orientation_is_built_in_in_english_and_german_until_the_lead_writes_the_programs_own(matching):
    async with httpx.AsyncClient(base_url=matching.url, headers=participant_headers(uuid4())) as as_participant:
        german = (await as_participant.get(f"/programs/{PROGRAM}/orientation/mentor", params={"language": "de"})).json()
        assert german["built_in"] is True and german["language"] == "de"
        assert [s["topic"] for s in german["sections"]] == [
            "mentoring_upward",
            "setting_boundaries",
            "feedback_to_a_senior",
        ]
        assert german["sections"][1]["title"] == "Grenzen setzen"
        mentee = (await as_participant.get(f"/programs/{PROGRAM}/orientation/mentee")).json()
        assert mentee["sections"][0]["topic"] == "being_mentored_by_a_junior"
        own = {"language": "en", "sections": [{"topic": "first_meeting", "title": "Before you meet", "body": "Read."}]}
        assert (await as_participant.put(f"/programs/{PROGRAM}/orientation/mentee", json=own)).status_code == 403
        assert (await as_participant.get(f"/programs/{PROGRAM}/orientation/sponsor")).status_code == 422

    async with httpx.AsyncClient(base_url=matching.url, headers=lead_headers(PROGRAM)) as as_lead:
        written = await as_lead.put(f"/programs/{PROGRAM}/orientation/mentee", json=own)
        assert written.status_code == 200, written.text
        read = (await as_lead.get(f"/programs/{PROGRAM}/orientation/mentee", params={"language": "en"})).json()
        assert (read["built_in"], read["sections"]) == (False, own["sections"])
        still_built_in = (
            await as_lead.get(f"/programs/{PROGRAM}/orientation/mentee", params={"language": "de"})
        ).json()
        assert still_built_in["built_in"] is True
        empty = await as_lead.put(f"/programs/{PROGRAM}/orientation/mentor", json={"language": "en", "sections": []})
        assert empty.status_code == 422

"""The right of access across all four services: a mentor who has been paired, met and answered a check-in asks
for their export; every service answers, and the one document holds rows from each about them, and nothing of
their partner's own words."""

import asyncio

import httpx

from flipside_devstack.auth import admin_headers, participant_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.programs import configure_program
from flipside_shared.events import FeedbackRequested

PROGRAM = "export"
MENTOR_WORDS = "the strategy sessions opened my eyes"
MENTEE_WORDS = "I still find the chat tools confusing"
MENTOR_CONCERN = "the program's meetings clash with my on-call weeks"
MENTEE_CONCERN = "nobody told me what a check-in is for"


def client_of(platform, service: str, person) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=platform[service].url, headers=participant_headers(person.participant_id), timeout=30
    )


def answers(comment: str) -> dict:
    return {
        "session_value": 4,
        "could_speak_freely": 5,
        "partner_listened": 4,
        "time_well_spent": True,
        "comment": comment,
    }


async def test_the_export_gathers_every_service_s_rows_about_the_person_and_none_of_their_partner_s_words(
    platform, sandbox
):
    mentor, mentee = mentor_and_mentee(program_id=PROGRAM, index=3)
    configure_program(platform["matching"].url, PROGRAM)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])

    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}feedback"]) as reader:
        people = {mentor.participant_id, mentee.participant_id}
        await reader.read_until(
            lambda _: people <= {r.event.participant_id for r in reader.events(FeedbackRequested)}, timeout=120
        )
        requests = {r.event.participant_id: r.event for r in reader.events(FeedbackRequested)}
    async with httpx.AsyncClient() as client:
        for person, words in ((mentor, MENTOR_WORDS), (mentee, MENTEE_WORDS)):
            link = survey_link(platform["feedback"].url, requests[person.participant_id])
            answered = await client.post(link, json={"answers": answers(words)})
            assert answered.status_code == 200, answered.text
    for person, concern in ((mentor, MENTOR_CONCERN), (mentee, MENTEE_CONCERN)):
        async with client_of(platform, "feedback", person) as own:
            raised = await own.post(
                f"/programs/{PROGRAM}/concerns",
                json={"participant_id": str(person.participant_id), "theme": "program_design", "body": concern},
            )
        assert raised.status_code == 202, raised.text

    async with httpx.AsyncClient(
        base_url=platform["matching"].url, headers=participant_headers(mentor.participant_id), timeout=30
    ) as own:
        asked = await own.post(f"/participants/{mentor.participant_id}/exports")
        assert asked.status_code == 202, asked.text
        for _ in range(240):
            ready = await own.get(asked.json()["download"])
            if ready.status_code == 200:
                break
            await asyncio.sleep(0.5)
    assert ready.status_code == 200, ready.text
    document = ready.json()

    assert document["not_answered"] == []
    parts = {service: part["tables"] for service, part in document["services"].items()}
    assert set(parts) == {"matching", "scheduling", "feedback", "notifications"}
    assert [row["profile"]["email"] for row in parts["matching"]["participants"]] == [mentor.profile.email]
    assert parts["matching"]["pairs"], "their pair"
    assert parts["scheduling"]["sessions"] and parts["scheduling"]["attendees"], "their sessions and hours"
    own_requests = {row["request_id"] for row in parts["feedback"]["feedback_requests"]}
    assert {row["participant_id"] for row in parts["feedback"]["feedback_requests"]} == {str(mentor.participant_id)}
    assert [row["answers"]["comment"] for row in parts["feedback"]["responses"]] == [MENTOR_WORDS]
    assert [row["body"] for row in parts["feedback"]["concerns"]] == [MENTOR_CONCERN], "found by their keyed hash"
    assert {row["request_id"] for row in parts["feedback"]["responses"]} <= own_requests
    assert [row["email"] for row in parts["notifications"]["recipients"]] == [mentor.profile.email]
    assert parts["notifications"]["deliveries"], "the messages sent to them"
    # Their partner's answers are theirs alone, and so is what judges the pair's health from both.
    assert MENTEE_WORDS not in ready.text and MENTEE_CONCERN not in ready.text
    assert all("health_reasons" not in row for row in parts["feedback"]["pairs"])

    async with httpx.AsyncClient(
        base_url=platform["matching"].url, headers=participant_headers(mentee.participant_id), timeout=30
    ) as partner:
        assert (await partner.get(asked.json()["download"])).status_code == 403
    async with httpx.AsyncClient(base_url=platform["matching"].url, headers=admin_headers(), timeout=30) as admin:
        assert (await admin.get(asked.json()["download"])).status_code == 200

"""A pair that ends, across all four services: its kickoff leaves both calendars, and the mentee gets a new mentor."""

import asyncio

import httpx

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader
from flipside_devstack.programs import configure_program
from flipside_shared.events import PairCreated, SessionCancelled, SessionScheduled

# The real clock: the kickoff is days away when the pair ends.
CLOCK_RATE = 1


async def enrol(client: httpx.AsyncClient, enrolment) -> None:
    body = {**enrolment.profile.model_dump(mode="json"), "participant_id": str(enrolment.participant_id)}
    assert (await client.post("/participants", json=body)).status_code == 202


async def test_a_dissolved_pair_loses_its_kickoff_everywhere_and_the_mentee_is_matched_again(sandbox, platform, smtp):
    first_mentor, mentee = mentor_and_mentee(program_id="dissolution", index=21)
    second_mentor, _ = mentor_and_mentee(program_id="dissolution", index=22)
    configure_program(platform["matching"].url, "dissolution")
    topics = [f"{sandbox.topic_prefix}{name}" for name in ("pairs", "sessions")]
    async with (
        TopicReader(sandbox.bootstrap_servers, topics) as reader,
        httpx.AsyncClient(headers=admin_headers(), base_url=platform["matching"].url) as client,
    ):
        await enrol(client, first_mentor)
        await enrol(client, mentee)
        await reader.read_until(lambda _: reader.events(SessionScheduled))
        [first] = [e.event for e in reader.events(PairCreated)]
        [kickoff] = [e.event for e in reader.events(SessionScheduled)]
        await enrol(client, second_mentor)  # waits: the only mentee is taken

        await asyncio.sleep(1)
        dissolved = await client.post(f"/pairs/{first.pair_id}/dissolve", json={"reason": "mismatch"})
        assert dissolved.status_code == 202
        await reader.read_until(
            lambda _: reader.events(SessionCancelled) and len(reader.events(SessionScheduled)) >= 2, timeout=90
        )
        await reader.drain(2)
        pairs = [e.event for e in reader.events(PairCreated)]
        cancelled = [e.event for e in reader.events(SessionCancelled)]

    assert [c.session_id for c in cancelled] == [kickoff.session_id]
    second = next(p for p in pairs if p.pair_id != first.pair_id)
    assert (second.mentor.participant_id, second.mentee.participant_id) == (
        second_mentor.participant_id,
        mentee.participant_id,
    )

    def cancellation_to(address):
        for message in smtp.received():
            if message["To"] == address and message["Subject"].startswith("Cancelled"):
                return next(
                    p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
                ).get_content()
        return None

    for _ in range(300):
        if cancellation_to(first_mentor.profile.email) and cancellation_to(mentee.profile.email):
            break
        await asyncio.sleep(0.1)
    for person in (first_mentor, mentee):
        calendar = cancellation_to(person.profile.email)
        assert calendar and "METHOD:CANCEL" in calendar and f"UID:{kickoff.session_id}@flipside" in calendar

"""The right to erasure: afterwards no table of any service holds the person's name, address or words,
and nothing that arrives later (a re-sent enrolment, a replayed topic) brings them back."""

import asyncio
import os
import subprocess
import sys

import asyncpg
import httpx
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.programs import configure_program
from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.events import FeedbackRequested, ParticipantEnrolled, ParticipantErased, ParticipantUpdated
from flipside_shared.registration import registered_services

COMMENT = "my manager never listens, but this was great"
SERVICES = tuple(registered_services())


async def rows_containing(database_url: str, text: str) -> list[str]:
    """Every table, in every service's schema, with a row whose text contains `text`."""
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'",
            list(SERVICES),  # each service's schema is named after it
        )
        found = []
        for table in tables:
            name = f'"{table["table_schema"]}"."{table["table_name"]}"'
            # bytea columns (outbox payloads) print as hex, so look for the text's hex as well.
            hits = await conn.fetchval(
                f"SELECT count(*) FROM {name} t WHERE t::text LIKE '%' || $1 || '%'"
                f" OR t::text LIKE '%' || encode(convert_to($1, 'UTF8'), 'hex') || '%'",
                text,
            )
            if hits:
                found.append(name)
        return found
    finally:
        await conn.close()


async def test_erasure_leaves_no_personal_data_in_any_schema(stack, platform, sandbox):
    mentor, mentee = mentor_and_mentee(program_id="erasure", index=7)
    configure_program(platform["matching"].url, "erasure")
    async with httpx.AsyncClient(headers=admin_headers(), base_url=platform["matching"].url) as client:
        body = {**mentor.profile.model_dump(mode="json"), "participant_id": str(mentor.participant_id)}
        assert (await client.post("/participants", json=body)).status_code == 202
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentee)])

    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}feedback"]) as reader:
        await reader.read_until(
            lambda _: any(r.event.participant_id == mentor.participant_id for r in reader.events(FeedbackRequested)),
            timeout=120,
        )
        request = next(
            r.event for r in reader.events(FeedbackRequested) if r.event.participant_id == mentor.participant_id
        )
    async with httpx.AsyncClient() as client:
        answers = {
            "session_value": 5,
            "could_speak_freely": 4,
            "partner_listened": 5,
            "time_well_spent": True,
            "comment": COMMENT,
        }
        assert (
            await client.post(survey_link(platform["feedback"].url, request), json={"answers": answers})
        ).status_code == 200
    personal = [mentor.profile.email, mentor.profile.display_name, COMMENT]
    for text in personal:
        assert await rows_containing(sandbox.database_url, text), f"{text!r} should be stored before erasure"

    erased = subprocess.run(
        [sys.executable, "-m", "flipside_operations.cli", "erase", str(mentor.participant_id)],
        env={**os.environ, **sandbox.env()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert erased.returncode == 0, erased.stderr

    for _ in range(60):
        leftovers = {text: await rows_containing(sandbox.database_url, text) for text in personal}
        if not any(leftovers.values()):
            break
        await asyncio.sleep(0.5)
    assert not any(leftovers.values()), leftovers
    # The partner is untouched, and the program's aggregates still count the erased person's ratings.
    assert await rows_containing(sandbox.database_url, mentee.profile.email)
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        ratings = await conn.fetchval(
            "SELECT count(*) FROM feedback.responses r JOIN feedback.feedback_requests q USING (request_id)"
            " WHERE q.program_id = 'erasure' AND (r.answers->>'session_value')::int = 5"
        )
    finally:
        await conn.close()
    assert ratings == 1

    # An HR system re-sends the enrolment and a profile change: new event ids, the old personal data.
    async with httpx.AsyncClient(headers=admin_headers(), base_url=platform["matching"].url) as client:
        again = await client.post("/participants", json=body)
    assert again.status_code == 410, again.text
    late = [
        envelope(ParticipantEnrolled(participant_id=mentor.participant_id, profile=mentor.profile)),
        envelope(ParticipantUpdated(participant_id=mentor.participant_id, profile=mentor.profile)),
    ]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, late)
    resent, changed = (e.id for e in late)
    await wait_until_in_inbox(
        sandbox.database_url,
        {
            "matching": [resent, changed],
            "feedback": [resent, changed],
            "notifications": [resent, changed],
            "scheduling": [changed],  # it learns people from their pairs, not from enrolments
        },
    )
    assert not any([await rows_containing(sandbox.database_url, text) for text in personal])


async def test_erasure_tombstones_the_person_s_key_on_the_compacted_topic_and_every_consumer_commits_past_it(
    platform, sandbox
):
    person, _ = mentor_and_mentee(program_id="erasure", index=8)
    configure_program(platform["matching"].url, "erasure")
    participants, key = f"{sandbox.topic_prefix}participants", str(person.participant_id).encode()
    async with TopicReader(sandbox.bootstrap_servers, [participants]) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(person)])
        async with httpx.AsyncClient(headers=admin_headers(), base_url=platform["matching"].url) as client:
            assert (await client.delete(f"/participants/{person.participant_id}")).status_code == 202
        await reader.read_until(lambda records: any(r.key == key and r.value is None for r in records), timeout=60)
        about_them = [r for r in reader.records if r.key == key]
    erasure = next(
        r
        for r in about_them
        if r.value is not None and dict(r.headers)["ce_type"] == ParticipantErased.ce_type.encode()
    )
    [tombstone] = [r for r in about_them if r.value is None]
    assert (tombstone.partition, tombstone.offset > erasure.offset) == (erasure.partition, True), (
        "after the erasure, on its key"
    )

    # Every consumer of the topic commits past it, and none takes it for poison.
    admin = AIOKafkaAdminClient(bootstrap_servers=sandbox.bootstrap_servers)
    await admin.start()
    try:
        for _ in range(120):
            committed = {
                service: (await admin.list_consumer_group_offsets(f"{sandbox.topic_prefix}{service}")).get(
                    TopicPartition(tombstone.topic, tombstone.partition)
                )
                for service in SERVICES
            }
            if all(offset is not None and offset.offset > tombstone.offset for offset in committed.values()):
                break
            await asyncio.sleep(0.5)
    finally:
        await admin.close()
    assert all(offset is not None and offset.offset > tombstone.offset for offset in committed.values()), committed
    async with TopicReader(
        sandbox.bootstrap_servers, [dead_letter_topic(sandbox.topic_prefix, s) for s in SERVICES]
    ) as letters:
        await letters.drain(2)
    assert not [r for r in letters.records if r.key == key], "a tombstone is no poison"


async def wait_until_in_inbox(database_url: str, expected: dict[str, list], timeout: float = 60.0) -> None:
    """Until each service's inbox holds these event ids: their effect, if any, committed with them."""
    conn = await asyncpg.connect(database_url)
    try:
        for _ in range(int(timeout / 0.25)):
            missing = [
                schema
                for schema, ids in expected.items()
                if await conn.fetchval(f'SELECT count(*) FROM "{schema}".inbox WHERE event_id = ANY($1::uuid[])', ids)
                < len(ids)
            ]
            if not missing:
                return
            await asyncio.sleep(0.25)
        raise AssertionError(f"not handled in time by {missing}")
    finally:
        await conn.close()

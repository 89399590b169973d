"""Rolling matching on the real broker and Postgres: someone no enrolled person could ever partner is told at once."""

import asyncio
from uuid import UUID, uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import PairCreated, ParticipantEnrolled, ParticipantUnmatched, ParticipantUpdated

PROGRAM = f"rolling-unmatchable-{uuid4().hex[:8]}"
REVERSE_RULE = "no mentee passes the reverse rule (at least 1 grade(s) below the mentee)"


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


def person(role: str, grade: int, **overrides) -> ParticipantEnrolled:
    return enrolled(program_id=PROGRAM, role=role, grade=grade, email=f"{role}{grade}@example.com", **overrides)


async def participant(client: httpx.AsyncClient, participant_id: UUID, until=lambda body: True) -> dict:
    """Matching's view of someone, once it is there and `until` holds of it (events arrive over Kafka)."""
    for _ in range(120):
        response = await client.get(f"/participants/{participant_id}")
        if response.status_code == 200 and until(response.json()):
            return response.json()
        await asyncio.sleep(0.5)
    raise TimeoutError(f"participant {participant_id} did not reach the expected state")


async def test_an_unmatchable_person_is_told_at_once_and_once_a_waiting_one_is_not_and_a_later_fit_pairs_them(
    sandbox, matching
):
    configure_program(matching.url, PROGRAM)
    junior_mentee = person("mentee", 3)
    too_senior = person("mentor", 9)  # a reverse mentor must be below the mentee: no mentee enrolled is above grade 9
    first_mentor, second_mentor = person("mentor", 2), person("mentor", 1)
    lowest_mentee = person("mentee", 1)  # no mentor is below grade 1, until the lowest one enrols
    other_department = person("mentee", 5, department="Finance", exclusions=[second_mentor.participant_id])
    lowest_mentor = person("mentor", 0)
    senior_mentee = person("mentee", 12, exclusions=[second_mentor.participant_id])
    topics = [f"{sandbox.topic_prefix}participants", f"{sandbox.topic_prefix}pairs"]
    async with (
        httpx.AsyncClient(headers=admin_headers(), base_url=matching.url, timeout=30) as client,
        TopicReader(sandbox.bootstrap_servers, topics) as reader,
    ):

        def told(who: ParticipantEnrolled) -> list[ParticipantUnmatched]:
            return [
                e.event for e in reader.events(ParticipantUnmatched) if e.event.participant_id == who.participant_id
            ]

        def paired(who: ParticipantEnrolled) -> list[PairCreated]:
            return [
                e.event
                for e in reader.events(PairCreated)
                if who.participant_id in (e.event.mentor.participant_id, e.event.mentee.participant_id)
            ]

        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(junior_mentee)])
        await participant(client, junior_mentee.participant_id)
        enrolment = envelope(too_senior)
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [enrolment])
        await reader.read_until(lambda _: told(too_senior))
        [notice] = told(too_senior)
        assert notice.program_id == PROGRAM and notice.reasons == [REVERSE_RULE]
        assert notice.run_id == enrolment.id, (
            "no run left them out: the enrolment that found them unmatchable stands for it"
        )
        assert (await participant(client, too_senior.participant_id))["waiting_reasons"] == [REVERSE_RULE]

        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(first_mentor)])
        await reader.read_until(lambda _: paired(first_mentor))
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(lowest_mentee)])
        await reader.read_until(lambda _: told(lowest_mentee))
        # The second mentor fits the junior mentee, who is taken, and not the free lowest one.
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(second_mentor)])
        still = ParticipantUpdated(
            participant_id=too_senior.participant_id,
            profile=too_senior.profile.model_copy(update={"interests": ["chess"]}),
        )
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(still)])
        await participant(client, second_mentor.participant_id)
        await participant(
            client, too_senior.participant_id, until=lambda body: body["profile"]["interests"] == ["chess"]
        )
        await reader.drain(2)  # time for a wrong notice to show up
        assert told(second_mentor) == [], (
            "compatible partners who are busy: they wait, and are not told they cannot be matched"
        )
        assert len(told(too_senior)) == 1, (
            "told once: a later enrolment or their own update with the same reasons stays silent"
        )
        assert (await participant(client, second_mentor.participant_id))["waiting_reasons"] == []

        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(senior_mentee)])
        await reader.read_until(lambda _: paired(senior_mentee))
        [pair] = paired(senior_mentee)
        assert pair.mentor.participant_id == too_senior.participant_id, (
            "rolling matching picks up whoever waits, told or not"
        )
        assert (await participant(client, too_senior.participant_id))["waiting_reasons"] == [], (
            "pairing clears what they were told"
        )

        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(other_department)]
        )  # waits for the busy first mentor
        await participant(client, other_department.participant_id)
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(lowest_mentor)])
        await reader.read_until(lambda _: paired(lowest_mentor))
        [pair] = paired(lowest_mentor)
        assert pair.mentee.participant_id == other_department.participant_id, "crossing departments scores higher"
        assert (await participant(client, lowest_mentee.participant_id))["waiting_reasons"] == [], (
            "someone who could partner them has arrived: they wait like anyone else, and no longer read they cannot be matched"
        )
        assert len(told(lowest_mentee)) == 1

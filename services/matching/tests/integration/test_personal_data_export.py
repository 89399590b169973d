"""A person's export, with matching alone on the real broker and Postgres: the other services never answer, so
after the time to answer the document holds matching's part and names them; only the person or an admin may
download it; it is deleted when it expires and when the person is erased. In order: each test continues where
the one before left off."""

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, participant_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import clear_of_the_hours_turn
from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.events import PersonalDataExported
from flipside_shared.rate_limit import window_start

PROGRAM = f"export-{uuid4().hex[:8]}"
ANSWER_SECONDS = 6
KEEP_SECONDS = 6
REQUESTS_AN_HOUR = 3


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    env = sandbox.env(
        FLIPSIDE_MATCHING_EXPORT_ANSWER_SECONDS=str(ANSWER_SECONDS),
        FLIPSIDE_MATCHING_EXPORT_KEEP_SECONDS=str(KEEP_SECONDS),
        FLIPSIDE_MATCHING_EXPORT_POLL_SECONDS="0.5",
        FLIPSIDE_REQUESTS_PER_PERSON_PER_HOUR=str(REQUESTS_AN_HOUR),
    )
    with ServiceProcess("matching", env, tmp_path_factory.mktemp("logs")) as service:
        configure_program(service.url, PROGRAM)
        yield service


@pytest.fixture(scope="module")
async def people(matching, sandbox):
    mentor, mentee = mentor_and_mentee(PROGRAM)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
    async with client(matching, admin_headers()) as admin:
        for person in (mentor, mentee):
            await until(lambda p=person: admin.get(f"/participants/{p.participant_id}"), lambda r: r.status_code == 200)
    return mentor, mentee


def client(matching, headers) -> httpx.AsyncClient:
    return httpx.AsyncClient(headers=headers, base_url=matching.url, timeout=30)


async def until(ask, holds, timeout: float = 60.0):
    for _ in range(int(timeout / 0.25)):
        answer = await ask()
        if holds(answer):
            return answer
        await asyncio.sleep(0.25)
    raise TimeoutError(f"never came: {answer.status_code} {answer.text}")


state: dict[str, str] = {}


async def test_a_person_asks_and_gets_matching_s_part_with_the_others_named_as_not_answering(matching, people):
    mentor, mentee = people
    async with client(matching, participant_headers(mentor.participant_id)) as own:
        asked = await own.post(f"/participants/{mentor.participant_id}/exports")
        assert asked.status_code == 202, asked.text
        download = asked.json()["download"]
        first = await own.get(download)
        assert first.status_code == 202, "gathering until every service answers or the time is over"
        assert first.json()["status"] == "gathering"
        ready = await until(lambda: own.get(download), lambda r: r.status_code == 200, timeout=ANSWER_SECONDS + 30)
    state["download"] = download
    async with client(matching, participant_headers(mentor.participant_id)) as own:
        listed = (await own.get(f"/participants/{mentor.participant_id}/exports")).json()
    assert [e["download"] for e in listed] == [download]
    document = ready.json()
    assert ready.headers["content-disposition"].startswith("attachment")
    assert document["participant_id"] == str(mentor.participant_id)
    assert document["not_answered"] == ["feedback", "notifications", "scheduling"]
    assert document["services"]["scheduling"] == {"status": "not answered in time"}
    matching_part = document["services"]["matching"]
    assert matching_part["status"] == "answered"
    [row] = matching_part["tables"]["participants"]
    assert row["profile"]["email"] == mentor.profile.email
    assert mentee.profile.email not in ready.text


async def test_only_the_person_or_an_admin_may_download_it(matching, people):
    _, mentee = people
    async with client(matching, participant_headers(mentee.participant_id)) as partner:
        refused = await partner.get(state["download"])
        assert refused.status_code == 403, refused.text
        assert "only do this for themself" in refused.json()["detail"]
        # Nor under their own id: an export belongs to the person it was asked for.
        export_id = state["download"].rsplit("/", 1)[1]
        assert (await partner.get(f"/participants/{mentee.participant_id}/exports/{export_id}")).status_code == 404
    async with client(matching, admin_headers()) as admin:
        assert (await admin.get(state["download"])).status_code == 200


async def test_an_export_is_deleted_when_it_expires(matching, people, db):
    mentor, _ = people
    async with client(matching, participant_headers(mentor.participant_id)) as own:
        await until(lambda: own.get(state["download"]), lambda r: r.status_code == 404, timeout=KEEP_SECONDS + 30)
    for _ in range(40):
        left = await db.fetchval("SELECT count(*) FROM matching.personal_data_exports")
        if left == 0:
            break
        await asyncio.sleep(0.25)
    assert left == 0
    assert await db.fetchval("SELECT count(*) FROM matching.personal_data_export_pieces") == 0


async def test_erasure_deletes_a_pending_export_and_no_export_is_taken_afterwards(matching, people, db):
    _, mentee = people
    async with client(matching, participant_headers(mentee.participant_id)) as own:
        asked = await own.post(f"/participants/{mentee.participant_id}/exports")
        assert asked.status_code == 202
        async with client(matching, admin_headers()) as admin:
            assert (await admin.delete(f"/participants/{mentee.participant_id}")).status_code == 202
        await until(lambda: own.get(asked.json()["download"]), lambda r: r.status_code == 404)
        assert (
            await db.fetchval(
                "SELECT count(*) FROM matching.personal_data_exports WHERE participant_id = $1", mentee.participant_id
            )
            == 0
        )
        again = await own.post(f"/participants/{mentee.participant_id}/exports")
        assert again.status_code == 410, again.text


async def test_someone_never_enrolled_is_answered_not_found(matching):
    stranger = uuid4()
    async with client(matching, participant_headers(stranger)) as own:
        answer = await own.post(f"/participants/{stranger}/exports")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "no participant with this id"


async def test_a_part_sent_in_another_service_s_name_is_a_dead_letter(matching, people, sandbox):
    mentor, _ = people
    forged = PersonalDataExported(
        export_id=uuid4(),
        participant_id=mentor.participant_id,
        service="feedback",
        piece=1,
        pieces=1,
        document="{}",
        exported_at=datetime.now(UTC),
    )
    letters_topic = dead_letter_topic(sandbox.topic_prefix, "matching")
    async with TopicReader(sandbox.bootstrap_servers, [letters_topic]) as letters:
        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(forged, source="/flipside/scheduling")]
        )
        await letters.read_until(lambda records: any(r.key == str(mentor.participant_id).encode() for r in records))
        [letter] = [r for r in letters.records if r.key == str(mentor.participant_id).encode()]
    reason = dict(letter.headers)["dlq_reason"].decode()
    assert "for 'feedback' came from '/flipside/scheduling'" in reason


async def test_a_person_asks_a_limited_number_of_times_an_hour(matching, people, db):
    mentor, _ = people  # asked once in the first test: in this hour, unless the hour has turned since
    await clear_of_the_hours_turn()
    spent = await db.fetchval(
        "SELECT coalesce(sum(requests), 0) FROM matching.person_request_counts"
        " WHERE person_id = $1 AND action = 'exports' AND window_start = $2",
        mentor.participant_id,
        window_start(datetime.now(UTC)),
    )
    async with client(matching, participant_headers(mentor.participant_id)) as own:
        answers = [
            (await own.post(f"/participants/{mentor.participant_id}/exports")).status_code
            for _ in range(REQUESTS_AN_HOUR)
        ]
        refused = await own.post(f"/participants/{mentor.participant_id}/exports")
    left = REQUESTS_AN_HOUR - spent
    assert answers == [202] * left + [429] * spent and refused.status_code == 429
    assert "Retry-After" in refused.headers
    async with client(matching, admin_headers()) as admin:
        assert (await admin.post(f"/participants/{mentor.participant_id}/exports")).status_code == 202

"""A lead reading a running feedback service's insights just before and just after someone answers learns nothing:
figures of answers cover closed weeks only, and take in new answers once their week has ended with five people in it.

Ten people answered in March (seeded with SQL); five more answer now, through their survey links.
"""

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from flipside_devstack.auth import lead_headers, participant_headers
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.signing_secrets import dev_signing_secrets
from flipside_shared.personal_links import survey_url

PROGRAM = f"closed-periods-{uuid4().hex[:8]}"
MARCH = datetime(2026, 3, 10, 15, tzinfo=UTC)
ANSWERED_NOW = 5


@pytest.fixture(scope="module")
def feedback(sandbox, tmp_path_factory):
    with ServiceProcess("feedback", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


@pytest.fixture
async def conn(sandbox, feedback):
    connection = await asyncpg.connect(sandbox.database_url, server_settings={"search_path": "feedback"})
    yield connection
    await connection.close()


async def enrol(conn: asyncpg.Connection) -> UUID:
    person = uuid4()
    await conn.execute(
        "INSERT INTO participants (participant_id, program_id, role, department, grade_band, enrolled_at)"
        " VALUES ($1, $2, 'mentee', 'Sales', 'senior', $3)",
        person,
        PROGRAM,
        MARCH - timedelta(days=30),
    )
    return person


async def ask(conn: asyncpg.Connection, person: UUID, expires_at: datetime) -> UUID:
    request = uuid4()
    await conn.execute(
        "INSERT INTO feedback_requests (request_id, session_id, pair_id, program_id, participant_id, role, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, 'mentee', $6)",
        request,
        uuid4(),
        uuid4(),
        PROGRAM,
        person,
        expires_at,
    )
    return request


async def answered_in_march(conn: asyncpg.Connection) -> None:
    for _ in range(10):
        request = await ask(conn, await enrol(conn), MARCH + timedelta(days=14))
        answers = {"session_value": 4, "could_speak_freely": 4, "partner_listened": 4, "time_well_spent": True}
        await conn.execute(
            "INSERT INTO responses (request_id, answers, submitted_at) VALUES ($1, $2::jsonb, $3)",
            request,
            json.dumps(answers),
            MARCH,
        )


async def read(client: httpx.AsyncClient) -> tuple[dict, str, dict]:
    """The insights (but the moment they were read at), their CSV and the check-in summary."""
    document = (await client.get(f"/programs/{PROGRAM}/insights", params={"period": "week"})).json()
    exported = (await client.get(f"/programs/{PROGRAM}/insights.csv", params={"period": "week"})).text
    summary = (await client.get(f"/programs/{PROGRAM}/summary")).json()
    return {key: value for key, value in document.items() if key != "as_of"}, exported, summary


def program_cell(document: dict, key: str) -> tuple:
    figure = next(f for f in document["figures"] if f["key"] == key)
    cell = figure["cuts"][0]["cells"][0]
    return cell["value"], cell["people"], figure["up_to"]


async def test_reads_around_an_answer_are_identical_and_the_answer_shows_once_its_week_closed(feedback, conn):
    await answered_in_march(conn)
    link_expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=14)
    requests = [await ask(conn, await enrol(conn), link_expires) for _ in range(ANSWERED_NOW)]
    secret = dev_signing_secrets()["FLIPSIDE_FEEDBACK_LINK_SECRET"].encode()

    async with (
        httpx.AsyncClient(headers=lead_headers(PROGRAM), base_url=feedback.url) as lead,
        httpx.AsyncClient() as holder,
    ):
        before = await read(lead)
        for request in requests:
            url = survey_url(feedback.url, request, link_expires, secret)
            answers = {"session_value": 1, "could_speak_freely": 1, "partner_listened": 1, "time_well_spent": False}
            assert (await holder.post(url, json={"answers": answers})).json()["outcome"] == "recorded"
            assert await read(lead) == before, "an answer given this week changes no figure, no CSV cell, no summary"
        assert program_cell(before[0], "session_value") == (4.0, 10, "2026-03-30T00:00:00+00:00")
        assert (before[2]["requests"], before[2]["responses"], before[2]["mean_session_value"]) == (10, 10, 4.0)

        # Time passes: the five links expired three weeks ago, in a week that has ended.
        await conn.execute(
            "UPDATE feedback_requests SET expires_at = expires_at - interval '35 days' WHERE request_id = any($1::uuid[])",
            requests,
        )
        await conn.execute(
            "UPDATE responses SET submitted_at = submitted_at - interval '35 days' WHERE request_id = any($1::uuid[])",
            requests,
        )
        after, _, summary = await read(lead)
        page = (await lead.get(f"/programs/{PROGRAM}/dashboard")).text

    value, people, up_to = program_cell(after, "session_value")
    assert (summary["requests"], summary["responses"], summary["mean_session_value"], summary["up_to"]) == (
        15,
        15,
        3.0,
        up_to,
    )
    assert (value, people) == (round((10 * 4 + 5 * 1) / 15, 2), 15)
    assert datetime.fromisoformat(up_to) <= datetime.fromisoformat(after["answers_up_to"]) - timedelta(days=7)
    assert f"figures up to {datetime.fromisoformat(after['answers_up_to']):%Y-%m-%d %H:%M} UTC" in page
    assert f"figures up to {datetime.fromisoformat(up_to):%Y-%m-%d %H:%M} UTC" in page


async def test_a_self_assessment_saved_in_a_period_that_has_ended_can_no_longer_change(feedback, conn):
    person = await enrol(conn)
    async with httpx.AsyncClient(headers=participant_headers(person), base_url=feedback.url) as own:
        path = f"/participants/{person}/self-assessments"
        assert (await own.put(f"{path}/baseline", json={"scores": {"digital_confidence": 2}})).status_code == 200
        assert (await own.put(f"{path}/baseline", json={"scores": {"digital_confidence": 3}})).status_code == 200, (
            "this week: still open"
        )
        await conn.execute("UPDATE self_assessments SET recorded_at = $2 WHERE participant_id = $1", person, MARCH)
        changed = await own.put(f"{path}/baseline", json={"scores": {"digital_confidence": 1}})
        assert (
            changed.status_code == 409
            and "phase: the baseline self-assessment was saved in a period that has ended" in changed.text
        )
        assert (await own.put(f"{path}/end", json={"scores": {"digital_confidence": 4}})).status_code == 200
        saved = {row["phase"]: row["scores"] for row in (await own.get(path)).json()}
    assert saved == {"baseline": {"digital_confidence": 3}, "end": {"digital_confidence": 4}}

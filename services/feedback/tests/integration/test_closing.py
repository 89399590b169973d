"""A program's close as a real feedback process lives it: matching's lifecycle and pair events in, the closing
self-assessment asked once per person, graduates recognised once, no check-in after the end, and the closing
report over HTTP for the program's lead and sponsor, with its figures.

Before and after self-assessments are seeded with SQL in closed months (the report, like the insights, shows
answers of closed periods only); everything else arrives as matching, scheduling and a survey tool send it.
"""

import json
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from flipside_devstack.auth import admin_headers, bearer, dev_issuer, lead_headers, participant_headers
from flipside_devstack.factories import enrolled, pair_between
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.service_process import ServiceProcess
from flipside_devstack.waiting import wait_for_rows
from flipside_shared.events import (
    CheckInDue,
    FeedbackRequested,
    FeedbackSubmitted,
    PairCompleted,
    PairCreated,
    PairDissolved,
    ParticipantWithdrawn,
    ProgramCancelled,
    ProgramCompleted,
    ProgramStarted,
    RecognitionAwarded,
    SessionCancelled,
)
from flipside_shared.events.programs import ProgramContact, ProgramDetails

BASELINE_AT = datetime(2026, 3, 10, 15, tzinfo=UTC)
SPONSOR = "sponsor-cfo"
GOOD = {"session_value": 4, "could_speak_freely": 5, "partner_listened": 5, "time_well_spent": True}
POOR = {"session_value": 1, "could_speak_freely": 1, "partner_listened": 1, "time_well_spent": False}


@pytest.fixture(scope="module")
def feedback(sandbox, tmp_path_factory):
    with ServiceProcess("feedback", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


@pytest.fixture
async def conn(sandbox, feedback):
    connection = await asyncpg.connect(sandbox.database_url, server_settings={"search_path": "feedback"})
    yield connection
    await connection.close()


def details(program_id: str) -> ProgramDetails:
    def contact(subject: str, name: str) -> ProgramContact:
        return ProgramContact(subject=subject, display_name=name, email=f"{subject}@example.com")

    return ProgramDetails(
        name="Reverse mentoring 2026",
        starts_on=date(2026, 2, 1),
        ends_on=date(2026, 11, 30),
        leads=[contact(f"lead-of-{program_id}", "Lea Lead")],
        sponsors=[contact(SPONSOR, "Cora CFO")],
    )


def lifecycle(kind, program_id: str, status: str):
    return kind(program_id=program_id, status=status, program=details(program_id), occurred_at=datetime.now(UTC))


def completed(pair: PairCreated, reason: str = "program_completed") -> PairCompleted:
    return PairCompleted(
        pair_id=pair.pair_id,
        program_id=pair.program_id,
        mentor_id=pair.mentor.participant_id,
        mentee_id=pair.mentee.participant_id,
        reason=reason,
        completed_at=datetime.now(UTC),
    )


def check_in(pair: PairCreated, session_id: UUID) -> CheckInDue:
    return CheckInDue(
        session_id=session_id,
        pair_id=pair.pair_id,
        program_id=pair.program_id,
        mentor_id=pair.mentor.participant_id,
        mentee_id=pair.mentee.participant_id,
        session_started_at=datetime.now(UTC) - timedelta(hours=1),
    )


async def pairs_of(sandbox, program_id: str, count: int) -> list[PairCreated]:
    envelopes, pairs = [], []
    for index in range(count):
        mentor = enrolled(program_id=program_id, role="mentor", grade=2, department="Sales")
        mentee = enrolled(program_id=program_id, role="mentee", grade=8, department=f"Finance {index}")
        pair = pair_between(mentor, mentee, program_id=program_id)
        envelopes += [envelope(mentor), envelope(mentee), envelope(pair)]
        pairs.append(pair)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, envelopes)
    return pairs


async def after_the_end(sandbox, conn, pair: PairCreated) -> UUID:
    """A check-in scheduling sends once the pair has ended, then a cancellation on the same partition: once the
    cancellation is stored, the check-in before it was handled too."""
    late, marker = uuid4(), uuid4()
    cancelled = SessionCancelled(
        session_id=marker,
        pair_id=pair.pair_id,
        program_id=pair.program_id,
        kind="check_in",
        starts_at=datetime.now(UTC) + timedelta(days=7),
        duration_minutes=45,
        participant_ids=[pair.mentor.participant_id, pair.mentee.participant_id],
        reason="pair_dissolved",
        sequence=2,
        cancelled_at=datetime.now(UTC),
    )
    await publish(
        sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(check_in(pair, late)), envelope(cancelled)]
    )
    await wait_for_rows(conn, "SELECT 1 FROM sessions WHERE session_id = $1", marker)
    return late


def of_program(reader: TopicReader, event_type, pairs: list[PairCreated]) -> list:
    ids = {pair.pair_id for pair in pairs}
    return [e.event for e in reader.events(event_type) if e.event.pair_id in ids]


def closing_requests(reader: TopicReader, pairs: list[PairCreated]) -> list[FeedbackRequested]:
    return [e for e in of_program(reader, FeedbackRequested, pairs) if e.kind == "closing_self_assessment"]


def graduations(reader: TopicReader, pairs: list[PairCreated]) -> list[RecognitionAwarded]:
    return [e for e in of_program(reader, RecognitionAwarded, pairs) if e.milestone == "program_completed"]


async def seed_self_assessments(conn, program_id: str, people: list[UUID], phase: str, at: datetime, scores) -> None:
    for person in people:
        await conn.execute(
            "INSERT INTO self_assessments (participant_id, program_id, phase, scores, recorded_at)"
            " VALUES ($1, $2, $3, $4::jsonb, $5)",
            person,
            program_id,
            phase,
            json.dumps(scores),
            at,
        )


async def report(feedback, program_id: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=feedback.url, headers=headers) as client:
        return await client.get(f"/programs/{program_id}/closing-report")


async def test_a_completed_program_asks_for_the_closing_self_assessment_recognises_its_graduates_and_reports(
    sandbox, feedback, conn
):
    program_id = f"closing-{uuid4().hex[:8]}"
    topics = [f"{sandbox.topic_prefix}feedback"]
    async with TopicReader(sandbox.bootstrap_servers, topics) as reader:
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [envelope(lifecycle(ProgramStarted, program_id, "running"))],
        )
        await wait_for_rows(conn, "SELECT 1 FROM programs WHERE program_id = $1", program_id)
        graduating = await pairs_of(sandbox, program_id, 5)
        [parted] = await pairs_of(sandbox, program_id, 1)
        # Every pair met once; the last one's mentor found it poor (the pair ends at risk).
        sessions = {pair.pair_id: uuid4() for pair in graduating}
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [envelope(check_in(pair, sessions[pair.pair_id])) for pair in graduating],
        )
        await reader.read_until(lambda _: len(of_program(reader, FeedbackRequested, graduating)) == 10)
        asked_poorly = next(
            e
            for e in of_program(reader, FeedbackRequested, graduating[-1:])
            if e.role == "mentor" and e.kind == "check_in"
        )
        poor = FeedbackSubmitted(
            request_id=asked_poorly.request_id,
            pair_id=asked_poorly.pair_id,
            participant_id=asked_poorly.participant_id,
            questionnaire_version=1,
            answers=POOR,
            submitted_at=datetime.now(UTC),
        )
        # Someone leaves the company: their pair is dissolved for it and they withdraw.
        leaver = parted.mentor.participant_id
        gone = [
            PairDissolved(
                pair_id=parted.pair_id,
                program_id=program_id,
                reason="left_company",
                rematch=False,
                dissolved_at=datetime.now(UTC),
            ),
            ParticipantWithdrawn(participant_id=leaver, program_id=program_id, withdrawn_at=datetime.now(UTC)),
        ]
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(poor), *map(envelope, gone)])
        await wait_for_rows(conn, "SELECT 1 FROM pairs WHERE pair_id = $1 AND health_status = 'at_risk'", poor.pair_id)
        await wait_for_rows(conn, "SELECT 1 FROM withdrawals WHERE participant_id = $1", leaver)

        async with httpx.AsyncClient(base_url=feedback.url, headers=admin_headers()) as client:
            owner = graduating[0].mentee.participant_id
            goals = [
                await client.post(
                    f"/pairs/{graduating[0].pair_id}/goals",
                    json={"owner_id": str(owner), "category": "digital", "title": title},
                )
                for title in ("Run a team channel", "Post on the intranet")
            ]
            achieved = await client.patch(
                f"/goals/{goals[0].json()['goal_id']}", json={"participant_id": str(owner), "progress_percent": 100}
            )
            assert [g.status_code for g in goals] + [achieved.status_code] == [201, 201, 200]

        running = await report(feedback, program_id, lead_headers(program_id))
        assert running.status_code == 409, running.text
        assert "running" in running.json()["detail"]

        # Matching completes every active pair, and the program; the two topics are read in any order, and a
        # replay of either (a relay publishing again under a new id) changes nothing.
        done = lifecycle(ProgramCompleted, program_id, "completed")
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [envelope(completed(pair)) for pair in graduating[:2]]
            + [envelope(done)]
            + [envelope(completed(pair)) for pair in graduating[2:]]
            + [
                envelope(completed(graduating[0])),
                envelope(done.model_copy(update={"occurred_at": datetime.now(UTC)})),
            ],
        )
        await reader.read_until(
            lambda _: len(closing_requests(reader, graduating)) >= 10 and len(graduations(reader, graduating)) >= 5
        )
        late = await after_the_end(sandbox, conn, graduating[0])
        await reader.drain(3)

        asked = closing_requests(reader, graduating)
        everyone = {p.participant_id for pair in graduating for p in (pair.mentor, pair.mentee)}
        assert sorted(str(e.participant_id) for e in asked) == sorted(map(str, everyone))
        assert all(e.session_id != sessions[e.pair_id] for e in asked)
        recognised = graduations(reader, graduating)
        assert sorted(str(e.pair_id) for e in recognised) == sorted(str(pair.pair_id) for pair in graduating)
        members = {pair.pair_id: {pair.mentor.participant_id, pair.mentee.participant_id} for pair in graduating}
        assert all(set(e.participant_ids) == members[e.pair_id] for e in recognised)
        assert not [e for e in of_program(reader, FeedbackRequested, [parted])]
        assert not [e for e in of_program(reader, FeedbackRequested, graduating) if e.session_id == late]
        assert not await conn.fetch("SELECT 1 FROM sessions WHERE session_id = $1", late)

    # Ten people said where they stood in March; nine at the end (in a closed month); three more answered only
    # a second dimension, too few to be shown. The tenth answers now, through their closing request's link, and
    # the withdrawn leaver over HTTP: their period is still open, so the report does not move (two reads around
    # an answer cannot be subtracted).
    last_month = datetime.now(UTC).replace(day=1, hour=12) - timedelta(days=20)
    people = sorted(everyone)
    *answered_before, answering_now = people
    await seed_self_assessments(conn, program_id, people, "baseline", BASELINE_AT, {"digital_confidence": 2})
    await seed_self_assessments(conn, program_id, answered_before, "end", last_month, {"digital_confidence": 4})
    await seed_self_assessments(
        conn, program_id, [uuid4() for _ in range(3)], "baseline", BASELINE_AT, {"leadership_confidence": 1}
    )
    before_answer = await report(feedback, program_id, lead_headers(program_id))
    links = {e.participant_id: survey_link(feedback.url, e) for e in asked}
    async with httpx.AsyncClient() as client:
        form = await client.get(links[answering_now])
        out_of_scale = await client.post(links[answering_now], json={"answers": {"digital_confidence": 7}})
        answered = await client.post(links[answering_now], json={"answers": {"digital_confidence": 5}})
        again = await client.get(links[answering_now])
        locked = await client.post(links[answered_before[0]], json={"answers": {"digital_confidence": 5}})
    assert form.status_code == 200, form.text
    assert form.json()["kind"] == "closing_self_assessment"
    assert [q["id"] for q in form.json()["questions"]["questions"]] == [
        "digital_confidence",
        "leadership_confidence",
        "strategic_understanding",
        "cross_generational_understanding",
    ]
    assert (form.json()["your_answers"], again.json()["your_answers"]) == (None, {"digital_confidence": 5})
    assert (out_of_scale.status_code, answered.status_code, locked.status_code) == (422, 200, 409), answered.text
    async with httpx.AsyncClient(base_url=feedback.url, headers=participant_headers(leaver)) as client:
        by_http = await client.put(
            f"/participants/{leaver}/self-assessments/end", json={"scores": {"digital_confidence": 5}}
        )
    assert by_http.status_code == 200, by_http.text

    by_lead = await report(feedback, program_id, lead_headers(program_id))
    by_sponsor = await report(feedback, program_id, bearer(dev_issuer().token(SPONSOR, [])))
    by_admin = await report(feedback, program_id, admin_headers())
    assert (by_lead.status_code, by_sponsor.status_code, by_admin.status_code) == (200, 200, 200), by_lead.text
    assert by_lead.json() == by_sponsor.json() == by_admin.json() == before_answer.json()
    body = by_lead.json()
    assert body["program"]["name"] == "Reverse mentoring 2026"
    assert body["program"]["status"] == "completed"
    assert (body["program"]["leads"], body["program"]["sponsors"]) == (["Lea Lead"], ["Cora CFO"])
    assert body["self_assessments"]["dimensions"] == {
        "digital_confidence": {
            "before": {"mean": 2.0, "people": 10},
            "after": {"mean": 4.0, "people": 9},
            "change": {"mean": 2.0, "people": 9},
        }
    }
    assert body["sessions_held"] == 5
    assert body["goals"] == {"set": 2, "achieved": 1}
    assert body["pairs"] == {
        "completed": 5,
        "dissolved_before_the_end": 1,
        "health_at_the_end": {"healthy": 4, "watch": 0, "at_risk": 1, "not_judged": 0},
        "graduates": 10,
    }
    assert body["retention"] == {
        "participants": 12,
        "stayed": 11,
        "left_the_company": 1,
        "withdrew_otherwise": 0,
        "pairs_dissolved_as_someone_left_the_company": 1,
    }

    other_lead = await report(feedback, program_id, lead_headers("another-program"))
    participant = await report(feedback, program_id, participant_headers(people[0]))
    unknown = await report(feedback, f"nowhere-{uuid4().hex[:8]}", admin_headers())
    assert (other_lead.status_code, participant.status_code, unknown.status_code) == (403, 403, 404)


async def test_a_cancelled_program_stops_its_pairs_without_a_closing_self_assessment_recognition_or_report(
    sandbox, feedback, conn
):
    program_id = f"cancelled-{uuid4().hex[:8]}"
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}feedback"]) as reader:
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [envelope(lifecycle(ProgramStarted, program_id, "running"))],
        )
        pairs = await pairs_of(sandbox, program_id, 2)
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [envelope(completed(pair, "program_cancelled")) for pair in pairs]
            + [envelope(lifecycle(ProgramCancelled, program_id, "cancelled"))],
        )
        await wait_for_rows(conn, "SELECT 1 FROM programs WHERE program_id = $1 AND status = 'cancelled'", program_id)
        await wait_for_rows(
            conn,
            "SELECT 1 FROM pairs WHERE program_id = $1 AND end_reason = 'program_cancelled'",
            program_id,
            count=2,
        )
        late = await after_the_end(sandbox, conn, pairs[0])
        await reader.drain(3)

        assert not of_program(reader, FeedbackRequested, pairs)
        assert not of_program(reader, RecognitionAwarded, pairs)
        assert not await conn.fetch("SELECT 1 FROM sessions WHERE session_id = $1", late)

    cancelled = await report(feedback, program_id, lead_headers(program_id))
    assert cancelled.status_code == 409
    assert "cancelled" in cancelled.json()["detail"]

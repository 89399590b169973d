"""A program's life, driven as its admin and lead drive it: details in, draft -> open -> matching -> running ->
completed over HTTP, each step an event on `programs`; enrolment only while it is open; completing it completes
every pair (`PairCompleted` on `pairs`), frees both sides' room and, with scheduling running beside matching,
stops the pair's reminders and check-ins; the next cohort never repeats a pair."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.kafka_io import TopicReader, count_of, envelope, publish
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.clock import AcceleratedClock
from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.events import (
    CheckInDue,
    PairCompleted,
    PairCreated,
    ParticipantEnrolled,
    ParticipantUnmatched,
    ProgramCancelled,
    ProgramCompleted,
    ProgramDefined,
    ProgramEnrolmentClosed,
    ProgramOpened,
    ProgramStarted,
    ReminderDue,
    SessionCancelled,
    SessionScheduled,
)
from flipside_shared.events.sources import HR

HOLIDAY_FREE_MONDAY = datetime(2027, 8, 2, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


@dataclass(frozen=True)
class Scheduling:
    service: ServiceProcess
    clock: AcceleratedClock
    """The clock scheduling runs on: one simulated hour per real second, so a kickoff comes within a minute."""


@pytest.fixture(scope="module")
def scheduling(sandbox, tmp_path_factory):
    now = datetime.now(UTC)
    clock = AcceleratedClock(now, 3600, timedelta(days=(HOLIDAY_FREE_MONDAY - now).days))
    env = sandbox.env(
        FLIPSIDE_SCHEDULING_CLOCK_RATE=str(clock.rate),
        FLIPSIDE_SCHEDULING_CLOCK_EPOCH=clock.epoch.isoformat(),
        FLIPSIDE_SCHEDULING_CLOCK_OFFSET=f"P{clock.offset.days}D",
        FLIPSIDE_SCHEDULING_TIMER_POLL_SECONDS="0.02",
        FLIPSIDE_SCHEDULING_REMINDER_MINUTES_BEFORE="[60]",
    )
    with ServiceProcess("scheduling", env, tmp_path_factory.mktemp("scheduling-logs")) as service:
        yield Scheduling(service, clock)


def details(**overrides: object) -> dict:
    now = datetime.now(UTC)
    return {
        "name": "Reverse mentoring 2027",
        "description": "Juniors teach digital tools; leaders teach strategy.",
        "objectives": ["leaders use the tools their customers use"],
        "enrolment_opens_at": (now - timedelta(days=1)).isoformat(),
        "enrolment_closes_at": (now + timedelta(days=14)).isoformat(),
        "starts_on": (now + timedelta(days=21)).date().isoformat(),
        "ends_on": (now + timedelta(days=200)).date().isoformat(),
        "leads": [{"subject": "lead-1", "display_name": "Lea Lead", "email": "lea@example.com"}],
        "sponsors": [{"subject": "exec-1", "display_name": "Sam Sponsor", "email": "sam@example.com"}],
        "meeting_link": {"kind": "teams", "url_template": "https://teams.example.com/{pair_id}"},
        **overrides,
    }


def profile_json(enrolment: ParticipantEnrolled) -> dict:
    return {"participant_id": str(enrolment.participant_id), **enrolment.profile.model_dump(mode="json")}


def topics(prefix: str) -> list[str]:
    return [f"{prefix}programs", f"{prefix}pairs", f"{prefix}participants", dead_letter_topic(prefix, "matching")]


def dead_letters(reader: TopicReader) -> dict[str, str]:
    headers = [dict(r.headers) for r in reader.records if r.topic.endswith("dead-letter")]
    return {h["ce_id"].decode(): h["dlq_reason"].decode() for h in headers}


async def test_a_program_from_draft_to_completed_announces_each_step_and_completes_its_pairs(
    sandbox, matching, scheduling, db
):
    program = f"life-{uuid4().hex[:8]}"
    mentor, mentee = mentor_and_mentee(program_id=program)
    admin, lead = admin_headers(), lead_headers(program)
    sessions = f"{sandbox.topic_prefix}sessions"
    async with (
        httpx.AsyncClient(base_url=matching.url, timeout=10) as http,
        TopicReader(sandbox.bootstrap_servers, [*topics(sandbox.topic_prefix), sessions]) as reader,
    ):
        defined = await http.put(f"/programs/{program}/details", json=details(), headers=admin)
        assert defined.status_code == 200, defined.text
        assert defined.json()["status"] == "draft"
        too_early = await http.post("/participants", json=profile_json(mentor), headers=admin)
        assert too_early.status_code == 409
        assert too_early.json()["detail"] == f"program '{program}' is a draft: enrolment has not opened yet"

        not_a_lead = await http.post(f"/programs/{program}/open", headers=lead_headers("another-program"))
        assert not_a_lead.status_code == 403
        assert (await http.post(f"/programs/{program}/open", headers=lead)).json()["status"] == "open"
        illegal = await http.post(f"/programs/{program}/start", headers=lead)
        assert illegal.status_code == 409
        assert illegal.json()["detail"] == f"program '{program}' is open: start is only possible from matching"
        assert (await http.post(f"/programs/{program}/complete", headers=lead)).status_code == 409

        for person in (mentor, mentee):
            accepted = await http.post("/participants", json=profile_json(person), headers=admin)
            assert accepted.status_code == 202, accepted.text
        await reader.read_until(count_of(SessionScheduled))
        [kickoff] = [e.event for e in reader.events(SessionScheduled)]
        mentor_room = "SELECT active_pairs FROM matching.participants WHERE participant_id = $1"
        assert await db.fetchval(mentor_room, mentor.participant_id) == 1

        assert (await http.post(f"/programs/{program}/close-enrolment", headers=lead)).json()["status"] == "matching"
        late, _ = mentor_and_mentee(program_id=program, index=1)
        closed = await http.post("/participants", json=profile_json(late), headers=admin)
        assert closed.status_code == 409
        assert closed.json()["detail"] == f"enrolment in program '{program}' is closed"
        assert (await http.post(f"/programs/{program}/start", headers=lead)).json()["status"] == "running"
        completed = await http.post(f"/programs/{program}/complete", headers=lead)
        assert completed.json()["status"] == "completed"
        await reader.read_until(lambda _: reader.events(PairCompleted) and reader.events(SessionCancelled))
        assert scheduling.clock.now() < kickoff.starts_at - timedelta(minutes=60), "completed before any timer was due"

        after_the_end = await http.put(f"/programs/{program}/details", json=details(name="Renamed"), headers=admin)
        assert after_the_end.status_code == 409
        assert (await http.post(f"/programs/{program}/cancel", headers=lead)).status_code == 409
        # Until the kickoff would have ended on scheduling's clock: its reminder and check-in would have fired.
        check_in_due = kickoff.starts_at + timedelta(minutes=kickoff.duration_minutes)
        await asyncio.sleep((check_in_due - scheduling.clock.now()).total_seconds() / scheduling.clock.rate + 1)
        await reader.drain(1)

    lifecycle = [
        (type(e.event), e.event.status, e.subject)
        for e in reader.events()
        if e.event.ce_type.startswith("flipside.program.")
    ]
    assert lifecycle == [
        (ProgramDefined, "draft", program),
        (ProgramOpened, "open", program),
        (ProgramEnrolmentClosed, "matching", program),
        (ProgramStarted, "running", program),
        (ProgramCompleted, "completed", program),
    ], "one event per change, in order, about the program"
    assert {r.key for r in reader.records if r.topic.endswith(".programs")} == {program.encode()}, "keyed by it"
    assert all(e.event.program.name == "Reverse mentoring 2027" for e in reader.events(ProgramCompleted))
    assert reader.events(ProgramCompleted)[0].event.program.leads[0].subject == "lead-1"
    [pair] = [e.event for e in reader.events(PairCreated)]
    [done] = [e.event for e in reader.events(PairCompleted)]
    assert (done.pair_id, done.mentor_id, done.mentee_id, done.reason) == (
        pair.pair_id,
        mentor.participant_id,
        mentee.participant_id,
        "program_completed",
    )
    rooms = await db.fetch(
        "SELECT active_pairs FROM matching.participants WHERE participant_id = ANY($1::uuid[])",
        [mentor.participant_id, mentee.participant_id],
    )
    assert [row["active_pairs"] for row in rooms] == [0, 0], "both sides' room is free again"
    assert await db.fetchval("SELECT status FROM matching.pairs WHERE pair_id = $1", pair.pair_id) == "completed"
    [cancelled] = [e.event for e in reader.events(SessionCancelled)]
    assert (cancelled.pair_id, cancelled.session_id) == (pair.pair_id, kickoff.session_id)
    assert not [e for e in reader.events() if isinstance(e.event, ReminderDue | CheckInDue)], "no timer fired after"


async def test_enrolment_outside_the_window_is_refused_with_the_reason_over_http_and_from_hr(sandbox, matching):
    program = f"window-{uuid4().hex[:8]}"
    opens = datetime.now(UTC) + timedelta(days=3)
    window = {"enrolment_opens_at": opens.isoformat(), "enrolment_closes_at": (opens + timedelta(days=7)).isoformat()}
    mentor, mentee = mentor_and_mentee(program_id=program)
    admin = admin_headers()
    async with (
        httpx.AsyncClient(base_url=matching.url, timeout=10) as http,
        TopicReader(sandbox.bootstrap_servers, topics(sandbox.topic_prefix)) as reader,
    ):
        assert (await http.put(f"/programs/{program}/details", json=details(**window), headers=admin)).is_success
        assert (await http.post(f"/programs/{program}/open", headers=admin)).is_success
        refused = await http.post(
            f"/programs/{program}/enrolments",
            json={k: v for k, v in profile_json(mentor).items() if k != "program_id"},
            headers=admin,
        )
        from_hr = envelope(mentee, source=HR)
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [from_hr])
        await reader.read_until(lambda _: str(from_hr.id) in dead_letters(reader))
        await reader.drain(1)

    assert refused.status_code == 409
    assert refused.json()["detail"] == f"enrolment in program '{program}' opens at {opens.isoformat()}"
    assert dead_letters(reader)[str(from_hr.id)] == (
        f"rejected: enrolment in program '{program}' opens at {opens.isoformat()}"
    )
    assert not [e for e in reader.events(ParticipantEnrolled) if e.event.profile.program_id == program]


async def test_the_next_cohort_takes_the_previous_policy_and_never_repeats_a_pair(sandbox, matching):
    first, second = f"cohort1-{uuid4().hex[:8]}", f"cohort2-{uuid4().hex[:8]}"
    admin = admin_headers()
    configure_program(matching.url, first, min_grade_gap=3)
    mentor, mentee = mentor_and_mentee(program_id=first)
    # The same two people in the next cohort, under new participant ids, and a newcomer who fits the mentor.
    mentor_again, mentee_again = (
        person.model_copy(
            update={"participant_id": uuid4(), "profile": person.profile.model_copy(update={"program_id": second})}
        )
        for person in (mentor, mentee)
    )
    _, newcomer = mentor_and_mentee(program_id=second, index=2)
    async with (
        httpx.AsyncClient(base_url=matching.url, timeout=10) as http,
        TopicReader(sandbox.bootstrap_servers, topics(sandbox.topic_prefix)) as reader,
    ):
        for person in (mentor, mentee):
            assert (await http.post("/participants", json=profile_json(person), headers=admin)).is_success
        await reader.read_until(lambda _: len(paired_in(reader, first)) == 1)
        # A program defined by its policy alone runs: it completes straight away.
        assert (await http.post(f"/programs/{first}/complete", headers=admin)).json()["status"] == "completed"

        follows = await http.put(f"/programs/{second}/details", json=details(previous_cohort=first), headers=admin)
        assert follows.json()["policy"]["min_grade_gap"] == 3, "the previous cohort's policy, having none of its own"
        loop = await http.put(f"/programs/{first}/details", json=details(previous_cohort=second), headers=admin)
        assert loop.status_code == 409, "the first cohort is completed"
        unknown = await http.put(f"/programs/{second}/details", json=details(previous_cohort="no-such"), headers=admin)
        assert (unknown.status_code, unknown.json()["detail"]) == (422, "previous_cohort: unknown program 'no-such'")
        assert (await http.post(f"/programs/{second}/open", headers=admin)).is_success
        for person in (mentor_again, mentee_again):
            assert (await http.post("/participants", json=profile_json(person), headers=admin)).is_success
        # Whichever of the two matching takes second finds the other an earlier partner: no one to pair with.
        await reader.read_until(
            lambda _: [e for e in reader.events(ParticipantUnmatched) if e.event.program_id == second]
        )
        assert (await http.post("/participants", json=profile_json(newcomer), headers=admin)).is_success
        await reader.read_until(lambda _: len(paired_in(reader, second)) == 1)
        cancelled = await http.post(f"/programs/{second}/cancel", headers=admin)
        assert cancelled.json()["status"] == "cancelled"
        await reader.read_until(lambda _: reader.events(ProgramCancelled) and completions(reader, first, second))
        await reader.drain(1)

    [again] = paired_in(reader, second)
    assert (again.mentor.participant_id, again.mentee.participant_id) == (
        mentor_again.participant_id,
        newcomer.participant_id,
    ), "the mentor is paired with the newcomer, never again with last cohort's mentee"
    [unmatched] = [e.event for e in reader.events(ParticipantUnmatched) if e.event.program_id == second]
    assert unmatched.participant_id in (mentor_again.participant_id, mentee_again.participant_id)
    assert any("earlier partner" in reason for reason in unmatched.reasons), unmatched.reasons
    assert completions(reader, first, second) == {first: "program_completed", second: "program_cancelled"}


def paired_in(reader: TopicReader, program_id: str) -> list[PairCreated]:
    return [e.event for e in reader.events(PairCreated) if e.event.program_id == program_id]


def completions(reader: TopicReader, *programs: str) -> dict[str, str]:
    """Why each of `programs`' pairs completed, once all of them have."""
    reasons = {
        e.event.program_id: e.event.reason for e in reader.events(PairCompleted) if e.event.program_id in programs
    }
    return reasons if len(reasons) == len(programs) else {}

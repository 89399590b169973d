"""Check-ins taken a run at a time on the real database: what a run stores and announces is what the same check-ins
taken one at a time store and announce (known pairs and pairs not known yet, a pair's kickoff and next check-in in
one run, a session asked about before, a pair its program completed, a pair whose answers under its program's own
questionnaire put it at risk), and the statements a run costs do not grow with it, however many of its pairs are
known."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from asyncpg.connection import LoggedQuery

from flipside_devstack.fixtures import migrated_pool
from flipside_devstack.kafka_io import envelope
from flipside_feedback.app import MIGRATIONS
from flipside_feedback.domain.questionnaire import BUILT_IN, Question, Questionnaire
from flipside_feedback.handlers import FeedbackLoop, build_handlers
from flipside_feedback.repository import FeedbackRepository
from flipside_feedback.settings import FeedbackSettings
from flipside_shared.clock import SystemClock
from flipside_shared.envelope import Envelope
from flipside_shared.events import CheckInDue, FeedbackRequested, PairAtRisk, PairHealthChanged, RecognitionAwarded
from flipside_shared.unit_of_work import UnitOfWorkFactory

SCHEMA = "feedback"
PROGRAM = f"intake-{uuid4().hex[:8]}"
OWN_QUESTIONS = f"intake-own-{uuid4().hex[:8]}"
"""A program with a questionnaire of its own, one more question counted in psychological safety."""


@pytest.fixture(scope="module")
async def pool(sandbox):
    async with migrated_pool(sandbox, SCHEMA, MIGRATIONS, 2) as pool:
        yield pool


@pytest.fixture(scope="module")
async def units(sandbox, pool):
    units = UnitOfWorkFactory(pool, "/flipside/feedback", sandbox.topic_prefix, FeedbackRepository)
    own = Question(id="felt_safe", text="I felt safe to disagree.", kind="scale", psychological_safety=True)
    async with units.begin() as uow:
        await uow.repository.add_questionnaire(OWN_QUESTIONS, Questionnaire(questions=[*BUILT_IN.questions, own]))
    return units


@pytest.fixture(scope="module")
def check_ins_due():
    clock = SystemClock()
    handlers = build_handlers(FeedbackLoop(FeedbackSettings(), clock), clock)
    probe = check_in(uuid4())
    many = handlers.many_handler_for(probe, inbound=False)
    assert many is not None
    return many


def check_in(
    pair_id: UUID, session_id: UUID | None = None, hours_ago: int = 2, program_id: str = PROGRAM
) -> CheckInDue:
    return CheckInDue(
        session_id=session_id or uuid4(),
        pair_id=pair_id,
        program_id=program_id,
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        session_started_at=datetime.now(UTC) - timedelta(hours=hours_ago),
    )


async def a_scenario(units) -> tuple[list[CheckInDue], dict[UUID, str]]:
    """Check-ins of five pairs, and a name for each pair and session (ids differ from one scenario to the next)."""
    known, ended, unknown, again, low, low_before = uuid4(), uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
    asked_before = check_in(again, hours_ago=30)
    async with units.begin() as uow:
        repository = uow.repository
        for pair_id in (known, ended, again):
            await repository.save_pair(pair_id, PROGRAM, uuid4(), uuid4(), datetime.now(UTC))
        await repository.save_pair(low, OWN_QUESTIONS, uuid4(), uuid4(), datetime.now(UTC))
        await repository.end_pair(ended, "program_completed", datetime.now(UTC))
        await repository.add_request(
            uuid4(), asked_before.session_id, again, PROGRAM, asked_before.mentor_id, "mentor", datetime.now(UTC), 1
        )
        # The low pair rated its last session low, and felt unsafe on the question only its program asks.
        version = (await repository.latest_questionnaire(OWN_QUESTIONS))[0]
        for role, value in (("mentor", 1), ("mentee", 2)):
            request_id = uuid4()
            await repository.add_request(
                request_id,
                low_before,
                low,
                OWN_QUESTIONS,
                uuid4(),
                role,
                datetime.now(UTC) + timedelta(days=1),
                version,
            )
            answers = {"session_value": value, "could_speak_freely": 3, "partner_listened": 3, "felt_safe": 1}
            await repository.save_answers(request_id, answers | {"time_well_spent": False}, version, "web")
    kickoff, next_one = check_in(known, hours_ago=3), check_in(known)
    check_ins = [
        kickoff,
        check_in(unknown),
        check_in(ended),
        asked_before,
        next_one,
        asked_before.model_copy(),  # the same session's check-in due again
        check_in(low, program_id=OWN_QUESTIONS),
    ]
    names = {known: "known", ended: "ended", unknown: "unknown", again: "again", low: "low", low_before: "low-before"}
    for i, c in enumerate(check_ins):
        names.setdefault(c.session_id, f"{names[c.pair_id]}-{i}")
    return check_ins, names


async def outcome(
    pool, check_ins: list[CheckInDue], causes: list[Envelope], names: dict[UUID, str], announced: list[Envelope]
) -> dict[str, object]:
    """What the check-ins left, in names the same for every scenario."""
    pair_ids = list({c.pair_id for c in check_ins})
    async with pool.acquire() as conn:
        requests = await conn.fetch(
            f"SELECT session_id, role, questionnaire_version FROM {SCHEMA}.feedback_requests WHERE pair_id = ANY($1)",
            pair_ids,
        )
        sessions = await conn.fetch(
            f"SELECT session_id, kind, status FROM {SCHEMA}.sessions WHERE pair_id = ANY($1)", pair_ids
        )
        recognitions = await conn.fetch(
            f"SELECT pair_id, milestone FROM {SCHEMA}.recognitions WHERE pair_id = ANY($1)", pair_ids
        )
        health = await conn.fetch(
            f"SELECT pair_id, health_status, health_reasons FROM {SCHEMA}.pairs WHERE pair_id = ANY($1)", pair_ids
        )
    return {
        "requests": sorted((names[r["session_id"]], r["role"], r["questionnaire_version"]) for r in requests),
        "sessions": sorted((names[r["session_id"]], r["kind"], r["status"]) for r in sessions),
        "recognitions": sorted((names[r["pair_id"]], r["milestone"]) for r in recognitions),
        "health": sorted((names[r["pair_id"]], r["health_status"], r["health_reasons"]) for r in health),
        "announced": sorted(
            (names[c.session_id], i, [a.type for a in announced if a.causation_id == cause.id])
            for i, (c, cause) in enumerate(zip(check_ins, causes, strict=True))
        ),
    }


async def test_a_run_of_check_ins_stores_and_announces_what_one_at_a_time_would(pool, units, check_ins_due):
    one_at_a_time, names = await a_scenario(units)
    alone_causes = [envelope(event) for event in one_at_a_time]
    alone_announced = []
    for event, cause in zip(one_at_a_time, alone_causes, strict=True):
        async with units.begin(cause=cause) as uow:
            await check_ins_due(uow, [event])
        alone_announced += uow.emitted
    together, together_names = await a_scenario(units)
    causes = [envelope(event) for event in together]
    async with units.begin_batch() as batch:
        uow = batch.unit(causes=causes)
        await check_ins_due(uow, together)

    alone = await outcome(pool, one_at_a_time, alone_causes, names, alone_announced)
    run = await outcome(pool, together, causes, together_names, uow.emitted)
    assert run == alone
    assert ("known-0", "kickoff", "held") in run["sessions"] and ("known-4", "check_in", "held") in run["sessions"]
    assert ("known", "kickoff_held") in run["recognitions"]
    assert not [r for r in run["requests"] if r[0].startswith("ended")], "a pair its program completed is not asked"
    assert [r for r in run["requests"] if r[0].startswith("again")] == [
        ("again-3", "mentee", 1),
        ("again-3", "mentor", 1),
    ], "a session asked about before is asked once per person"
    assert ("unknown-1", 1, [FeedbackRequested.ce_type] * 2) in run["announced"], "each asked by their own cause"
    assert (
        "low",
        "at_risk",
        ["recent check-ins rate the sessions low", "speaking freely seems hard in this pair"],
    ) in (run["health"]), "the safety its own questionnaire asks about counted"
    assert (
        "low-6",
        6,
        [FeedbackRequested.ce_type] * 2 + [RecognitionAwarded.ce_type, PairHealthChanged.ce_type, PairAtRisk.ce_type],
    ) in run["announced"]


async def statements_of_a_run(units, check_ins_due, size: int, known: bool) -> int:
    """The statements a run of `size` check-ins of as many pairs costs; all of them known here, or none."""
    check_ins = [check_in(uuid4()) for _ in range(size)]
    if known:
        async with units.begin() as uow:
            for c in check_ins:
                await uow.repository.save_pair(c.pair_id, PROGRAM, c.mentor_id, c.mentee_id, datetime.now(UTC))
    statements: list[str] = []

    def logged(query: LoggedQuery) -> None:
        statements.append(query.query)

    async with units.begin_batch() as batch:
        batch.conn.add_query_logger(logged)
        try:
            await check_ins_due(batch.unit(causes=[envelope(event) for event in check_ins]), check_ins)
        finally:
            batch.conn.remove_query_logger(logged)
    return len(statements)


@pytest.mark.parametrize("known", [False, True], ids=["pairs not known yet", "known pairs"])
async def test_a_run_of_check_ins_costs_as_many_statements_for_ten_as_for_a_hundred(units, check_ins_due, known):
    await statements_of_a_run(units, check_ins_due, 3, known)  # the connection learns the statements' types once
    ten, hundred = (
        await statements_of_a_run(units, check_ins_due, 10, known),
        await statements_of_a_run(units, check_ins_due, 100, known),
    )
    assert 0 < ten == hundred

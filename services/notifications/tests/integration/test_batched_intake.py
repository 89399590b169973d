"""Feedback requests, new pairs, sessions booked and events notifications keeps nothing of taken a run at a time on the
real database: what a run owes (each message on each channel its recipient chose, with each side's conversation guide
in their language, each webhook subscriber's copy and none for an event nobody subscribed to, each pair remembered
and counted in its program's week) is what the same events taken one at a time owe, and the statements a run costs
do not grow with it."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from asyncpg.connection import LoggedQuery

from flipside_devstack.factories import enrolled, pair_created, profile
from flipside_devstack.fixtures import migrated_pool
from flipside_devstack.kafka_io import envelope
from flipside_notifications.app import MIGRATIONS, SERVICE
from flipside_notifications.domain.conversation_prompts import LearningAreas
from flipside_notifications.domain.preferences import Preferences
from flipside_notifications.handlers import build_handlers
from flipside_notifications.notices import Notices
from flipside_notifications.repository import NotificationsRepository
from flipside_notifications.settings import NotificationSettings
from flipside_shared.events import (
    CheckInDue,
    Event,
    FeedbackRequested,
    PairCreated,
    PairHealthChanged,
    ProgramDetails,
    RecognitionAwarded,
    SessionScheduled,
)
from flipside_shared.unit_of_work import UnitOfWorkFactory


@pytest.fixture(scope="module")
async def pool(sandbox):
    async with migrated_pool(sandbox, SERVICE, MIGRATIONS, 2) as pool:
        yield pool


@pytest.fixture(scope="module")
async def units(sandbox, pool):
    units = UnitOfWorkFactory(pool, "/flipside/notifications", sandbox.topic_prefix, NotificationsRepository)
    async with units.begin() as uow:
        await uow.repository.add_subscription(
            "https://hooks.example.com/pairs", "a-secret", [PairCreated.ce_type], "pairs only"
        )
        await uow.repository.add_subscription(
            "https://hooks.example.com/praise", "a-secret", [RecognitionAwarded.ce_type], "recognitions only"
        )
    return units


@pytest.fixture(scope="module")
def handlers():
    return build_handlers(Notices(NotificationSettings()))


def requested(participant_id: UUID) -> FeedbackRequested:
    return FeedbackRequested(
        request_id=uuid4(),
        pair_id=uuid4(),
        session_id=uuid4(),
        participant_id=participant_id,
        role="mentee",
        expires_at=datetime.now(UTC) + timedelta(days=14),
    )


def booked(pair: PairCreated, occurrence: int) -> SessionScheduled:
    starts_at = datetime.now(UTC) + timedelta(days=7 * occurrence + 1)
    attendee = {"time_zone": "UTC", "local_start": starts_at}
    return SessionScheduled(
        session_id=uuid4(),
        pair_id=pair.pair_id,
        program_id=pair.program_id,
        kind="kickoff" if occurrence == 0 else "check_in",
        starts_at=starts_at,
        duration_minutes=45,
        mentor={"participant_id": pair.mentor.participant_id, **attendee},
        mentee={"participant_id": pair.mentee.participant_id, **attendee},
        occurrence=occurrence,
    )


def told(pair: PairCreated) -> list[Event]:
    """Events of the pair notifications keeps nothing of: a check-in due, a recognition, a change of health."""
    now = datetime.now(UTC)
    mentor, mentee = pair.mentor.participant_id, pair.mentee.participant_id
    return [
        CheckInDue(
            session_id=uuid4(),
            pair_id=pair.pair_id,
            program_id=pair.program_id,
            mentor_id=mentor,
            mentee_id=mentee,
            session_started_at=now,
        ),
        RecognitionAwarded(
            recognition_id=uuid4(),
            pair_id=pair.pair_id,
            program_id=pair.program_id,
            participant_ids=[mentor, mentee],
            milestone="kickoff_held",
            awarded_at=now,
        ),
        PairHealthChanged(
            pair_id=pair.pair_id,
            program_id=pair.program_id,
            score=0.9,
            status="healthy",
            previous_status="watch",
            reasons=[],
            computed_at=now,
        ),
    ]


async def a_scenario(units) -> tuple[list[list[Event]], dict[UUID, str]]:
    """Runs of feedback requests, of new pairs (one announced twice under two event ids) and of sessions booked
    (a pair's kickoff and next session, and another pair's; a mentor who chose German and one whose profile is
    German, a program with prompts of its own in German), some people with channels of their own; a name for each
    person (ids differ from one scenario to the next)."""
    chat, both, plain = uuid4(), uuid4(), uuid4()
    program = f"intake-{uuid4().hex[:8]}"
    pair, other = pair_created(program_id=program), pair_created(program_id=program)
    async with units.begin() as uow:
        await uow.repository.save_preferences(
            chat, Preferences(channels=frozenset({"slack"}), chat_urls={"slack": "https://hooks.slack.com/a"})
        )
        await uow.repository.save_preferences(
            both, Preferences(channels=frozenset({"email", "teams"}), chat_urls={"teams": "https://teams.example/b"})
        )
        for side in (pair.mentor, pair.mentee, other.mentor, other.mentee):
            german = side is other.mentor
            await uow.repository.save_recipients(
                [(side.participant_id, profile(program_id=program, locale="de-DE" if german else "en-GB"))]
            )
        await uow.repository.save_preferences(pair.mentor.participant_id, Preferences(language="de"))
        conversations = uow.repository.conversations
        await conversations.remember_areas_of(
            [
                (pair.mentor.participant_id, LearningAreas(("TikTok content",), ("strategy",))),
                (pair.mentee.participant_id, LearningAreas(("budget planning",), ("social",))),
                (other.mentee.participant_id, LearningAreas((), ("AI tools",))),
            ]
        )
        await conversations.save_prompts(
            program,
            "social_media",
            "de",
            ["Was teilt ihr diese Woche?", "Welches Video hat euch überrascht?"],
            datetime.now(UTC),
        )
    runs: list[list[Event]] = [
        [requested(chat), requested(both), requested(plain), requested(both)],
        [pair, other, pair.model_copy()],
        [booked(pair, 0), booked(other, 0), booked(pair, 1)],
        [*told(pair), *told(other)],
    ]
    names = {chat: "chat", both: "both", plain: "plain", pair.pair_id: "pair", other.pair_id: "other"}
    for label, p in (("pair", pair), ("other", other)):
        names |= {p.mentor.participant_id: f"{label}-mentor", p.mentee.participant_id: f"{label}-mentee"}
    return runs, names


async def outcome(pool, runs: list[list[Event]], causes: dict[int, UUID], names: dict[UUID, str]) -> dict[str, object]:
    """What the runs owe and remember, in names the same for every scenario."""
    index = {event_id: i for i, event_id in causes.items()}
    program = next(e.program_id for run in runs for e in run if isinstance(e, PairCreated))
    async with pool.acquire() as conn:
        deliveries = await conn.fetch(
            f"SELECT event_id, recipient_id, channel, template, context->'conversation_prompts' AS prompts"
            f" FROM {SERVICE}.deliveries WHERE event_id = ANY($1)",
            list(index),
        )
        pairs = await conn.fetch(
            f"SELECT pair_id, mentor_id, mentee_id FROM {SERVICE}.pair_members WHERE program_id = $1", program
        )
        counted = await conn.fetch(f"SELECT what, count FROM {SERVICE}.program_activity WHERE program_id = $1", program)
    return {
        "deliveries": sorted(
            (
                index[r["event_id"]],
                names.get(r["recipient_id"], "subscriber"),
                r["channel"],
                r["template"],
                r["prompts"],
            )
            for r in deliveries
        ),
        "pairs": sorted((names[r["pair_id"]], names[r["mentor_id"]], names[r["mentee_id"]]) for r in pairs),
        "counted": sorted((r["what"], r["count"]) for r in counted),
    }


async def one_at_a_time(units, handlers, events: list) -> dict[int, UUID]:
    """Each event handled alone, in a transaction of its own, as a batch that failed is: the id of each one's cause."""
    causes: dict[int, UUID] = {}
    for i, event in enumerate(events):
        cause = envelope(event)
        causes[i] = cause.id
        async with units.begin(cause=cause) as uow:
            await handlers.handler_for(event, inbound=False)(uow, event)
    return causes


async def test_runs_of_requests_and_pairs_owe_and_remember_what_one_event_at_a_time_would(pool, units, handlers):
    runs, names = await a_scenario(units)
    alone = await outcome(pool, runs, await one_at_a_time(units, handlers, [e for run in runs for e in run]), names)

    runs, names = await a_scenario(units)
    causes: dict[int, UUID] = {}
    async with units.begin_batch() as batch:
        for run in runs:
            sent = [envelope(event) for event in run]
            causes |= {len(causes) + i: cause.id for i, cause in enumerate(sent)}
            many = handlers.many_handler_for(run[0], inbound=False)
            await many(batch.unit(causes=sent), run)
    together = await outcome(pool, runs, causes, names)

    assert together == alone
    assert [d for d in together["deliveries"] if d[0] == 1] == [
        (1, "both", "email", "feedback_requested", None),
        (1, "both", "teams", "feedback_requested", None),
    ]
    assert (4, "subscriber", "webhook", PairCreated.ce_type, None) in together["deliveries"]
    guides = {(d[0], d[1]): d[4] for d in together["deliveries"] if d[3] == "session_scheduled"}
    assert len(guides) == 6 and all(guides.values()), "each side of each session booked has a guide"
    assert "Was teilt ihr diese Woche?" in guides[7, "pair-mentor"], "the program's own prompt, in the chosen language"
    assert guides[7, "pair-mentor"] != guides[7, "pair-mentee"], "each side in their own language"
    assert guides[7, "pair-mentor"] != guides[9, "pair-mentor"], "the next session's prompts move on"
    recognitions = [d for d in together["deliveries"] if d[0] in (11, 14)]
    assert sorted(d[1:4] for d in recognitions) == [
        ("other-mentee", "email", "recognition"),
        ("other-mentor", "email", "recognition"),
        ("pair-mentee", "email", "recognition"),
        ("pair-mentor", "email", "recognition"),
        ("subscriber", "webhook", RecognitionAwarded.ce_type),
        ("subscriber", "webhook", RecognitionAwarded.ce_type),
    ]
    assert not [d for d in together["deliveries"] if d[0] in (10, 12, 13, 15)], "nobody subscribed to those"
    assert together["counted"] == [("paired", 3), ("sessions_booked", 3)], "each counted, as one at a time counts them"


async def statements_of_a_run(units, handlers, events: list[Event]) -> int:
    statements: list[str] = []

    def logged(query: LoggedQuery) -> None:
        statements.append(query.query)

    async with units.begin_batch() as batch:
        batch.conn.add_query_logger(logged)
        try:
            many = handlers.many_handler_for(events[0], inbound=False)
            await many(batch.unit(causes=[envelope(event) for event in events]), events)
        finally:
            batch.conn.remove_query_logger(logged)
    return len(statements)


@pytest.mark.parametrize(
    "make",
    [
        lambda: requested(uuid4()),
        lambda: pair_created(program_id="intake"),
        lambda: booked(pair_created(program_id="intake"), 1),
        lambda: told(pair_created(program_id="intake"))[1],
        lambda: enrolled(program_id="intake"),
    ],
    ids=["requests", "pairs", "sessions", "recognitions", "enrolments"],
)
async def test_a_run_costs_as_many_statements_for_ten_events_as_for_a_hundred(units, handlers, make):
    await statements_of_a_run(units, handlers, [make() for _ in range(3)])  # the connection learns the types once
    ten = await statements_of_a_run(units, handlers, [make() for _ in range(10)])
    assert 0 < ten == await statements_of_a_run(units, handlers, [make() for _ in range(100)])


async def an_enrolment_scenario(units) -> tuple[list[Event], dict[UUID, str]]:
    """A run of enrolments in a program known here and one not (yet) known: two people new here, one enrolling twice in
    the run with a changed profile, one known already (enrolled before the run), one in the unknown program."""
    program, unknown = f"enrol-{uuid4().hex[:8]}", f"enrol-{uuid4().hex[:8]}"
    new, twice, known, elsewhere = uuid4(), uuid4(), uuid4(), uuid4()
    async with units.begin() as uow:
        details = ProgramDetails(name="Reverse mentoring 2027")
        await uow.repository.save_program(program, "enrolling", details, datetime.now(UTC))
        await uow.repository.save_recipients([(known, profile(program_id=program))])
    skills = [{"name": "TikTok content", "level": 3}]
    run = [
        enrolled(new, program_id=program, display_name="Nia New", email="nia@example.com"),
        enrolled(twice, program_id=program, display_name="Tom First", email="tom@example.com"),
        enrolled(known, program_id=program, display_name="Kim Known", email="kim@example.com"),
        enrolled(twice, program_id=program, display_name="Tom Second", email="tom2@example.com", skills=skills),
        enrolled(elsewhere, program_id=unknown, display_name="Eli Elsewhere", email="eli@example.com"),
    ]
    return run, {new: "new", twice: "twice", known: "known", elsewhere: "elsewhere"}


async def enrolment_outcome(pool, run: list[Event], causes: dict[int, UUID], names: dict[UUID, str]) -> dict:
    index = {event_id: i for i, event_id in causes.items()}
    async with pool.acquire() as conn:
        deliveries = await conn.fetch(
            f"SELECT event_id, recipient_id, channel, template FROM {SERVICE}.deliveries WHERE event_id = ANY($1)",
            list(index),
        )
        people = await conn.fetch(
            f"SELECT r.participant_id, display_name, email, program_id = $2 AS in_program, skills, goals"
            f" FROM {SERVICE}.recipients r LEFT JOIN {SERVICE}.learning_areas a USING (participant_id)"
            f" WHERE r.participant_id = ANY($1)",
            list(names),
            run[0].profile.program_id,
        )
        counted = await conn.fetch(
            f"SELECT what, count FROM {SERVICE}.program_activity WHERE program_id = $1", run[0].profile.program_id
        )
    return {
        "deliveries": sorted(
            (index[r["event_id"]], names.get(r["recipient_id"], "subscriber"), r["channel"], r["template"])
            for r in deliveries
        ),
        "people": sorted(
            (names[r["participant_id"]], r["display_name"], r["email"], r["in_program"], r["skills"], r["goals"])
            for r in people
        ),
        "counted": sorted((r["what"], r["count"]) for r in counted),
    }


async def test_a_run_of_enrolments_stores_welcomes_and_counts_what_one_enrolment_at_a_time_would(pool, units, handlers):
    run, names = await an_enrolment_scenario(units)
    alone = await enrolment_outcome(pool, run, await one_at_a_time(units, handlers, run), names)

    run, names = await an_enrolment_scenario(units)
    sent = [envelope(event) for event in run]
    async with units.begin_batch() as batch:
        await handlers.many_handler_for(run[0], inbound=False)(batch.unit(causes=sent), run)
    together = await enrolment_outcome(pool, run, dict(enumerate(cause.id for cause in sent)), names)

    assert together == alone
    assert [d[:2] for d in together["deliveries"] if d[3] == "welcome"] == [(0, "new"), (1, "twice")], (
        "each person new here welcomed once, by their first enrolment; nobody welcomed to a program not known here"
    )
    assert ("twice", "Tom Second", "tom2@example.com", True, ["TikTok content"], ["strategy"]) in together["people"]
    assert together["counted"] == [("enrolled", 2)]

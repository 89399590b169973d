"""The feedback loop as a real process: program events in, check-ins, goals, health and recognition out;
answers over HTTP and from survey tools over Kafka; confidences kept, bad input refused with a reason."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import enrolled, pair_between
from flipside_devstack.kafka_io import TopicReader, envelope, publish
from flipside_devstack.links import survey_link
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import (
    CheckInDue,
    FeedbackRequested,
    FeedbackSubmitted,
    GoalAchieved,
    GoalSet,
    PairAtRisk,
    PairDeclined,
    PairHealthChanged,
    PairProposed,
    ParticipantErased,
    RecognitionAwarded,
    SessionCancelled,
    SessionScheduled,
)

PROGRAM = f"loop-{uuid4().hex[:8]}"
GOOD = {"session_value": 4, "could_speak_freely": 5, "partner_listened": 5, "time_well_spent": True}


@pytest.fixture(scope="module")
def feedback(sandbox, tmp_path_factory):
    env = sandbox.env(FLIPSIDE_FEEDBACK_HEALTH_SWEEP_SECONDS="1")
    with ServiceProcess("feedback", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


def feedback_topics(sandbox):
    return [f"{sandbox.topic_prefix}feedback", f"{sandbox.topic_prefix}feedback.dead-letter"]


async def a_pair(sandbox, department="Sales"):
    mentor = enrolled(program_id=PROGRAM, role="mentor", grade=2, department=department)
    mentee = enrolled(program_id=PROGRAM, role="mentee", grade=8, department="Finance")
    pair = pair_between(mentor, mentee, program_id=PROGRAM)
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee), envelope(pair)])
    return mentor, mentee, pair


def session(pair, kind="kickoff", starts_at=None):
    starts_at = starts_at or datetime.now(UTC) - timedelta(hours=1)
    attendee = {"time_zone": "Europe/Berlin", "local_start": starts_at.isoformat()}
    return SessionScheduled(
        session_id=uuid4(),
        pair_id=pair.pair_id,
        program_id=PROGRAM,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=45,
        mentor={"participant_id": pair.mentor.participant_id, **attendee},
        mentee={"participant_id": pair.mentee.participant_id, **attendee},
    )


def check_in_for(pair, scheduled):
    return CheckInDue(
        session_id=scheduled.session_id,
        pair_id=pair.pair_id,
        program_id=PROGRAM,
        mentor_id=pair.mentor.participant_id,
        mentee_id=pair.mentee.participant_id,
        session_started_at=scheduled.starts_at,
    )


def dead_reasons(reader):
    return [dict(r.headers)["dlq_reason"].decode() for r in reader.records if r.topic.endswith("dead-letter")]


async def test_a_pair_sets_goals_answers_its_check_in_and_is_recognised_while_answers_stay_with_their_authors(
    sandbox, feedback
):
    mentor, mentee, pair = await a_pair(sandbox)
    kickoff = session(pair)
    async with (
        TopicReader(sandbox.bootstrap_servers, feedback_topics(sandbox)) as reader,
        httpx.AsyncClient(headers=admin_headers(), base_url=feedback.url) as client,
    ):
        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(kickoff), envelope(check_in_for(pair, kickoff))]
        )
        await reader.read_until(
            lambda _: len([e for e in reader.events(FeedbackRequested) if e.event.pair_id == pair.pair_id]) == 2
        )
        requests = {e.event.role: e.event for e in reader.events(FeedbackRequested) if e.event.pair_id == pair.pair_id}

        senior_goal = await client.post(
            f"/pairs/{pair.pair_id}/goals",
            json={
                "owner_id": str(mentee.participant_id),
                "category": "digital",
                "title": "Run a team channel on my own",
            },
        )
        junior_goal = await client.post(
            f"/pairs/{pair.pair_id}/goals",
            json={
                "owner_id": str(mentor.participant_id),
                "category": "strategy",
                "title": "Understand how the budget is set",
            },
        )
        stranger = await client.post(
            f"/pairs/{pair.pair_id}/goals", json={"owner_id": str(uuid4()), "category": "other", "title": "x"}
        )
        nowhere = await client.post(
            f"/pairs/{uuid4()}/goals", json={"owner_id": str(mentor.participant_id), "category": "other", "title": "x"}
        )
        assert (senior_goal.status_code, junior_goal.status_code, stranger.status_code, nowhere.status_code) == (
            201,
            201,
            403,
            404,
        )
        goal_id = senior_goal.json()["goal_id"]

        mentee_link, mentor_link = (
            survey_link(feedback.url, requests["mentee"]),
            survey_link(feedback.url, requests["mentor"]),
        )
        answered = await client.post(
            mentee_link,
            json={
                "answers": {**GOOD, "comment": "I finally understand the channel"},
                "goal_progress": {goal_id: 100},
            },
        )
        assert answered.status_code == 200 and answered.json()["outcome"] == "recorded"
        someone_elses_goal = await client.post(mentor_link, json={"answers": GOOD, "goal_progress": {goal_id: 50}})
        assert someone_elses_goal.status_code == 409 and "owner" in someone_elses_goal.text

        partner_view = (await client.get(mentor_link)).json()
        assert partner_view["your_answers"] is None and "finally understand" not in str(partner_view)
        assert [g["title"] for g in partner_view["your_goals"]] == ["Understand how the budget is set"]
        own_view = (await client.get(mentee_link)).json()
        assert own_view["your_answers"]["comment"] == "I finally understand the channel"
        summary = (await client.get(f"/programs/{PROGRAM}/summary")).json()
        assert "finally understand" not in str(summary)

        await reader.read_until(
            lambda _: any(e.event.milestone == "goal_achieved" for e in reader.events(RecognitionAwarded))
        )
        await reader.drain(1)
    goals_set = {e.event.owner_role: e.event for e in reader.events(GoalSet) if e.event.pair_id == pair.pair_id}
    assert set(goals_set) == {"mentor", "mentee"} and goals_set["mentee"].category == "digital"
    [achieved] = [e.event for e in reader.events(GoalAchieved) if e.event.pair_id == pair.pair_id]
    assert str(achieved.goal_id) == goal_id and achieved.owner_id == mentee.participant_id
    milestones = Counter(
        e.event.milestone for e in reader.events(RecognitionAwarded) if e.event.pair_id == pair.pair_id
    )
    assert milestones == {"kickoff_held": 1, "goal_achieved": 1}
    [health] = [e.event for e in reader.events(PairHealthChanged) if e.event.pair_id == pair.pair_id]
    assert health.status == "healthy" and health.previous_status is None


async def test_a_check_in_handled_before_its_pair_is_known_is_recognised_and_judged_once_the_pair_arrives(
    sandbox, feedback
):
    """A restarted or lagging consumer of pairs can leave feedback hearing of a held kickoff first."""
    mentor = enrolled(program_id=PROGRAM, role="mentor", grade=2)
    mentee = enrolled(program_id=PROGRAM, role="mentee", grade=8)
    pair = pair_between(mentor, mentee, program_id=PROGRAM)
    kickoff = session(pair)
    async with TopicReader(sandbox.bootstrap_servers, feedback_topics(sandbox)) as reader:
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(mentor), envelope(mentee)])
        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(kickoff), envelope(check_in_for(pair, kickoff))]
        )
        await reader.read_until(
            lambda _: len([e for e in reader.events(FeedbackRequested) if e.event.pair_id == pair.pair_id]) == 2
        )
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair)])
        await reader.read_until(
            lambda _: (
                any(e.event.pair_id == pair.pair_id for e in reader.events(RecognitionAwarded))
                and any(e.event.pair_id == pair.pair_id for e in reader.events(PairHealthChanged))
            )
        )
        await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair)])  # redelivered: nothing again
        await reader.drain(2)
    milestones = Counter(
        e.event.milestone for e in reader.events(RecognitionAwarded) if e.event.pair_id == pair.pair_id
    )
    assert milestones == {"kickoff_held": 1}
    [health] = [e.event for e in reader.events(PairHealthChanged) if e.event.pair_id == pair.pair_id]
    assert health.status == "healthy" and health.previous_status is None


async def test_survey_tools_submit_over_kafka_and_bad_submissions_are_dead_lettered_with_the_reason(
    sandbox, feedback, db
):
    mentor, mentee, pair = await a_pair(sandbox)
    kickoff = session(pair)
    async with TopicReader(sandbox.bootstrap_servers, feedback_topics(sandbox)) as reader:
        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(kickoff), envelope(check_in_for(pair, kickoff))]
        )
        await reader.read_until(
            lambda _: len([e for e in reader.events(FeedbackRequested) if e.event.pair_id == pair.pair_id]) == 2
        )
        asked = next(
            e.event
            for e in reader.events(FeedbackRequested)
            if e.event.pair_id == pair.pair_id and e.event.role == "mentor"
        )

        def submitted(**changes):
            fields = dict(
                request_id=asked.request_id,
                pair_id=pair.pair_id,
                participant_id=mentor.participant_id,
                questionnaire_version=1,
                answers=GOOD,
                submitted_at=datetime.now(UTC),
            )
            return envelope(FeedbackSubmitted(**{**fields, **changes}))

        good = submitted()
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [
                good,
                good,
                submitted(answers={**GOOD, "session_value": 7}),
                submitted(participant_id=mentee.participant_id),
                submitted(request_id=uuid4()),
            ],
        )
        await reader.read_until(lambda _: len(dead_reasons(reader)) >= 3)
        await reader.drain(1)
    assert sorted(dead_reasons(reader)) == [
        "rejected: no such check-in request",
        "rejected: session_value: must be a whole number from 1 to 5, not 7",
        "rejected: this check-in was asked of someone else, about another pair",
    ]
    row = await db.fetchrow(
        "SELECT answers, revision, source FROM feedback.responses WHERE request_id = $1", asked.request_id
    )
    assert row["revision"] == 1 and row["source"] == "kafka" and '"session_value": 4' in row["answers"]


async def test_cancelled_sessions_and_low_ratings_put_a_pair_at_risk_once(sandbox, feedback):
    mentor, mentee, pair = await a_pair(sandbox)
    kickoff = session(pair)
    later = [session(pair, "check_in", datetime.now(UTC) + timedelta(days=d)) for d in (7, 14, 21)]
    cancellations = [
        SessionCancelled(
            session_id=s.session_id,
            pair_id=pair.pair_id,
            program_id=PROGRAM,
            kind="check_in",
            starts_at=s.starts_at,
            duration_minutes=45,
            participant_ids=[mentor.participant_id, mentee.participant_id],
            reason="requested",
            sequence=1,
            cancelled_at=datetime.now(UTC),
        )
        for s in later
    ]
    async with (
        TopicReader(sandbox.bootstrap_servers, feedback_topics(sandbox)) as reader,
        httpx.AsyncClient() as client,
    ):
        await publish(
            sandbox.bootstrap_servers,
            sandbox.topic_prefix,
            [envelope(s) for s in (kickoff, *later)]
            + [envelope(check_in_for(pair, kickoff))]
            + [envelope(c) for c in cancellations] * 2,
        )
        await reader.read_until(
            lambda _: len([e for e in reader.events(FeedbackRequested) if e.event.pair_id == pair.pair_id]) == 2
        )
        for asked in [e.event for e in reader.events(FeedbackRequested) if e.event.pair_id == pair.pair_id]:
            low = {"session_value": 1, "could_speak_freely": 1, "partner_listened": 2, "time_well_spent": False}
            assert (await client.post(survey_link(feedback.url, asked), json={"answers": low})).status_code == 200

        def latest_health():
            changes = [e.event for e in reader.events(PairHealthChanged) if e.event.pair_id == pair.pair_id]
            return changes[-1] if changes else None

        await reader.read_until(
            lambda _: (h := latest_health()) is not None and "recent check-ins rate the sessions low" in h.reasons
        )
        await reader.drain(2)
    [at_risk] = [e.event for e in reader.events(PairAtRisk) if e.event.pair_id == pair.pair_id]
    assert at_risk.mentor_id == mentor.participant_id and at_risk.reasons == ["2 of 3 sessions were cancelled"]
    health = latest_health()
    assert health.status == "at_risk" and health.previous_status == "at_risk", (
        "the reasons grew; the pair was at risk already"
    )
    assert "speaking freely seems hard in this pair" in health.reasons, "reasons name signals, never a side"
    assert "3 of 4 sessions were cancelled" in health.reasons, "each cancellation counted once, though delivered twice"


async def test_a_theme_of_concern_reaches_the_lead_only_from_five_people_and_never_with_an_author(
    sandbox, feedback, db
):
    people = [enrolled(program_id=PROGRAM, role="mentor", grade=1) for _ in range(5)]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(p) for p in people])
    async with httpx.AsyncClient(headers=admin_headers(), base_url=feedback.url) as client:
        for person in people:  # enrolments travel through Kafka: each is known once its self-assessment is taken
            for _ in range(100):
                answer = await client.put(
                    f"/participants/{person.participant_id}/self-assessments/baseline",
                    json={"scores": {"leadership_confidence": 2}},
                )
                if answer.status_code == 200:
                    break
                await asyncio.sleep(0.1)
        for index, person in enumerate(people[:4]):
            raised = await client.post(
                f"/programs/{PROGRAM}/concerns",
                json={
                    "participant_id": str(person.participant_id),
                    "theme": "time_and_workload",
                    "body": f"No time for sessions ({index})",
                },
            )
            assert raised.status_code == 202 and raised.json() == {"received": True}
        # The same person twice still counts once.
        await client.post(
            f"/programs/{PROGRAM}/concerns",
            json={
                "participant_id": str(people[0].participant_id),
                "theme": "time_and_workload",
                "body": "Really no time",
            },
        )
        # Two weeks pass: four people's concerns in closed weeks are still too few to show even the theme's name.
        await db.execute("UPDATE feedback.concerns SET raised_on = raised_on - 14 WHERE program_id = $1", PROGRAM)
        four = (await client.get(f"/programs/{PROGRAM}/concerns")).json()
        assert four["themes"] == [] and four["themes_withheld"] == [] and four["up_to"] is None
        await client.post(
            f"/programs/{PROGRAM}/concerns",
            json={
                "participant_id": str(people[4].participant_id),
                "theme": "time_and_workload",
                "body": "Meetings eat the week",
            },
        )
        assert (await client.get(f"/programs/{PROGRAM}/concerns")).json() == four, (
            "a concern raised this week shows nowhere yet"
        )
        await db.execute(
            "UPDATE feedback.concerns SET raised_on = raised_on - 8 WHERE program_id = $1 AND raised_on > current_date - 8",
            PROGRAM,
        )
        five = (await client.get(f"/programs/{PROGRAM}/concerns")).json()
        outsider = await client.post(
            f"/programs/{PROGRAM}/concerns",
            json={
                "participant_id": str(uuid4()),
                "theme": "other",
                "body": "x",
            },
        )
        bad_score = await client.put(
            f"/participants/{people[0].participant_id}/self-assessments/end",
            json={"scores": {"leadership_confidence": 9}},
        )
    [theme] = five["themes"]
    assert theme["theme"] == "time_and_workload" and theme["contributors"] == 5 and len(theme["concerns"]) == 6
    assert not any(str(p.participant_id) in str(five) for p in people)
    assert outsider.status_code == 404 and bad_score.status_code == 422
    assert await db.fetchval("SELECT count(*) FROM feedback.concerns WHERE program_id = $1", PROGRAM) == 6


async def test_erasure_leaves_nothing_that_names_or_points_to_the_person_and_keeps_the_numbers(sandbox, feedback, db):
    mentor, _mentee, pair = await a_pair(sandbox)
    kickoff = session(pair)
    async with (
        TopicReader(sandbox.bootstrap_servers, feedback_topics(sandbox)) as reader,
        httpx.AsyncClient(headers=admin_headers(), base_url=feedback.url) as client,
    ):
        await publish(
            sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(kickoff), envelope(check_in_for(pair, kickoff))]
        )
        await reader.read_until(
            lambda _: len([e for e in reader.events(FeedbackRequested) if e.event.pair_id == pair.pair_id]) == 2
        )
        asked = next(
            e.event
            for e in reader.events(FeedbackRequested)
            if e.event.pair_id == pair.pair_id and e.event.role == "mentor"
        )
        await client.post(survey_link(feedback.url, asked), json={"answers": {**GOOD, "comment": "my private words"}})
        await client.post(
            f"/pairs/{pair.pair_id}/goals",
            json={"owner_id": str(mentor.participant_id), "category": "leadership", "title": "Lead a meeting"},
        )
        await client.put(
            f"/participants/{mentor.participant_id}/self-assessments/baseline",
            json={"scores": {"leadership_confidence": 2}},
        )
        await client.post(
            f"/programs/{PROGRAM}/concerns",
            json={"participant_id": str(mentor.participant_id), "theme": "respect", "body": "words of mine"},
        )
    responses_before = await db.fetchval("SELECT count(*) FROM feedback.responses")
    await publish(
        sandbox.bootstrap_servers,
        sandbox.topic_prefix,
        [envelope(ParticipantErased(participant_id=mentor.participant_id, erased_at=datetime.now(UTC)))],
    )
    for _ in range(100):
        if (
            await db.fetchval(
                "SELECT count(*) FROM feedback.participants WHERE participant_id = $1", mentor.participant_id
            )
            == 0
        ):
            break
        await asyncio.sleep(0.1)
    everything = await db.fetch(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'feedback'"
        " AND table_name NOT IN ('inbox', 'outbox', 'schema_migrations', 'erasures')"
    )
    # erasures keeps the erased person's id and nothing else: what stops a later event bringing them back.
    assert [
        list(r.keys())
        for r in await db.fetch("SELECT * FROM feedback.erasures WHERE participant_id = $1", mentor.participant_id)
    ] == [["participant_id", "erased_at", "recorded_at"]]
    leftovers = []
    for row in everything:
        found = await db.fetchval(
            f'SELECT count(*) FROM feedback."{row["table_name"]}" WHERE "{row["column_name"]}"::text LIKE $1'
            f' OR "{row["column_name"]}"::text LIKE ANY($2::text[])',
            f"%{mentor.participant_id}%",
            ["%my private words%", "%words of mine%", "%Lead a meeting%"],
        )
        if found:
            leftovers.append(f"{row['table_name']}.{row['column_name']}")
    assert leftovers == [], "no table holds their id or their words"
    assert not await db.fetchval(
        "SELECT count(*) FROM feedback.outbox WHERE sent_at IS NOT NULL AND position(convert_to($1, 'UTF8') IN payload) > 0",
        str(mentor.participant_id),
    ), "nor a copy of an event already published"
    assert await db.fetchval("SELECT count(*) FROM feedback.responses") == responses_before, (
        "their ratings still count, unlinked"
    )
    assert await db.fetchval("SELECT count(*) FROM feedback.pairs WHERE pair_id = $1", pair.pair_id) == 1


async def test_declined_proposals_count_for_their_peoples_groups_in_match_acceptance(sandbox, feedback):
    program = f"acceptance-{uuid4().hex[:6]}"
    mentors = [enrolled(program_id=program, role="mentor", grade=2, department="Operations") for _ in range(6)]
    mentees = [enrolled(program_id=program, role="mentee", grade=9, department="Board") for _ in range(6)]
    proposals = [
        PairProposed(
            pair_id=uuid4(),
            program_id=program,
            mentor_id=mentor.participant_id,
            mentee_id=mentee.participant_id,
            proposed_by=mentee.participant_id,
            score=0.5,
            score_breakdown={},
            reasons=[],
            expires_at=datetime.now(UTC) + timedelta(days=3),
        )
        for mentor, mentee in zip(mentors, mentees, strict=False)
    ]
    declined = [
        PairDeclined(pair_id=p.pair_id, program_id=program, reason="declined", declined_at=datetime.now(UTC))
        for p in proposals
    ]
    await publish(
        sandbox.bootstrap_servers,
        sandbox.topic_prefix,
        [envelope(e) for e in (*mentors, *mentees, *proposals, *declined)],
    )

    def acceptance_by_department(insights):
        figure = next(f for f in insights["figures"] if f["key"] == "match_acceptance")
        cut = next(c for c in figure["cuts"] if c["dimension"] == "department")
        return {cell["group"]: (cell["people"], cell["value"]) for cell in cut["cells"]}

    async with httpx.AsyncClient(headers=admin_headers(), base_url=feedback.url) as client:
        cells = {}
        for _ in range(100):
            answer = await client.get(f"/programs/{program}/insights")
            # 404 until the first enrolment of the program has arrived over Kafka.
            cells = acceptance_by_department(answer.json()) if answer.status_code == 200 else {}
            if cells.get("Operations", (0, None))[0] == 6 and cells.get("Board", (0, None))[0] == 6:
                break
            await asyncio.sleep(0.2)
    assert cells["Operations"] == (6, 0.0) and cells["Board"] == (6, 0.0), "no pair ever names them; the proposal does"

"""The feedback loop's rules: valid answers per questionnaire version, what a submission becomes,
goals, milestones and pair health."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from flipside_feedback.domain.goals import GoalRefused, PairMembers, owner_role, progress
from flipside_feedback.domain.health import AT_RISK_BELOW, PairSignals, Rating, judge
from flipside_feedback.domain.milestones import session_milestones
from flipside_feedback.domain.population import grade_band
from flipside_feedback.domain.questionnaire import (
    BUILT_IN,
    InvalidAnswers,
    Questionnaire,
    checked_answers,
    free_text_ids,
)
from flipside_feedback.domain.submissions import AskedRequest, SubmissionRefused, outcome

NOW = datetime(2026, 6, 1, tzinfo=UTC)
GOOD = {"session_value": 4, "could_speak_freely": 5, "partner_listened": 5, "time_well_spent": True}


def test_answers_must_fit_the_questions_of_their_version():
    assert checked_answers(BUILT_IN, GOOD) == {**GOOD, "comment": None}
    with pytest.raises(InvalidAnswers) as refused:
        checked_answers(BUILT_IN, {**GOOD, "session_value": 7, "time_well_spent": "yes", "mood": 3})
    assert refused.value.problems == [
        "unknown question 'mood'",
        "session_value: must be a whole number from 1 to 5, not 7",
        "time_well_spent: must be true or false, not 'yes'",
    ]
    with pytest.raises(InvalidAnswers, match="partner_listened: an answer is required"):
        checked_answers(BUILT_IN, {k: v for k, v in GOOD.items() if k != "partner_listened"})
    with pytest.raises(InvalidAnswers, match="session_value"):
        checked_answers(BUILT_IN, {**GOOD, "session_value": True}), "a boolean is not a rating"


def test_a_program_questionnaire_keeps_session_value_and_unique_ids():
    custom = Questionnaire.model_validate(
        {
            "questions": [
                {"id": "session_value", "text": "Value?", "kind": "scale"},
                {"id": "learned", "text": "What did you learn?", "kind": "text", "optional": True},
            ]
        }
    )
    assert checked_answers(custom, {"session_value": 3}) == {"session_value": 3, "learned": None}
    assert free_text_ids(custom) == ["learned"] and free_text_ids(BUILT_IN) == ["comment"]
    with pytest.raises(ValidationError, match="session_value"):
        Questionnaire.model_validate({"questions": [{"id": "mood", "text": "Mood?", "kind": "scale"}]})
    with pytest.raises(ValidationError, match="unique"):
        Questionnaire.model_validate({"questions": [{"id": "session_value", "text": "a", "kind": "scale"}] * 2})


def test_a_submission_is_recorded_replaced_or_a_duplicate_and_refused_for_others_or_when_late():
    person, pair = uuid4(), uuid4()
    fresh = AskedRequest(uuid4(), pair, person, NOW + timedelta(days=1), None)
    assert outcome(fresh, person, pair, GOOD, NOW) == "recorded"
    answered = AskedRequest(fresh.request_id, pair, person, fresh.expires_at, GOOD)
    assert outcome(answered, person, pair, GOOD, NOW) == "duplicate"
    assert outcome(answered, person, pair, {**GOOD, "session_value": 2}, NOW) == "replaced"
    with pytest.raises(SubmissionRefused) as other:
        outcome(fresh, uuid4(), pair, GOOD, NOW)
    assert other.value.kind == "forbidden"
    with pytest.raises(SubmissionRefused) as other_pair:
        outcome(fresh, person, uuid4(), GOOD, NOW)
    assert other_pair.value.kind == "forbidden"
    with pytest.raises(SubmissionRefused) as late:
        outcome(fresh, person, pair, GOOD, fresh.expires_at)
    assert late.value.kind == "expired"


def test_goals_belong_to_the_pair_and_only_their_owner_moves_them():
    mentor, mentee = uuid4(), uuid4()
    pair = PairMembers(mentor, mentee, active=True)
    assert owner_role(pair, mentee) == "mentee" and owner_role(pair, mentor) == "mentor"
    with pytest.raises(GoalRefused):
        owner_role(pair, uuid4())
    with pytest.raises(GoalRefused, match="ended"):
        owner_role(PairMembers(mentor, mentee, active=False), mentor)
    assert progress("open", mentor, mentor, 60) == (60, False)
    assert progress("open", mentor, mentor, 100) == (100, True)
    with pytest.raises(GoalRefused, match="owner"):
        progress("open", mentor, mentee, 100)
    with pytest.raises(GoalRefused, match="achieved already"):
        progress("achieved", mentor, mentor, 100)


def test_milestones_come_with_the_kickoff_and_the_third_session():
    assert session_milestones([]) == []
    assert session_milestones(["kickoff"]) == ["kickoff_held"]
    assert session_milestones(["kickoff", "check_in", "check_in"]) == ["kickoff_held", "three_sessions"]


def test_grade_bands_are_broad():
    assert [grade_band(g) for g in (0, 3, 4, 6, 7, 30)] == ["junior", "junior", "mid", "mid", "senior", "senior"]


def rating(role, value, safety=4.5):
    return Rating(role, value, safety)


def test_a_thriving_pair_is_healthy_and_a_new_one_too():
    assert judge(PairSignals()).status == "healthy"
    good = PairSignals([rating("mentor", 5), rating("mentee", 4), rating("mentor", 5), rating("mentee", 5)], 3, 0, 4, 0)
    verdict = judge(good)
    assert verdict.status == "healthy" and verdict.reasons == [] and verdict.score > 0.8


def test_silence_cancellations_falling_and_uneven_ratings_put_a_pair_at_risk_with_reasons_that_name_no_side():
    falling = [rating("mentor", 4, 2), rating("mentee", 3, 2), rating("mentor", 2, 2), rating("mentee", 1, 1.5)]
    verdict = judge(
        PairSignals(falling, sessions_held=1, sessions_cancelled=3, requests_expired=4, requests_unanswered=3)
    )
    assert verdict.status == "at_risk" and verdict.score < AT_RISK_BELOW
    assert verdict.reasons == [
        "recent check-ins rate the sessions low",
        "ratings fell at every recent check-in",
        "speaking freely seems hard in this pair",
        "3 of 4 sessions were cancelled",
        "3 of 4 check-ins went unanswered",
    ]
    uneven = [rating("mentor", 1), rating("mentee", 5), rating("mentor", 2), rating("mentee", 5)]
    assert "the two sides rate their sessions very differently" in judge(PairSignals(uneven, 4, 0)).reasons
    assert not any("mentor" in r or "mentee" in r for r in verdict.reasons + judge(PairSignals(uneven, 4, 0)).reasons)


def test_one_cancelled_session_or_one_missed_check_in_is_not_yet_a_signal():
    assert (
        judge(PairSignals(sessions_held=0, sessions_cancelled=1, requests_expired=1, requests_unanswered=1)).status
        == "healthy"
    )
    assert judge(PairSignals(sessions_held=0, sessions_cancelled=3)).status == "at_risk"


@given(
    st.lists(
        st.tuples(st.sampled_from(["mentor", "mentee"]), st.integers(1, 5), st.one_of(st.none(), st.floats(1, 5))),
        max_size=8,
    ),
    st.integers(0, 10),
    st.integers(0, 10),
    st.integers(0, 10),
    st.data(),
)
def test_health_is_a_score_from_0_to_1_with_a_status_that_follows_it(ratings, held, cancelled, expired, data):
    unanswered = data.draw(st.integers(0, expired))
    verdict = judge(PairSignals([Rating(*r) for r in ratings], held, cancelled, expired, unanswered))
    assert 0 <= verdict.score <= 1
    assert (verdict.status == "at_risk") == (verdict.score < AT_RISK_BELOW)

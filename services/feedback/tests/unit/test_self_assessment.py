"""The closing self-assessment's answers through its link: scores 1-5 of known dimensions, changeable while open."""

from datetime import UTC, datetime

import pytest

from flipside_feedback.domain.closed_periods import Closing
from flipside_feedback.domain.questionnaire import InvalidAnswers
from flipside_feedback.domain.self_assessment import (
    DIMENSIONS,
    SelfAssessmentLocked,
    check_may_change,
    checked_scores,
    closing_questions,
)

MONDAY = datetime(2026, 12, 7, 9, tzinfo=UTC)


def test_scores_of_known_dimensions_from_1_to_5_are_taken_and_every_problem_is_named():
    assert checked_scores({"digital_confidence": 1, "leadership_confidence": 5}) == {
        "digital_confidence": 1,
        "leadership_confidence": 5,
    }
    with pytest.raises(InvalidAnswers) as refused:
        checked_scores(
            {"digital_confidence": 7, "leadership_confidence": 2.0, "strategic_understanding": True, "mood": 3}
        )
    assert refused.value.problems == [
        "unknown dimension 'mood'",
        "digital_confidence: a whole number from 1 to 5",
        "leadership_confidence: a whole number from 1 to 5",
        "strategic_understanding: a whole number from 1 to 5",
    ]
    with pytest.raises(InvalidAnswers, match="at least one"):
        checked_scores({})


def test_the_link_shows_one_optional_scale_per_dimension():
    questions = closing_questions()
    assert [q["id"] for q in questions] == list(DIMENSIONS)
    assert all(q["kind"] == "scale" and q["optional"] for q in questions)


def test_a_self_assessment_changes_while_its_week_is_open_and_not_after():
    weeks = Closing("week")
    check_may_change("end", None, weeks, MONDAY)
    check_may_change("end", MONDAY, weeks, datetime(2026, 12, 13, 23, tzinfo=UTC))
    with pytest.raises(SelfAssessmentLocked, match="end self-assessment"):
        check_may_change("end", MONDAY, weeks, datetime(2026, 12, 14, 1, tzinfo=UTC))

"""Figures of answers cover closed periods only: two reads around one answer cannot be subtracted to give it back."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from flipside_feedback.domain.closed_periods import Closing, published_until
from flipside_feedback.domain.concerns import RaisedConcern, concern_themes
from flipside_feedback.domain.program_figures import (
    CheckIn,
    Goal,
    Person,
    ProgramRecords,
    Rating,
    SelfAssessment,
    check_in_summary,
    program_insights,
)
from flipside_feedback.settings import FeedbackSettings

MARCH = datetime(2026, 3, 10, 15, tzinfo=UTC)
WEDNESDAY = datetime(2026, 5, 6, 11, tzinfo=UTC)
"""In the open week when the lead reads: Monday 4 May to Sunday 10 May."""
LINK_VALID = timedelta(days=14)
MINUTE = timedelta(minutes=1)

MENTEES = [uuid4() for _ in range(10)]
PEOPLE = {m: Person("Sales", "senior") for m in MENTEES}
GOALS = {m: uuid4() for m in MENTEES}


def answered_in_march() -> ProgramRecords:
    """Ten mentees rated a session, set a goal and assessed themselves at baseline and end, all in March."""
    return ProgramRecords(
        people=PEOPLE,
        enrolments=[],
        proposals=[],
        sessions=[],
        pairs=[],
        ratings=[Rating(uuid4(), m, MARCH, 4, 4, 5, MARCH + LINK_VALID) for m in MENTEES],
        goals=[Goal(GOALS[m], m, MARCH, "open", None) for m in MENTEES],
        self_assessments=[
            *(SelfAssessment(m, "baseline", {"digital_confidence": 2}, MARCH) for m in MENTEES),
            *(SelfAssessment(m, "end", {"digital_confidence": 3}, MARCH) for m in MENTEES[1:]),
        ],
    )


def with_one_person_answering(records: ProgramRecords, person, at: datetime) -> ProgramRecords:
    """`person` rates a session, achieves their goal and gives their end self-assessment, all at `at`."""
    return replace(
        records,
        ratings=[*records.ratings, Rating(uuid4(), person, at, 1, 1, 1, at + LINK_VALID)],
        goals=[replace(g, status="achieved", achieved_at=at) if g.owner == person else g for g in records.goals],
        self_assessments=[*records.self_assessments, SelfAssessment(person, "end", {"digital_confidence": 5}, at)],
    )


def test_two_reads_just_before_and_just_after_one_answer_in_the_open_period_are_identical():
    before = answered_in_march()
    after = with_one_person_answering(before, MENTEES[0], WEDNESDAY)

    for unit in ("week", "month"):
        read_before = program_insights(before, unit, WEDNESDAY - MINUTE)
        read_after = program_insights(after, unit, WEDNESDAY + MINUTE)
        assert read_after.figures == read_before.figures
        assert read_after.answers_up_to == read_before.answers_up_to == datetime(2026, 5, 4, tzinfo=UTC)

    shown = {f.key: f for f in program_insights(after, "month", WEDNESDAY + MINUTE).figures}
    assert (shown["session_value"].program.value, shown["session_value"].program.people) == (4.0, 10)
    assert shown["goal_completion"].program.value == 0.0, "the goal achieved this week is still open here"
    assert shown["self_assessment_change:digital_confidence"].program.people == 9
    assert shown["session_value"].up_to == datetime(2026, 3, 30, tzinfo=UTC), (
        "the end of the week the March links expired"
    )


def test_an_answer_shows_once_its_period_closed_with_enough_other_people_answering_in_it():
    march = answered_in_march()
    one_late = with_one_person_answering(march, MENTEES[0], WEDNESDAY)
    # Long after: the week its link expired has ended, but no one else answered near it.
    alone = program_insights(one_late, "week", WEDNESDAY + 10 * LINK_VALID)
    assert alone.figures == program_insights(march, "week", WEDNESDAY + 10 * LINK_VALID).figures

    four_more = replace(
        one_late,
        ratings=[
            *one_late.ratings,
            *(Rating(uuid4(), m, WEDNESDAY, 3, 3, 3, WEDNESDAY + LINK_VALID) for m in MENTEES[1:5]),
        ],
    )
    hidden = {f.key: f for f in program_insights(four_more, "week", WEDNESDAY + LINK_VALID).figures}
    shown = {f.key: f for f in program_insights(four_more, "week", WEDNESDAY + 2 * LINK_VALID).figures}
    assert hidden["session_value"].program.value == 4.0, "their links expire this week: still open"
    assert (shown["session_value"].program.value, shown["session_value"].program.people) == (
        round((40 + 1 + 12) / 15, 2),
        10,
    )
    assert shown["session_value"].up_to == datetime(2026, 5, 25, tzinfo=UTC)
    assert shown["goal_completion"].program.value == 0.0, "one goal achieved in a week is one person: not shown alone"


def test_the_check_in_summary_of_two_reads_around_one_answer_is_identical_and_counts_it_once_its_week_closed():
    closing = Closing("week")
    march = [CheckIn(m, MARCH + LINK_VALID, True, 4, 5) for m in MENTEES] + [
        CheckIn(uuid4(), MARCH + LINK_VALID, False, None, None)
    ]
    asked_now = [CheckIn(m, WEDNESDAY + LINK_VALID, False, None, None) for m in MENTEES[:5]]
    answered_now = [replace(c, answered=True, session_value=1, could_speak_freely=1) for c in asked_now]

    before = check_in_summary(march + asked_now, closing, WEDNESDAY - MINUTE)
    assert check_in_summary(march + answered_now[:1] + asked_now[1:], closing, WEDNESDAY + MINUTE) == before
    assert before == {
        "up_to": "2026-03-30T00:00:00+00:00",
        "requests": 11,
        "responses": 10,
        "mean_session_value": 4.0,
        "mean_could_speak_freely": 5.0,
    }
    later = check_in_summary(march + answered_now, closing, WEDNESDAY + 2 * LINK_VALID)
    assert later == {
        "up_to": "2026-05-25T00:00:00+00:00",
        "requests": 16,
        "responses": 15,
        "mean_session_value": 3.0,
        "mean_could_speak_freely": 3.67,
    }


def test_a_concern_raised_in_the_open_week_changes_nothing_the_lead_sees_until_its_week_closed_with_enough_people():
    closing = Closing("week")
    march = [RaisedConcern("respect", f"body {n}", bytes([n]), MARCH.date()) for n in range(5)]
    now = RaisedConcern("respect", "just raised", b"\xff", WEDNESDAY.date())
    before = concern_themes(march, closing, WEDNESDAY - MINUTE)
    assert concern_themes([*march, now], closing, WEDNESDAY + MINUTE) == before
    assert before.shown == {"respect": (5, [f"body {n}" for n in range(5)])} and before.withheld == []

    others = [RaisedConcern("other", "also", bytes([n]), WEDNESDAY.date() + timedelta(days=1)) for n in range(10, 14)]
    later = concern_themes([*march, now, *others], closing, WEDNESDAY + LINK_VALID)
    assert later.shown["respect"] == (6, sorted([*(f"body {n}" for n in range(5)), "just raised"]))
    assert later.withheld == ["other"] and later.up_to == datetime(2026, 5, 11, tzinfo=UTC)


def test_a_concern_dated_sunday_counts_in_the_week_after_when_the_programs_monday_began_before_the_day_ended():
    berlin = Closing("week", ZoneInfo("Europe/Berlin"))
    sunday = RaisedConcern("respect", "late on Sunday", b"\x01", datetime(2026, 5, 10).date())
    assert berlin.start_of(sunday.dated_at) == datetime(2026, 5, 10, 22, tzinfo=UTC), (
        "the week from Monday 11 May in Berlin"
    )


def test_periods_between_publications_are_merged_until_they_hold_enough_people():
    answered = [(datetime(2026, 4, 7, tzinfo=UTC), "a"), (datetime(2026, 4, 7, tzinfo=UTC), "b")]
    answered += [(datetime(2026, 4, 14, tzinfo=UTC), person) for person in ("a", "c", "d")]
    answered += [(datetime(2026, 4, 22, tzinfo=UTC), "e")]
    closing = Closing("week")
    assert published_until(answered, closing, datetime(2026, 4, 20, tzinfo=UTC)) is None, "a, b, c, d: four people"
    assert published_until(answered, closing, datetime(2026, 4, 28, tzinfo=UTC)) == datetime(2026, 4, 27, tzinfo=UTC)
    assert published_until(answered, closing, datetime(2026, 4, 26, tzinfo=UTC)) is None, "e's week is still open"


def test_periods_begin_at_midnight_in_the_programs_time_zone():
    berlin = Closing("week", ZoneInfo("Europe/Berlin"))
    sunday_night_in_berlin = datetime(2026, 5, 10, 22, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    assert berlin.start_of(sunday_night_in_berlin) == datetime(2026, 5, 10, 22, tzinfo=UTC)
    assert Closing("week").start_of(sunday_night_in_berlin) == datetime(2026, 5, 4, tzinfo=UTC)
    new_york = Closing("month", ZoneInfo("America/New_York"))
    start = new_york.start_of(datetime(2026, 12, 1, 3, tzinfo=UTC))  # still 30 November in New York
    assert start == datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert new_york.end_of(start) == datetime(2026, 12, 1, 5, tzinfo=UTC)


def test_the_programs_periods_come_from_settings_and_an_unknown_time_zone_is_refused_naming_the_variable():
    secrets = {"FLIPSIDE_FEEDBACK_LINK_SECRET": "a" * 32, "FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY": "c" * 32}
    assert FeedbackSettings(**secrets).insights_closing() == Closing("week", ZoneInfo("UTC"))
    monthly = FeedbackSettings(
        **secrets, FLIPSIDE_FEEDBACK_INSIGHTS_CLOSED_PERIOD="month", FLIPSIDE_FEEDBACK_INSIGHTS_TIME_ZONE="Europe/Paris"
    )
    assert monthly.insights_closing() == Closing("month", ZoneInfo("Europe/Paris"))
    for unknown in ("Mars/Olympus_Mons", "../../etc/passwd"):
        with pytest.raises(ValidationError, match="FLIPSIDE_FEEDBACK_INSIGHTS_TIME_ZONE"):
            FeedbackSettings(**secrets, FLIPSIDE_FEEDBACK_INSIGHTS_TIME_ZONE=unknown)

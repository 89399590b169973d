"""Each figure of a program's insights on a small hand-built program, with the numbers worked out by hand."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from flipside_feedback.domain.insights import Withheld
from flipside_feedback.domain.program_figures import (
    Enrolment,
    Goal,
    PairHealth,
    Person,
    ProgramRecords,
    Proposal,
    Rating,
    SelfAssessment,
    Session,
    period_of,
    program_insights,
)

MARCH = datetime(2026, 3, 10, tzinfo=UTC)
APRIL = datetime(2026, 4, 14, tzinfo=UTC)
NOW = datetime(2026, 5, 1, tzinfo=UTC)
APRIL_30 = datetime(2026, 4, 30, tzinfo=UTC)
MAY_11 = datetime(2026, 5, 11, tzinfo=UTC)
JUNE = datetime(2026, 6, 1, tzinfo=UTC)

# Ten mentors in IT (junior), ten mentees in Sales (senior); pair i is mentor i with mentee i.
MENTORS = [uuid4() for _ in range(10)]
MENTEES = [uuid4() for _ in range(10)]
PEOPLE = {
    **{m: Person("IT", "junior") for m in MENTORS},
    **{m: Person("Sales", "senior") for m in MENTEES},
}
PAIRS = [(uuid4(), (mentor, mentee)) for mentor, mentee in zip(MENTORS, MENTEES, strict=False)]


def records(**changes) -> ProgramRecords:
    nothing_yet = {
        "people": PEOPLE,
        "enrolments": [],
        "proposals": [],
        "sessions": [],
        "ratings": [],
        "goals": [],
        "pairs": [],
        "self_assessments": [],
    }
    return ProgramRecords(**{**nothing_yet, **changes})


def figure(insights, key):
    return next(f for f in insights.figures if f.key == key)


def cells(fig, dimension):
    cut = next(c for c in fig.cuts if c.dimension == dimension)
    return {cell.group: (cell.value, cell.people) for cell in cut.cells}


def test_enrolment_counts_people_by_role_and_withholds_a_department_of_three_and_its_complement():
    legal = [uuid4() for _ in range(3)]
    people = {**PEOPLE, **{p: Person("Legal", "mid") for p in legal}}
    enrolments = [Enrolment(p, "mentor", MARCH) for p in MENTORS] + [
        Enrolment(p, "mentee", APRIL) for p in MENTEES + legal
    ]
    insights = program_insights(records(people=people, enrolments=enrolments), "month", NOW)

    assert [f.key for f in insights.figures if f.key.startswith("enrolled_")] == ["enrolled_mentee", "enrolled_mentor"]
    mentees = figure(insights, "enrolled_mentee")
    assert mentees.program.value == 13 and mentees.program.people == 13
    # Legal's 3 alone would be 13 - 10; Sales (the only other) goes too.
    assert cells(mentees, "department") == {"Legal": (None, None), "Sales": (None, None)}
    assert {c.group: c.withheld for c in mentees.cuts[1].cells} == {
        "Legal": Withheld.FEWER_THAN_K,
        "Sales": Withheld.COMPLEMENT,
    }
    assert cells(mentees, "month") == {"2026-04": (13, 13)}
    assert cells(figure(insights, "enrolled_mentor"), "grade_band") == {"junior": (10, 10)}


def test_match_acceptance_is_accepted_of_decided_and_unknown_people_count_for_no_group():
    accepted = [Proposal(pair, members, MARCH, "accepted") for pair, members in PAIRS[:6]]
    declined = [Proposal(uuid4(), (), MARCH, "declined") for _ in range(2)]
    still_open = [Proposal(uuid4(), (), APRIL, None)]
    fig = figure(
        program_insights(records(proposals=accepted + declined + still_open), "month", NOW), "match_acceptance"
    )

    assert (fig.program.value, fig.program.people) == (0.75, 12)
    # The declined ones' people are unknown ("not stated", withheld); IT goes too, or the rest would give them back.
    assert cells(fig, "department") == {"IT": (None, None), "Sales": (1.0, 6), "not stated": (None, None)}
    assert cells(fig, "month") == {"2026-03": (0.75, 12)}, "an open proposal is not decided"


def test_sessions_held_are_of_those_due_cancelled_ones_count_as_not_held_and_future_ones_not_at_all():
    sessions = [
        *(Session(uuid4(), members, MARCH, "held") for _, members in PAIRS),
        *(Session(uuid4(), members, APRIL, "held" if i < 5 else "cancelled") for i, (_, members) in enumerate(PAIRS)),
        *(Session(uuid4(), members, NOW + timedelta(days=7), "planned") for _, members in PAIRS),
    ]
    fig = figure(program_insights(records(sessions=sessions), "month", NOW), "sessions_held")

    assert (fig.program.value, fig.program.people) == (0.75, 20)
    assert cells(fig, "department") == {"IT": (0.75, 10), "Sales": (0.75, 10)}
    assert cells(fig, "month") == {"2026-03": (1.0, 20), "2026-04": (0.5, 20)}


def test_a_session_counts_once_in_a_group_both_its_people_belong_to():
    together = {m: Person("IT", "junior") for _, members in PAIRS for m in members}
    sessions = [
        Session(uuid4(), members, MARCH, "held" if i < 4 else "cancelled") for i, (_, members) in enumerate(PAIRS)
    ]
    fig = figure(program_insights(records(people=together, sessions=sessions), "month", NOW), "sessions_held")
    assert cells(fig, "department") == {"IT": (0.4, 20)}


def test_ratings_and_psychological_safety_are_means_over_responses_by_period():
    ratings = [
        *(Rating(uuid4(), mentor, MARCH, 4, 3, 5, MARCH) for mentor in MENTORS),
        *(Rating(uuid4(), mentee, APRIL, 5, 4, 4, APRIL) for mentee in MENTEES),
        *(Rating(uuid4(), mentee, APRIL, None, None, None, APRIL) for mentee in MENTEES[:2]),
    ]
    insights = program_insights(records(ratings=ratings), "month", NOW)
    value, safety = figure(insights, "session_value"), figure(insights, "psychological_safety")

    assert (value.program.value, value.program.people) == (4.5, 20)
    assert cells(value, "month") == {"2026-03": (4.0, 10), "2026-04": (5.0, 10)}
    assert cells(safety, "grade_band") == {"junior": (4.0, 10), "senior": (4.0, 10)}
    assert cells(figure(program_insights(records(ratings=ratings), "week", NOW), "session_value"), "week") == {
        "2026-W11": (4.0, 10),
        "2026-W16": (5.0, 10),
    }


def test_a_month_with_few_respondents_is_withheld_with_the_smallest_other():
    ratings = [
        *(Rating(uuid4(), p, MARCH, 4, 4, 4, MARCH) for p in MENTORS + MENTEES),
        *(Rating(uuid4(), p, APRIL, 2, 2, 2, APRIL) for p in MENTORS),
        # Two answers in May, final in the same closed week as three more from April: a week of five people.
        *(Rating(uuid4(), p, NOW, 1, 1, 1, MAY_11) for p in MENTEES[:2]),
        *(Rating(uuid4(), p, APRIL_30, 2, 2, 2, MAY_11) for p in MENTORS[:3]),
    ]
    fig = figure(program_insights(records(ratings=ratings), "month", JUNE), "session_value")
    assert {c.group: c.withheld for c in fig.cuts[3].cells} == {
        "2026-03": None,
        "2026-04": Withheld.COMPLEMENT,
        "2026-05": Withheld.FEWER_THAN_K,
    }


def test_goal_completion_is_achieved_of_set_by_owner():
    goals = [
        Goal(
            uuid4(), mentee, MARCH, "achieved" if i < 6 else ("dropped" if i == 9 else "open"), MARCH if i < 6 else None
        )
        for i, mentee in enumerate(MENTEES)
    ]
    fig = figure(program_insights(records(goals=goals), "month", NOW), "goal_completion")
    assert (fig.program.value, fig.program.people) == (0.6, 10)
    assert cells(fig, "department") == {"Sales": (0.6, 10)}


def test_pairs_at_risk_are_among_active_pairs():
    pairs = [
        PairHealth(
            pair, members, ended=(i == 9), status="at_risk" if i in (0, 1, 9) else ("healthy" if i < 7 else None)
        )
        for i, (pair, members) in enumerate(PAIRS)
    ]
    fig = figure(program_insights(records(pairs=pairs), "month", NOW), "pairs_at_risk")
    assert (fig.program.value, fig.program.people) == (0.222, 18)
    assert [cut.dimension for cut in fig.cuts] == ["program", "department", "grade_band"], (
        "a pair's risk is now, not a period"
    )


def test_self_assessment_change_is_end_minus_baseline_over_people_with_both():
    assessments = [
        *(SelfAssessment(m, "baseline", {"digital_confidence": 2, "storytelling": 3}, MARCH) for m in MENTEES),
        *(
            SelfAssessment(m, "end", {"digital_confidence": 4 if i % 2 else 3}, MARCH)
            for i, m in enumerate(MENTEES[:8])
        ),
        *(SelfAssessment(m, "end", {"storytelling": 5, "digital_confidence": True}, MARCH) for m in MENTEES[8:]),
        *(SelfAssessment(m, "baseline", {"leadership": 1}, MARCH) for m in MENTORS),
    ]
    figures = {f.key: f for f in program_insights(records(self_assessments=assessments), "month", NOW).figures}
    change = figures["self_assessment_change:digital_confidence"]
    assert (change.program.value, change.program.people) == (1.5, 8)
    assert change.label == "Self-assessed digital confidence: change from baseline to end"
    assert "self_assessment_change:storytelling" not in figures, "two people's own dimension is not even named"
    assert "self_assessment_change:leadership" not in figures, "no one has an end assessment of it"


def test_a_program_with_nothing_recorded_says_so_rather_than_withholding():
    insights = program_insights(records(people={}), "month", NOW)
    acceptance = figure(insights, "match_acceptance")
    assert (acceptance.program.value, acceptance.program.people, acceptance.program.suppressed) == (None, 0, False)
    assert all(cut.cells == () for cut in acceptance.cuts[1:])


def test_periods_are_iso_weeks_and_months():
    assert period_of(datetime(2027, 1, 1, tzinfo=UTC), "week") == "2026-W53"
    assert period_of(datetime(2025, 12, 29, tzinfo=UTC), "week") == "2026-W01"
    assert period_of(datetime(2026, 2, 28, tzinfo=UTC), "month") == "2026-02"


def test_people_missing_from_the_participants_are_placed_as_not_stated():
    stranger = UUID(int=7)
    ratings = [Rating(uuid4(), p, MARCH, 3, 3, 3, MARCH) for p in [*MENTORS[:5], stranger]]
    fig = figure(program_insights(records(ratings=ratings), "month", NOW), "session_value")
    assert {c.group: c.withheld for c in fig.cuts[1].cells} == {
        "IT": Withheld.COMPLEMENT,
        "not stated": Withheld.FEWER_THAN_K,
    }

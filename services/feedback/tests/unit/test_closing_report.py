"""The closing report of a small hand-built program, with its numbers worked out by hand, and the rules of a close."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from flipside_feedback.domain.closed_periods import Closing
from flipside_feedback.domain.closing import (
    ClosingReportUnavailable,
    ReportReaders,
    asks_closing_self_assessment,
    closing_of,
    report_available,
    takes_check_ins,
)
from flipside_feedback.domain.closing_report import ClosedPair, ClosingRecords, ProgramFacts, closing_report
from flipside_feedback.domain.program_figures import SelfAssessment

MARCH = datetime(2026, 3, 10, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 10, tzinfo=UTC)
COMPLETED = datetime(2026, 11, 30, tzinfo=UTC)
NOW = datetime(2026, 12, 9, tzinfo=UTC)
MONTHS = Closing("month")

PROGRAM = ProgramFacts("Pilot", "completed", None, None, COMPLETED, ["Lea Lead"], ["Cora CFO"])
MENTORS = [uuid4() for _ in range(6)]
MENTEES = [uuid4() for _ in range(6)]


def assessed(people: list[UUID], phase: str, at: datetime, **scores: object) -> list[SelfAssessment]:
    return [SelfAssessment(person, phase, scores, at) for person in people]


def records(**changes) -> ClosingRecords:
    fields = {
        "program": PROGRAM,
        "pairs": [
            ClosedPair((mentor, mentee), "program_completed", "healthy")
            for mentor, mentee in zip(MENTORS, MENTEES, strict=True)
        ],
        "withdrawn": {},
        "self_assessments": [],
        "sessions_held": 0,
        "goals_set": 0,
        "goals_achieved": 0,
    }
    return ClosingRecords(**{**fields, **changes})


def test_before_and_after_are_means_of_enough_people_and_the_change_is_over_those_who_gave_both():
    everyone = MENTORS + MENTEES
    report = closing_report(
        records(
            self_assessments=[
                *assessed(everyone, "baseline", MARCH, digital_confidence=2),
                *assessed(everyone[:5], "end", NOVEMBER, digital_confidence=5),
                *assessed(everyone[5:8], "end", NOVEMBER, digital_confidence=3),
            ]
        ),
        MONTHS,
        NOW,
    )
    # After: five fives and three threes = 34 / 8; change: five of +3 and three of +1 = 18 / 8.
    assert report["self_assessments"]["dimensions"] == {
        "digital_confidence": {
            "before": {"mean": 2.0, "people": 12},
            "after": {"mean": 4.25, "people": 8},
            "change": {"mean": 2.25, "people": 8},
        }
    }
    assert report["self_assessments"]["up_to"] == datetime(2026, 12, 1, tzinfo=UTC)


def test_fewer_than_five_people_are_withheld_and_a_dimension_only_they_answered_is_not_named():
    report = closing_report(
        records(
            self_assessments=[
                *assessed(MENTORS, "baseline", MARCH, digital_confidence=2, leadership_confidence=1),
                *assessed(MENTORS[:4], "end", NOVEMBER, digital_confidence=4),
                *assessed(MENTEES[:3], "baseline", MARCH, strategic_understanding=5),
            ]
        ),
        MONTHS,
        NOW,
    )
    assert report["self_assessments"]["dimensions"] == {
        "digital_confidence": {"before": {"mean": 2.0, "people": 6}, "after": None, "change": None},
        "leadership_confidence": {"before": {"mean": 1.0, "people": 6}, "after": None, "change": None},
    }


def test_answers_of_the_open_period_wait_until_it_closes():
    everyone = MENTORS + MENTEES
    assessments = [
        *assessed(everyone, "baseline", MARCH, digital_confidence=2),
        *assessed(everyone, "end", NOW - timedelta(days=1), digital_confidence=4),
    ]
    before = closing_report(records(self_assessments=assessments), MONTHS, NOW)
    after = closing_report(records(self_assessments=assessments), MONTHS, datetime(2027, 1, 2, tzinfo=UTC))
    assert before["self_assessments"]["dimensions"]["digital_confidence"]["after"] is None
    assert after["self_assessments"]["dimensions"]["digital_confidence"]["after"] == {"mean": 4.0, "people": 12}


def test_pairs_at_the_end_count_graduates_and_health_and_retention_tells_who_left_the_company():
    leaver, quitter, late = MENTORS[4], MENTEES[5], MENTORS[0]
    pairs = [
        ClosedPair((MENTORS[0], MENTEES[0]), "program_completed", "healthy"),
        ClosedPair((MENTORS[1], MENTEES[1]), "program_completed", "watch"),
        ClosedPair((MENTORS[2], MENTEES[2]), "program_completed", "at_risk"),
        ClosedPair((MENTORS[3], MENTEES[3]), "program_completed", None),
        ClosedPair((leaver, MENTEES[4]), "left_company", "healthy"),
        ClosedPair((MENTORS[5], quitter), "withdrawn", "watch"),
    ]
    withdrawn = {leaver: NOVEMBER, quitter: NOVEMBER, late: COMPLETED + timedelta(days=1)}
    report = closing_report(
        records(pairs=pairs, withdrawn=withdrawn, sessions_held=17, goals_set=9, goals_achieved=4), MONTHS, NOW
    )
    assert (report["sessions_held"], report["goals"]) == (17, {"set": 9, "achieved": 4})
    assert report["pairs"] == {
        "completed": 4,
        "dissolved_before_the_end": 2,
        "health_at_the_end": {"healthy": 1, "watch": 1, "at_risk": 1, "not_judged": 1},
        "graduates": 8,
    }
    # Someone who withdrew after the program completed left nothing during it.
    assert report["retention"] == {
        "participants": 12,
        "stayed": 10,
        "left_the_company": 1,
        "withdrew_otherwise": 1,
        "pairs_dissolved_as_someone_left_the_company": 1,
    }
    assert report["program"]["name"] == "Pilot"


def test_a_pair_ended_with_its_program_takes_no_more_check_ins_and_only_a_completed_one_closes_with_a_self_assessment():
    assert takes_check_ins(None) and takes_check_ins("mismatch")
    assert not takes_check_ins("program_completed") and not takes_check_ins("program_cancelled")
    assert asks_closing_self_assessment("program_completed")
    assert not asks_closing_self_assessment("program_cancelled") and not asks_closing_self_assessment("left_company")
    pair = uuid4()
    assert closing_of(pair) == closing_of(pair) != closing_of(uuid4())


def test_only_a_completed_program_has_a_closing_report():
    report_available("completed")
    for status, reason in (("cancelled", "cancelled"), ("running", "once it completes")):
        with pytest.raises(ClosingReportUnavailable, match=reason):
            report_available(status)


def test_the_program_s_leads_and_sponsors_read_its_report_and_no_one_else():
    readers = ReportReaders(leads={"lea"}, sponsors={"cora"})
    assert readers.admits("lea", leads_by_token=False)
    assert readers.admits("cora", leads_by_token=False)
    assert readers.admits("an-admin-or-a-lead-by-token", leads_by_token=True)
    assert not readers.admits("someone-else", leads_by_token=False)

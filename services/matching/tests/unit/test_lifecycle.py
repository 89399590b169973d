"""A program's status machine: which transitions each status allows, who may enrol when, and when pairs are made."""

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flipside_matching.domain.lifecycle import STEPS, ProgramLife, Transition, check_details, pair_completion_reason
from flipside_matching.domain.refusals import Conflict, Invalid
from flipside_shared.events import (
    ProgramCancelled,
    ProgramCompleted,
    ProgramDetails,
    ProgramEnrolmentClosed,
    ProgramOpened,
    ProgramStarted,
)
from flipside_shared.events.programs import ProgramStatus

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
STATUSES: tuple[ProgramStatus, ...] = get_args(ProgramStatus)
TRANSITIONS: tuple[Transition, ...] = get_args(Transition)


def life(status: ProgramStatus, **details: object) -> ProgramLife:
    return ProgramLife("pilot", status, ProgramDetails(name="Pilot", **details) if details else None)


def test_a_program_goes_from_draft_to_completed_one_step_at_a_time():
    status: ProgramStatus = "draft"
    announced = []
    for transition in ("open", "close-enrolment", "start", "complete"):
        step = life(status).step(transition)
        status = step.to
        announced.append((step.event, status))
    assert announced == [
        (ProgramOpened, "open"),
        (ProgramEnrolmentClosed, "matching"),
        (ProgramStarted, "running"),
        (ProgramCompleted, "completed"),
    ]


@pytest.mark.parametrize("status", ["draft", "open", "matching", "running"])
def test_any_status_before_completed_may_be_cancelled(status):
    step = life(status).step("cancel")
    assert (step.to, step.event) == ("cancelled", ProgramCancelled)


@given(st.sampled_from(STATUSES), st.sampled_from(TRANSITIONS))
def test_an_illegal_transition_is_refused_with_the_status_and_what_it_needs(status, transition):
    allowed = STEPS[transition].allowed_from
    if status in allowed:
        assert life(status).step(transition).to == STEPS[transition].to
        return
    with pytest.raises(Conflict) as refused:
        life(status).step(transition)
    assert str(refused.value).startswith(f"program 'pilot' is {status}: {transition} is only possible from ")


@pytest.mark.parametrize("ended", ["completed", "cancelled"])
def test_an_ended_program_changes_no_more_and_makes_no_pairs(ended):
    for transition in TRANSITIONS:
        with pytest.raises(Conflict):
            life(ended).step(transition)
    with pytest.raises(Conflict, match=f"is {ended}: its details no longer change"):
        life(ended).check_editable()
    with pytest.raises(Conflict, match=f"is {ended}: it takes no enrolments"):
        life(ended).check_enrolment_open(NOW)
    assert not life(ended).pairs_may_be_made


def test_enrolment_is_open_only_while_the_program_is_open_and_inside_its_window():
    window = {"enrolment_opens_at": NOW - timedelta(days=1), "enrolment_closes_at": NOW + timedelta(days=1)}
    life("open", **window).check_enrolment_open(NOW)
    with pytest.raises(Conflict, match="is a draft: enrolment has not opened yet"):
        life("draft", **window).check_enrolment_open(NOW)
    with pytest.raises(Conflict, match="opens at 2027-03-01T09:00:00"):
        life("open", enrolment_opens_at=NOW).check_enrolment_open(NOW - timedelta(seconds=1))
    with pytest.raises(Conflict, match="closed at 2027-03-02T09:00:00"):
        life("open", **window).check_enrolment_open(NOW + timedelta(days=1))
    with pytest.raises(Conflict, match="enrolment in program 'pilot' is closed"):
        life("matching", **window).check_enrolment_open(NOW)
    closed_then_started = ProgramLife("pilot", "running", ProgramDetails(name="Pilot"), enrolment_closed_at=NOW)
    with pytest.raises(Conflict, match="is closed"):
        closed_then_started.check_enrolment_open(NOW)


def test_a_program_defined_by_its_policy_alone_runs_with_enrolment_open_and_is_named_by_its_id():
    legacy = ProgramLife("pilot", "running")
    legacy.check_enrolment_open(NOW)
    assert legacy.pairs_may_be_made
    assert legacy.described == ProgramDetails(name="pilot")


def test_pairs_are_made_while_open_matching_or_running():
    assert {status for status in STATUSES if life(status).pairs_may_be_made} == {"open", "matching", "running"}
    with pytest.raises(Conflict, match="is draft: no pairs are made in it"):
        life("draft").check_pairs_may_be_made()


def test_completed_pairs_say_whether_their_program_completed_or_was_cancelled():
    assert pair_completion_reason("completed") == "program_completed"
    assert pair_completion_reason("cancelled") == "program_cancelled"


def test_details_need_dates_in_order_and_a_previous_cohort_that_does_not_lead_back():
    check_details("second", ProgramDetails(name="Second", previous_cohort="first"), ["first"])
    with pytest.raises(Invalid, match="enrolment_opens_at must be before enrolment_closes_at"):
        check_details("pilot", ProgramDetails(name="P", enrolment_opens_at=NOW, enrolment_closes_at=NOW), [])
    with pytest.raises(Invalid, match="starts_on must not be after ends_on"):
        check_details("pilot", ProgramDetails(name="P", starts_on=NOW.date(), ends_on=NOW.date() - timedelta(1)), [])
    with pytest.raises(Invalid, match="cannot follow itself"):
        check_details("first", ProgramDetails(name="First", previous_cohort="second"), ["second", "first"])

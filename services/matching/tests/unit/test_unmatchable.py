"""Rolling matching tells apart someone no enrolled person could ever partner and someone who waits for room."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from flipside_devstack.factories import profile
from flipside_matching.domain.engine import unmatchable, who_fits
from flipside_matching.domain.model import Participant, ProgramPolicy
from flipside_matching.domain.rolling import ProgramStanding, arrive
from flipside_matching.domain.taxonomy import Taxonomy

TAXONOMY = Taxonomy.load()
WEEK = date(2026, 1, 12)
POLICY = ProgramPolicy()
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def person(active_pairs: int = 0, mentored: bool = False, **overrides) -> Participant:
    return Participant(
        uuid4(), profile(**overrides), active_pairs, T0 + timedelta(minutes=len(overrides)), mentored=mentored
    )


def test_a_mentor_whose_grade_passes_no_mentees_reverse_rule_is_unmatchable_with_the_run_s_reason():
    mentor = person(role="mentor", grade=9)
    mentees = [person(role="mentee", grade=g) for g in (3, 9)]
    assert unmatchable(mentor, [mentor, *mentees], POLICY, TAXONOMY, WEEK) == [
        "no mentee passes the reverse rule (at least 1 grade(s) below the mentee)"
    ]


def test_a_later_rule_names_how_many_passed_the_earlier_ones():
    mentee = person(role="mentee", grade=8, languages=["de"])
    mentors = [person(role="mentor", grade=2, languages=["fr"]), person(role="mentor", grade=9)]
    assert unmatchable(mentee, [mentee, *mentors], POLICY, TAXONOMY, WEEK) == [
        "none of the 1 mentor(s) left after the earlier rules shares a language"
    ]


def test_someone_whose_only_fits_are_busy_waits_and_is_not_unmatchable():
    mentor = person(role="mentor", grade=2)
    busy = person(role="mentee", grade=8, active_pairs=1, mentored=True)
    free_but_too_junior = person(role="mentee", grade=1)
    assert unmatchable(mentor, [mentor, busy, free_but_too_junior], POLICY, TAXONOMY, WEEK) == []


def test_nobody_of_the_other_role_enrolled_yet_is_waiting_not_unmatchable():
    mentor = person(role="mentor", grade=2)
    assert unmatchable(mentor, [mentor, person(role="mentor", grade=1)], POLICY, TAXONOMY, WEEK) == []


def test_either_role_is_unmatchable_only_when_neither_side_has_a_fit():
    either = person(role="either", grade=5)
    juniors_only = [person(role="mentee", grade=1), person(role="mentor", grade=3)]
    assert unmatchable(either, [either, *juniors_only], POLICY, TAXONOMY, WEEK) == [], (
        "the junior mentor could mentor them"
    )
    seniors_who_only_mentor = [person(role="mentor", grade=9), person(role="mentee", grade=2)]
    assert unmatchable(either, [either, *seniors_who_only_mentor], POLICY, TAXONOMY, WEEK) == [
        "no mentor passes the reverse rule (at least 1 grade(s) below the mentee)",
        "no mentee passes the reverse rule (at least 1 grade(s) below the mentee)",
    ]


def test_a_newcomer_fits_those_it_passes_every_hard_rule_with_whether_or_not_they_are_busy():
    newcomer = person(role="mentor", grade=2)
    busy_fit = person(role="mentee", grade=8, active_pairs=1, mentored=True)
    too_junior, also_a_mentor = person(role="mentee", grade=1), person(role="mentor", grade=9)
    assert who_fits(newcomer, [busy_fit, too_junior, also_a_mentor], POLICY, TAXONOMY, WEEK) == {
        busy_fit.participant_id
    }


@pytest.mark.parametrize("fit_enrolled_before", [0, 3, 4, 20, 40])
def test_an_arrival_with_one_fit_anywhere_among_the_enrolled_waits_and_is_not_told_it_is_unmatchable(
    fit_enrolled_before,
):
    """The latest of a fitting role are tried first, then the latest of any role, then everyone: wherever the one
    fit is, the newcomer waits for them (they are busy, so no pair is made)."""
    too_junior = [person(role="mentee", grade=1, active_pairs=1, mentored=True) for _ in range(44)]
    fit = person(role="mentee", grade=8, active_pairs=1, mentored=True)
    enrolled = [*too_junior[:fit_enrolled_before], fit, *too_junior[fit_enrolled_before:]][::-1]
    newcomer = person(role="mentor", grade=2)
    standing = ProgramStanding({p.participant_id: p for p in enrolled})
    arrival = arrive(standing, newcomer, POLICY, TAXONOMY, WEEK, {}, candidates_considered=40)
    assert arrival.pair is None and arrival.unmatchable == []
    assert newcomer.participant_id not in standing.told_unmatchable


def test_an_arrival_no_one_enrolled_fits_is_told_why():
    enrolled = [person(role="mentee", grade=1) for _ in range(40)]
    newcomer = person(role="mentor", grade=2)
    standing = ProgramStanding({p.participant_id: p for p in enrolled})
    arrival = arrive(standing, newcomer, POLICY, TAXONOMY, WEEK, {}, candidates_considered=40)
    assert arrival.unmatchable == ["no mentee passes the reverse rule (at least 1 grade(s) below the mentee)"]
    assert newcomer.participant_id in standing.told_unmatchable

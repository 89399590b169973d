"""Who may answer a rematch offer for a pair at risk, and when the flag goes on its own."""

from dataclasses import replace
from uuid import uuid4

from flipside_matching.domain.at_risk import PROGRAM_LEAD, PairStanding, recovered, refusal, role_of

FLAGGED = PairStanding(uuid4(), "pilot", uuid4(), uuid4(), active=True, at_risk=True)


def test_the_mentor_the_mentee_and_the_program_lead_may_answer_an_open_offer():
    confirmers = (FLAGGED.mentor_id, FLAGGED.mentee_id, PROGRAM_LEAD)
    assert [refusal(FLAGGED, c) for c in confirmers] == [None, None, None]
    assert [role_of(FLAGGED, c) for c in confirmers] == ["mentor", "mentee", "program lead"]


def test_a_stranger_is_refused_as_having_no_say_whatever_the_pair_s_state():
    for pair in (FLAGGED, replace(FLAGGED, active=False), replace(FLAGGED, at_risk=False)):
        refused = refusal(pair, uuid4())
        assert refused is not None and refused.not_theirs and "mentor, its mentee or the program lead" in refused.reason


def test_no_offer_is_open_for_an_ended_pair_an_unflagged_one_or_one_whose_rematch_is_confirmed():
    cases = {
        "the pair has already ended": replace(FLAGGED, active=False),
        "the pair is not flagged at risk": replace(FLAGGED, at_risk=False),
        "a rematch is already confirmed for this pair": replace(FLAGGED, rematch_confirmed_by=PROGRAM_LEAD),
    }
    for reason, pair in cases.items():
        refused = refusal(pair, pair.mentee_id)
        assert refused is not None and not refused.not_theirs and refused.reason == reason


def test_a_healthy_pair_loses_its_flag_unless_someone_confirmed_the_rematch():
    assert recovered(FLAGGED, "healthy")
    assert not recovered(FLAGGED, "watch") and not recovered(FLAGGED, "at_risk")
    assert not recovered(replace(FLAGGED, rematch_confirmed_by=str(FLAGGED.mentee_id)), "healthy")
    assert not recovered(replace(FLAGGED, at_risk=False), "healthy")

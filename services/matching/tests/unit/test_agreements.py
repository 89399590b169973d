"""Enrolment and a program's agreement: none needed without one; the current version, once there is one."""

from datetime import UTC, datetime

import pytest

from flipside_matching.domain.agreements import ProgramAgreement, check_accepted
from flipside_matching.domain.orientation import built_in_guide
from flipside_matching.domain.refusals import Invalid

AGREEMENT = ProgramAgreement("pilot", 3, "We meet.", "It stays here.", datetime(2026, 3, 1, tzinfo=UTC))


def test_a_program_without_an_agreement_enrols_as_before():
    check_accepted(None, None)
    check_accepted(None, 2)


def test_only_the_current_version_accepted_enrols():
    check_accepted(AGREEMENT, 3)
    with pytest.raises(Invalid, match="enrol with agreement_version 3"):
        check_accepted(AGREEMENT, None)
    with pytest.raises(Invalid, match=r"version 2 .* is not the current one"):
        check_accepted(AGREEMENT, 2)


def test_built_in_guides_come_in_english_and_german_and_fall_back_to_english():
    assert [s.topic for s in built_in_guide("mentor", "de").sections] == [
        "mentoring_upward",
        "setting_boundaries",
        "feedback_to_a_senior",
    ]
    assert built_in_guide("mentee", "fr").language == "en"
    assert built_in_guide("mentee", "de").sections[0].body != built_in_guide("mentee", "en").sections[0].body

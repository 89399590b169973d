"""The reasons matching gives, for a pair and for someone left without one, are said again in the recipient's
language by notifications: every sentence real matching runs give is one notifications knows, reads as it came in
English, and is German in German."""

from dataclasses import replace
from datetime import date

import pytest

from flipside_matching import synthetic
from flipside_matching.domain.engine import run
from flipside_matching.domain.model import ProgramPolicy, Weights
from flipside_matching.domain.taxonomy import Taxonomy
from flipside_notifications.domain.reasons import translated_reason
from flipside_notifications.domain.rendering import translations

POLICIES = [
    ProgramPolicy(direction=direction, min_grade_gap=gap, min_overlap_minutes=overlap, weights=Weights(interests=1))
    for direction in ("reverse", "ordinary")
    for gap, overlap in ((1, 60), (4, 1500))
]


@pytest.fixture(scope="module")
def results():
    people, taxonomy = synthetic.participants(50, seed=7), Taxonomy.load()
    return [run(people, policy, taxonomy, date(2026, 3, 2)) for policy in POLICIES]


def check(reasons: set[str]) -> None:
    english, german = translations("en").gettext, translations("de").gettext
    for reason in reasons:
        assert translated_reason(reason, english) == reason
        assert translated_reason(reason, german) != reason, f"notifications does not know {reason!r}"


def test_every_reason_for_a_pair_is_known_kept_in_english_and_translated_in_german(results):
    reasons = {reason for result in results for pair in result.pairs for reason in pair.reasons}
    assert len(reasons) > 20
    check(reasons)


def test_every_reason_for_someone_without_a_partner_is_known_too(results):
    reasons = {reason for result in results for found in result.unmatched.values() for reason in found}
    assert len(reasons) > 5
    check(reasons)


def test_a_tie_lost_for_want_of_room_is_known_too():
    """Mentees and mentors alike in everything but role, fewer mentors than mentees: the draw settles the ties."""
    people = synthetic.participants(12, seed=7)
    template = people[0].profile.model_copy(update={"exclusions": [], "manager_id": None, "reporting_chain": []})
    alike = [
        replace(person, profile=template.model_copy(update={"role": "mentor", "grade": 2, "capacity": 1}))
        if i < 3
        else replace(person, profile=template.model_copy(update={"role": "mentee", "grade": 9}))
        for i, person in enumerate(people)
    ]
    result = run(alike, ProgramPolicy(), Taxonomy.load(), date(2026, 3, 2), draw="tied")
    reasons = {reason for found in result.unmatched.values() for reason in found}
    assert reasons and all("draw settled the tie" in reason for reason in reasons)
    check(reasons)

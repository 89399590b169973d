from datetime import UTC, datetime, timedelta
from uuid import uuid4

from flipside_matching.domain.model import MatchPolicy, Participant
from flipside_matching.domain.pairing import best_partner
from flipside_matching.domain.rules import violations
from flipside_shared.testing.factories import profile

T0 = datetime(2026, 1, 5, tzinfo=UTC)
POLICY = MatchPolicy(min_grade_gap=2)


def person(minutes: int = 0, active_pairs: int = 0, **overrides) -> Participant:
    return Participant(uuid4(), profile(**overrides), active_pairs, T0 + timedelta(minutes=minutes))


def test_reverse_rule_requires_the_mentor_to_be_junior_by_the_gap():
    assert violations(person(role="mentor", grade=3), person(role="mentee", grade=5), POLICY) == []
    assert "mentor is not 2 grade(s) below the mentee" in violations(
        person(role="mentor", grade=4), person(role="mentee", grade=5), POLICY
    )


def test_never_inside_one_reporting_line():
    boss = person(role="mentee", grade=9)
    report = person(role="mentor", grade=2, manager_id=boss.participant_id)
    assert "same reporting line" in violations(report, boss, POLICY)


def test_exclusions_languages_capacity_and_roles_are_hard_rules():
    mentee = person(role="mentee", grade=9)
    assert "excluded by one of them" in violations(
        person(role="mentor", exclusions=[mentee.participant_id]), mentee, POLICY
    )
    assert "no shared language" in violations(person(role="mentor", languages=["fr"]), mentee, POLICY)
    assert "no capacity left" in violations(person(role="mentor", active_pairs=1), mentee, POLICY)
    assert "roles do not fit" in violations(person(role="mentee", grade=1), mentee, POLICY)
    assert "different programs" in violations(person(role="mentor", program_id="other"), mentee, POLICY)


def test_best_partner_prefers_mutual_learning_and_explains_it():
    mentee = person(role="mentee", grade=9, department="Finance", skills=[{"name": "strategy"}], goals=[{"name": "TikTok"}])
    unrelated = person(minutes=1, role="mentor", grade=2, skills=[{"name": "Excel"}], goals=[])
    fitting = person(minutes=2, role="mentor", grade=2, skills=[{"name": "tiktok"}], goals=[{"name": "Strategy"}])
    chosen = best_partner(mentee, [unrelated, fitting], POLICY)
    assert chosen is not None and chosen.mentor is fitting and chosen.mentee is mentee
    assert chosen.score == 2.5
    assert "mentor teaches tiktok" in chosen.reasons and "mentee teaches strategy" in chosen.reasons
    assert "crosses departments" in chosen.reasons


def test_ties_go_to_whoever_waited_longest_and_either_role_takes_the_junior_side():
    newcomer = person(minutes=10, role="either", grade=1, skills=[], goals=[])
    later = person(minutes=5, role="mentee", grade=8, skills=[], goals=[])
    earlier = person(minutes=1, role="mentee", grade=8, skills=[], goals=[])
    chosen = best_partner(newcomer, [later, earlier], POLICY)
    assert chosen is not None and chosen.mentee is earlier and chosen.mentor is newcomer


def test_nobody_fits_means_no_pair():
    assert best_partner(person(role="mentor", grade=5), [person(role="mentee", grade=6)], POLICY) is None

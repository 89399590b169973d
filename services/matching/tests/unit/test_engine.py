"""The matching engine on synthetic programs: hard rules, capacity, stability, explanations, optimality."""

import itertools
import random
from dataclasses import replace
from uuid import uuid4

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flipside_matching import synthetic
from flipside_matching.domain.assignment import best_assignment, dense_optimum, greedy_pairs, objective
from flipside_matching.domain.candidates import CandidateSpace
from flipside_matching.domain.engine import as_if_unpaired, best_partner, run, split_sides
from flipside_matching.domain.model import ProgramPolicy
from flipside_matching.domain.reporting import chains, managers_of
from flipside_matching.domain.rules import violations
from services.matching.tests.unit.programs import TAXONOMY, WEEK, policies, program


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(2, 60), seed=st.integers(0, 10_000), policy=policies)
def test_a_run_breaks_no_hard_rule_exceeds_no_capacity_and_explains_every_score(size, seed, policy):
    people = program(size, seed, exclusions=0.2, partners=0.2)
    result = run(people, policy, TAXONOMY, WEEK)
    above = chains(managers_of((p.participant_id, p.profile.manager_id, p.profile.reporting_chain) for p in people))
    for pair in result.pairs:
        assert violations(pair.mentor, pair.mentee, policy, above, WEEK) == []
        assert abs(sum(pair.breakdown.values()) - pair.score) < 1e-9
        assert pair.reasons and pair.reasons[0].startswith(policy.direction)
    mentor_load = {}
    for pair in result.pairs:
        mentor_load[pair.mentor.participant_id] = mentor_load.get(pair.mentor.participant_id, 0) + 1
    by_id = {p.participant_id: p for p in people}
    assert all(load <= by_id[m].profile.capacity for m, load in mentor_load.items())
    mentees = [pair.mentee.participant_id for pair in result.pairs]
    assert len(mentees) == len(set(mentees)), "a mentee has one mentor"
    assert not set(mentees) & set(mentor_load), "nobody is on both sides of one run"
    paired = set(mentees) | set(mentor_load)
    assert not paired & set(result.unmatched), "the unmatched are unmatched"
    assert all(reasons for reasons in result.unmatched.values())


@settings(max_examples=15, deadline=None)
@given(size=st.integers(2, 80), seed=st.integers(0, 10_000))
def test_the_same_program_gives_the_same_pairs_in_any_input_order(size, seed):
    people = program(size, seed)
    shuffled = people[:]
    random.Random(seed).shuffle(shuffled)
    first = run(people, ProgramPolicy(), TAXONOMY, WEEK)
    again = run(shuffled, ProgramPolicy(), TAXONOMY, WEEK)
    assert [(p.mentor.participant_id, p.mentee.participant_id, p.score) for p in first.pairs] == [
        (p.mentor.participant_id, p.mentee.participant_id, p.score) for p in again.pairs
    ]


def brute_force(space):
    """Every way of giving each mentee one mentor or none, within capacity: the true optimum, most pairs first."""
    scores = space.scored(space_rows(space))
    best = (0, 0.0)
    options = [[None, *range(space.shape[1])] for _ in range(space.shape[0])]
    for choice in itertools.product(*options):
        load = {}
        total = 0.0
        for row, col in enumerate(choice):
            if col is None:
                continue
            if not scores[row, col] > float("-inf"):
                break
            load[col] = load.get(col, 0) + 1
            total += float(scores[row, col])
        else:
            if all(load[c] <= space.slots[c] for c in load):
                best = max(best, (sum(load.values()), total))
    return best


def space_rows(space):
    return np.arange(space.shape[0])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), gap=st.integers(0, 3))
def test_the_assignment_is_exactly_optimal_on_small_programs(seed, gap):
    people = program(12, seed)
    policy = ProgramPolicy(min_grade_gap=gap, min_overlap_minutes=0)
    mentees, mentors = split_sides(people, policy)
    space = CandidateSpace(mentees[:5], mentors[:5], policy, TAXONOMY, WEEK)
    pairs, score = objective(space, best_assignment(space, per_mentee=space.shape[1] or 1).pairs)
    best_pairs, best_score = brute_force(space)
    assert pairs == best_pairs
    assert score == pytest.approx(best_score, abs=1e-4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sparse_assignment_matches_dense_linear_sum_assignment(seed):
    people = synthetic.participants(600, seed=seed)
    mentees, mentors = split_sides(people, ProgramPolicy())
    space = CandidateSpace(mentees, mentors, ProgramPolicy(), TAXONOMY, WEEK)
    exact_pairs, exact_score = objective(space, dense_optimum(space))
    every_candidate = objective(space, best_assignment(space, per_mentee=space.shape[1]).pairs)
    assert every_candidate[0] == exact_pairs and every_candidate[1] == pytest.approx(exact_score, rel=1e-6)
    kept_candidates = objective(space, best_assignment(space).pairs)
    assert kept_candidates[0] == exact_pairs and kept_candidates[1] >= 0.999 * exact_score
    assert objective(space, greedy_pairs(space)) <= (exact_pairs, exact_score + 1e-6)


def test_a_newcomer_gets_the_best_waiting_partner_and_ties_go_to_the_longest_waiting():
    people = synthetic.participants(80, seed=5)
    policy = ProgramPolicy()
    newcomer = next(p for p in people if p.profile.role == "mentee")
    waiting = [p for p in people if p is not newcomer]
    pair = best_partner(newcomer, waiting, policy, TAXONOMY, WEEK)
    assert pair is not None and pair.mentee is newcomer
    mentors = [p for p in waiting if p.mentor_slots > 0]
    space = CandidateSpace([newcomer], mentors, policy, TAXONOMY, WEEK)
    assert pair.score == pytest.approx(float(space.scored(space_rows(space)).max()), abs=1e-5)
    # The same profile enrolled earlier under another id scores the same, and wins for having waited.
    earlier = replace(pair.mentor, participant_id=uuid4(), enrolled_at=pair.mentor.enrolled_at.replace(year=2025))
    assert best_partner(newcomer, [pair.mentor, earlier], policy, TAXONOMY, WEEK).mentor is earlier


def test_unmatched_people_are_told_which_rule_left_them_alone():
    people = synthetic.participants(40, seed=3)
    policy = ProgramPolicy(min_grade_gap=30)
    result = run(people, policy, TAXONOMY, WEEK)
    assert not result.pairs
    assert all(any("reverse rule" in reason for reason in reasons) for reasons in result.unmatched.values())


def test_an_empty_or_one_sided_program_runs_to_nobody_paired():
    assert run([], ProgramPolicy(), TAXONOMY, WEEK).pairs == []
    mentors = [p for p in synthetic.participants(30, seed=2) if p.profile.role == "mentor"]
    result = run(mentors, ProgramPolicy(), TAXONOMY, WEEK)
    assert result.pairs == [] and all("no mentee with room left" in r[0] for r in result.unmatched.values())


def test_a_rerun_may_keep_or_replace_the_pairs_it_frees():
    people = synthetic.participants(120, seed=9)
    first = run(people, ProgramPolicy(), TAXONOMY, WEEK)
    paired = []
    for person in people:
        pairs = [x for x in first.pairs if person.participant_id in (x.mentor.participant_id, x.mentee.participant_id)]
        partners = frozenset(
            x.mentee.participant_id if x.mentor.participant_id == person.participant_id else x.mentor.participant_id
            for x in pairs
        )
        paired.append(
            replace(
                person,
                active_pairs=len(pairs),
                partners=partners,
                mentored=any(x.mentee.participant_id == person.participant_id for x in pairs),
            )
        )
    couples = [(x.mentor.participant_id, x.mentee.participant_id) for x in first.pairs]
    again = run(paired, ProgramPolicy(), TAXONOMY, WEEK)
    assert all((x.mentor.participant_id, x.mentee.participant_id) not in couples for x in again.pairs), (
        "without a rerun, earlier partners are never paired again"
    )
    rerun = run(as_if_unpaired(paired, couples), ProgramPolicy(), TAXONOMY, WEEK)
    assert sorted((x.mentor.participant_id, x.mentee.participant_id) for x in rerun.pairs) == sorted(couples), (
        "the same program with every pair freed finds the same optimum"
    )

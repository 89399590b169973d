"""The shortcuts a rolling arrival's small spaces take give what the general way gives: dense features instead of
sparse ones, overlaps pair by pair from a cache or every week's in one product, kinds numbered as one column, only
the chosen partners explained."""

import random
from dataclasses import replace
from datetime import timedelta
from unittest import mock
from uuid import UUID

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from flipside_matching import synthetic
from flipside_matching.domain import availability, candidates
from flipside_matching.domain.availability import Availability
from flipside_matching.domain.candidates import FACTORS, CandidateSpace, _kinds
from flipside_matching.domain.engine import best_partner, ranked
from flipside_matching.domain.model import ProgramPolicy
from services.matching.tests.unit.programs import TAXONOMY, WEEK, policies, program


def spaces(size, seed, policy):
    """The same program as a dense space and as a sparse one."""
    people = program(size, seed, exclusions=0.2, partners=0.2)
    mentees = [p for p in people if p.profile.role == "mentee"]
    mentors = [p for p in people if p.profile.role != "mentee"]
    with mock.patch.object(candidates, "DENSE_UP_TO", 10**12):
        dense = CandidateSpace(mentees, mentors, policy, TAXONOMY, WEEK, draw="same")
        assert dense._dense
    with mock.patch.object(candidates, "DENSE_UP_TO", 0):
        sparse = CandidateSpace(mentees, mentors, policy, TAXONOMY, WEEK, draw="same")
        assert not sparse._dense
    return dense, sparse


@settings(max_examples=30, deadline=None)
@given(size=st.integers(2, 60), seed=st.integers(0, 10_000), policy=policies)
def test_a_dense_space_scores_rules_and_explains_as_a_sparse_one(size, seed, policy):
    dense, sparse = spaces(size, seed, policy)
    if 0 in dense.shape:
        return
    rows = np.arange(dense.shape[0])
    dense_scores, sparse_scores = dense.scored(rows), sparse.scored(rows)
    assert np.array_equal(np.isfinite(dense_scores), np.isfinite(sparse_scores))
    allowed = np.isfinite(dense_scores)
    # The weights are folded into float32 features in a different order: equal to float32's resolution.
    assert np.allclose(dense_scores[allowed], sparse_scores[allowed], atol=1e-5)
    for rule, mask in dense.rule_masks(rows).items():
        assert np.array_equal(mask, sparse.rule_masks(rows)[rule]), rule
    cells_rows, cells_cols = np.nonzero(np.ones(dense.shape, dtype=bool))
    for of_dense, of_sparse in zip(
        dense.breakdowns(cells_rows, cells_cols), sparse.breakdowns(cells_rows, cells_cols), strict=True
    ):
        assert of_dense.keys() == of_sparse.keys() == set(FACTORS)
        assert all(of_dense[name] == pytest.approx(of_sparse[name], abs=2e-6) for name in FACTORS)


@settings(max_examples=60, deadline=None)
@given(
    attributes=hnp.arrays(np.int64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=40), elements=st.integers(0, 9))
)
def test_kinds_are_the_distinct_rows_in_order_as_unique_along_rows_gives_them(attributes):
    kinds, kind_of = _kinds(attributes)
    if len(attributes) == 0:
        assert kinds.shape == (0, attributes.shape[1]) and kind_of.size == 0
        return
    expected_kinds, expected_of = np.unique(attributes, axis=0, return_inverse=True)
    assert np.array_equal(kinds, expected_kinds)
    assert np.array_equal(kind_of, expected_of.ravel())


@settings(max_examples=20, deadline=None)
@given(size=st.integers(2, 80), seed=st.integers(0, 10_000), weeks=st.integers(1, 30))
def test_overlaps_pair_by_pair_and_every_week_at_once_give_what_week_by_week_gives(size, seed, weeks):
    people = program(size, seed)
    patterns = sorted({candidates._features_of(p.profile, TAXONOMY, keep=False).pattern for p in people})
    half = len(patterns) // 2
    rows, cols = patterns[:half] or patterns, patterns[half:]
    with mock.patch.object(availability, "PAIRS_ONE_BY_ONE_UP_TO", 10**9):
        pair_by_pair = Availability(rows, cols, WEEK, weeks)
    with mock.patch.object(availability, "PAIRS_ONE_BY_ONE_UP_TO", 0):
        at_once = Availability(rows, cols, WEEK, weeks)
        with mock.patch.object(availability, "WEEKS_AT_ONCE_UP_TO", 0):
            week_by_week = Availability(rows, cols, WEEK, weeks)
    for way in (pair_by_pair, at_once):
        assert np.array_equal(way.overlap_minutes, week_by_week.overlap_minutes)
        assert np.array_equal(way.row_weekly_minutes, week_by_week.row_weekly_minutes)
        assert np.array_equal(way.col_weekly_minutes, week_by_week.col_weekly_minutes)
        assert way.overlap_minutes.dtype == way.row_weekly_minutes.dtype == np.int32
        assert way.overlap_minutes.shape == (len(rows), len(cols))


def test_among_hundreds_of_equal_partners_the_longest_waiting_come_first():
    people = synthetic.participants(80, seed=5)
    newcomer = next(p for p in people if p.profile.role == "mentee")
    policy = ProgramPolicy()
    fitting = best_partner(newcomer, [p for p in people if p is not newcomer], policy, TAXONOMY, WEEK)
    assert fitting is not None
    twins = [
        replace(
            fitting.mentor,
            participant_id=UUID(int=random.Random(i).getrandbits(128)),
            enrolled_at=fitting.mentor.enrolled_at + timedelta(minutes=i),
        )
        for i in range(300)
    ]
    best = ranked(newcomer, random.Random(3).sample(twins, len(twins)), policy, TAXONOMY, WEEK, k=5)
    assert [pair.mentor for pair in best] == twins[:5]
    assert {pair.score for pair in best} == {fitting.score}
    assert all(pair.reasons == fitting.reasons and pair.breakdown == fitting.breakdown for pair in best)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.dictionaries(st.integers(0, 11), st.floats(-4, 4, allow_nan=False, width=64), max_size=6), max_size=6
    )
)
def test_a_few_rows_filled_one_by_one_make_the_matrix_all_rows_at_once_make(rows):
    width = 1 + max((column for row in rows for column in row), default=0)
    with mock.patch.object(candidates, "ROW_BY_ROW_UP_TO", 10**9):
        one_by_one = candidates._matrix(rows, width, dense=True)
    with mock.patch.object(candidates, "ROW_BY_ROW_UP_TO", -1):
        at_once = candidates._matrix(rows, width, dense=True)
    assert one_by_one.dtype == at_once.dtype == np.float32
    assert np.array_equal(one_by_one, at_once)

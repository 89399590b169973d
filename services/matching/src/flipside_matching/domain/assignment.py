"""Who pairs with whom: the assignment that maximises the total score under the hard rules and capacities.

The engine keeps each mentee's best candidates (a sparse graph, never a dense N x N
matrix) and solves a minimum-cost full matching on it with scipy. Each mentor is one
column per free slot; each mentee has a column of its own meaning "no mentor", so a
full matching always exists. Every pair earns a base score on top of its own
(`PAIRING_BONUS`), so pairing one more person is worth more than any gain in score.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .candidates import Candidates, CandidateSpace

PAIRING_BONUS = 1.0

Pairs = list[tuple[int, int]]
"""(mentee row, mentor column) of a candidate space."""


def optimal_pairs(space: CandidateSpace, per_mentee: int | None = None) -> Pairs:
    """The best assignment on each mentee's `per_mentee` best candidates (all of them when None)."""
    k = space.policy.candidates_per_mentee if per_mentee is None else per_mentee
    return solve(space, space.candidates(k))


def solve(space: CandidateSpace, graph: Candidates) -> Pairs:
    n_rows = space.shape[0]
    if n_rows == 0 or graph.rows.size == 0:
        return []
    first_slot = np.concatenate([[0], np.cumsum(space.slots)])
    n_slots = int(first_slot[-1])
    # One edge per free slot of the mentor.
    repeats = space.slots[graph.cols]
    rows = np.repeat(graph.rows, repeats)
    slot = np.repeat(first_slot[graph.cols], repeats) + _offsets(repeats)
    profit = np.repeat(graph.scores.astype(np.float64), repeats) + PAIRING_BONUS
    ceiling = float(profit.max()) + 1.0  # costs must be positive: a stored zero is "no edge" to scipy
    costs = np.concatenate([ceiling - profit, np.full(n_rows, ceiling)])
    all_rows = np.concatenate([rows, np.arange(n_rows)])
    all_cols = np.concatenate([slot, n_slots + np.arange(n_rows)])
    graph_matrix = sparse.csr_matrix((costs, (all_rows, all_cols)), shape=(n_rows, n_slots + n_rows))
    matched_rows, matched_slots = min_weight_full_bipartite_matching(graph_matrix)
    mentor_of_slot = np.repeat(np.arange(len(space.slots)), space.slots)
    return sorted(
        (int(r), int(mentor_of_slot[s])) for r, s in zip(matched_rows, matched_slots, strict=False) if s < n_slots
    )


def greedy_pairs(space: CandidateSpace, per_mentee: int | None = None) -> Pairs:
    """The usual product's way, as a baseline: best edge first, while both sides have room."""
    k = space.policy.candidates_per_mentee if per_mentee is None else per_mentee
    graph = space.candidates(k)
    order = np.lexsort((graph.cols, graph.rows, -graph.scores))
    free = space.slots.copy()
    taken = np.zeros(space.shape[0], dtype=bool)
    pairs: Pairs = []
    for i in order:
        row, col = int(graph.rows[i]), int(graph.cols[i])
        if not taken[row] and free[col] > 0:
            taken[row] = True
            free[col] -= 1
            pairs.append((row, col))
    return sorted(pairs)


def dense_optimum(space: CandidateSpace) -> Pairs:
    """The exact optimum from a dense mentees x slots matrix and `linear_sum_assignment`: for checking only."""
    n_rows = space.shape[0]
    if n_rows == 0 or int(space.slots.sum()) == 0:
        return []
    scores = np.vstack([space.scored(rows) for rows in space.blocks()])
    mentor_of_slot = np.repeat(np.arange(len(space.slots)), space.slots)
    by_slot = scores[:, mentor_of_slot]
    profit = np.where(np.isfinite(by_slot), by_slot.astype(np.float64) + PAIRING_BONUS, 0.0)
    rows, slots = linear_sum_assignment(profit, maximize=True)
    return sorted(
        (int(r), int(mentor_of_slot[s])) for r, s in zip(rows, slots, strict=False) if np.isfinite(by_slot[r, s])
    )


def objective(space: CandidateSpace, pairs: Pairs) -> float:
    """What the assignment maximises: the pairs' scores plus the base score of each pair."""
    if not pairs:
        return 0.0
    rows = np.array([r for r, _ in pairs])
    cols = np.array([c for _, c in pairs])
    scores = space.weights.astype(np.float64) @ space.pair_factors(rows, cols).astype(np.float64)
    return float(scores.sum()) + PAIRING_BONUS * len(pairs)


def _offsets(repeats: np.ndarray) -> np.ndarray:
    """0, 1, ... within each run of a repeated value: [2, 3] -> [0, 1, 0, 1, 2]."""
    if repeats.size == 0:
        return repeats
    starts = np.repeat(np.cumsum(repeats) - repeats, repeats)
    offsets: np.ndarray = np.arange(int(repeats.sum())) - starts
    return offsets

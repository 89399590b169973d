"""Who pairs with whom: as many pairs as the hard rules and capacities allow, and of those the best total score.

The engine keeps each mentee's best candidates (a sparse graph, never a dense N x N
matrix) and solves a minimum-cost full matching on it with scipy. Each mentor is one
column per free slot; each mentee has a column of its own meaning "no mentor", so a
full matching always exists. Every pair earns a base score larger than any total of
scores (`pairing_bonus`), so one more pair always beats any gain in score.

Kept candidates can leave someone out whom a mentor outside their list could take, so the
result is then proved maximum on every allowed pair (`augmenting`): each augmenting path
found widens the graph and the matching is solved again. After a few rounds still unproved,
the paths are followed directly, which is maximum whatever the score, and said in the log.
Last, exchanges that keep the number of pairs and raise the score are made (`exchanges`).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .augmenting import Assignment, Pairs, augmenting_paths, maximum
from .candidates import CELLS_PER_BLOCK, Candidates, CandidateSpace
from .exchanges import Settled, settled

REPAIR_ROUNDS = 4
"""Rounds of widening the candidate graph and solving again before following the paths directly."""

log = logging.getLogger(__name__)


def pairing_bonus(space: CandidateSpace) -> float:
    """More than the scores of any assignment together: no score is worth a pair fewer."""
    most_pairs = min(space.shape[0], int(space.slots.sum()))
    return float(space.weights.sum()) * most_pairs + 1.0


def best_assignment(space: CandidateSpace, per_mentee: int | None = None) -> Settled:
    """The best assignment on each mentee's `per_mentee` best candidates (all of them when None), widened
    until no one is left out whom an allowed mentor with room could take, then settled by exchanges."""
    k = space.policy.candidates_per_mentee if per_mentee is None else per_mentee
    graph = space.candidates(k)
    pairs = solve(space, graph)
    for _ in range(REPAIR_ROUNDS):
        paths = augmenting_paths(space, pairs)
        if not paths:
            return settled(space, pairs)
        graph = widened(space, graph, pairs, paths, k)
        pairs = solve(space, graph)
    if augmenting_paths(space, pairs):
        log.warning(
            "match run: candidate graph still short of a maximum after %d rounds; paths followed", REPAIR_ROUNDS
        )
        pairs = maximum(space, pairs)
    return settled(space, pairs)


def widened(space: CandidateSpace, graph: Candidates, pairs: Pairs, paths: list[Pairs], per_mentee: int) -> Candidates:
    """The graph with the pairs of each augmenting path, and for every mentee left out their `per_mentee` best
    mentors among those with a free slot. Of mentors with equal scores, each mentee starts at another one, so
    mentees alike in everything do not all add the same mentor."""
    assignment = Assignment.of(space, pairs)
    path_rows = np.array([r for path in paths for r, _ in path], dtype=np.int64)
    path_cols = np.array([c for path in paths for _, c in path], dtype=np.int64)
    rows, cols, scores = [path_rows], [path_cols], [space.scores_of(path_rows, path_cols).astype(graph.scores.dtype)]
    with_room = np.flatnonzero(assignment.load < space.slots)
    left_out = np.flatnonzero(assignment.mentor_of < 0)
    k = min(per_mentee, with_room.size)
    size = max(1, CELLS_PER_BLOCK // max(1, with_room.size))
    for start in range(0, left_out.size if k else 0, size):
        block = left_out[start : start + size]
        block_scores = space.scored(block, with_room)
        turn = (np.arange(with_room.size)[None, :] - block[:, None]) % with_room.size
        best = np.lexsort((turn, -block_scores), axis=-1)[:, :k]
        best_scores = np.take_along_axis(block_scores, best, axis=1)
        keep = np.isfinite(best_scores)
        rows.append(np.broadcast_to(block[:, None], best.shape)[keep])
        cols.append(with_room[best[keep]])
        scores.append(best_scores[keep].astype(graph.scores.dtype))
    all_rows = np.concatenate([graph.rows, *rows])
    all_cols = np.concatenate([graph.cols, *cols])
    all_scores = np.concatenate([graph.scores, *scores])
    _, first = np.unique(all_rows * space.shape[1] + all_cols, return_index=True)
    return Candidates(all_rows[first], all_cols[first], all_scores[first])


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
    profit = np.repeat(graph.scores.astype(np.float64), repeats) + pairing_bonus(space)
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
    profit = np.where(np.isfinite(by_slot), by_slot.astype(np.float64) + pairing_bonus(space), 0.0)
    rows, slots = linear_sum_assignment(profit, maximize=True)
    return sorted(
        (int(r), int(mentor_of_slot[s])) for r, s in zip(rows, slots, strict=False) if np.isfinite(by_slot[r, s])
    )


def objective(space: CandidateSpace, pairs: Pairs) -> tuple[int, float]:
    """What the assignment maximises, in order: the number of pairs, then the total of their scores."""
    if not pairs:
        return 0, 0.0
    rows = np.array([r for r, _ in pairs])
    cols = np.array([c for _, c in pairs])
    return len(pairs), float(space.scores_of(rows, cols).sum())


def _offsets(repeats: np.ndarray) -> np.ndarray:
    """0, 1, ... within each run of a repeated value: [2, 3] -> [0, 1, 0, 1, 2]."""
    if repeats.size == 0:
        return repeats
    starts = np.repeat(np.cumsum(repeats) - repeats, repeats)
    offsets: np.ndarray = np.arange(int(repeats.sum())) - starts
    return offsets

"""Exchanges that keep the number of pairs: someone left out takes a place from a weaker pair, or a mentor left
alone takes a mentee who scores better with them; and, once none is left, whom a tie left out.

After them, "capacity exhausted: ... needed by a better-scoring pair" is true as said: every mentor who fits an
unpaired mentee holds only mentees scoring at least as well with them, and every mentee who fits a mentor left
alone scores at least as well with their own mentor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .augmenting import Assignment, Pairs
from .candidates import CELLS_PER_BLOCK, CandidateSpace

TIE = 1e-6
"""Scores closer than this are equal (they are sums of float32 factors)."""

PASSES = 50
"""Each exchange raises the total score; the passes are bounded all the same."""


@dataclass(frozen=True)
class Settled:
    """An assignment no exchange improves, and who of those left out lost a place they fit to an equal score:
    mentees (rows) and mentors (columns)."""

    pairs: Pairs
    tied_rows: frozenset[int]
    tied_cols: frozenset[int]


def settled(space: CandidateSpace, pairs: Pairs) -> Settled:
    """`pairs` with every exchange that raises the total score made, as many pairs as before."""
    assignment = Assignment.of(space, pairs)
    score = _pair_scores(space, assignment)
    for _ in range(PASSES):
        left_out, left_alone = _rows_left_out(space, assignment), _cols_left_alone(space, assignment)
        moved = _take_places(space, assignment, score, left_out)
        moved |= _fill_lone_mentors(assignment, score, left_alone)
        if not moved:
            break
    weakest = _weakest_holder(space, assignment, score)[1]
    tied_rows = {row for row, scores in left_out if (np.isfinite(scores) & (scores >= weakest - TIE)).any()}
    tied_cols = {col for col, rows, scores in left_alone if (scores >= score[rows] - TIE).any()}
    return Settled(assignment.pairs(), frozenset(tied_rows), frozenset(tied_cols))


def _pair_scores(space: CandidateSpace, assignment: Assignment) -> np.ndarray:
    """The score of each mentee's pair (-inf for none)."""
    score = np.full(space.shape[0], -np.inf)
    rows = np.flatnonzero(assignment.mentor_of >= 0)
    if rows.size:
        score[rows] = space.scores_of(rows, assignment.mentor_of[rows])
    return score


def _weakest_holder(space: CandidateSpace, assignment: Assignment, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each mentor's lowest-scoring mentee and that score (+inf for a mentor with a free slot: no one to oust)."""
    weakest_row = np.full(space.shape[1], -1, dtype=np.int64)
    weakest = np.full(space.shape[1], np.inf)
    for row in np.flatnonzero(assignment.mentor_of >= 0).tolist():
        col = int(assignment.mentor_of[row])
        if score[row] < weakest[col]:
            weakest[col], weakest_row[col] = score[row], row
    weakest[assignment.load < space.slots] = np.inf
    return weakest_row, weakest


def _rows_left_out(space: CandidateSpace, assignment: Assignment) -> list[tuple[int, np.ndarray]]:
    """Each mentee without a mentor who fits someone, with their scores against every mentor."""
    rows = np.flatnonzero(assignment.mentor_of < 0)
    found = []
    size = max(1, CELLS_PER_BLOCK // max(1, space.shape[1]))
    for start in range(0, rows.size, size):
        block = rows[start : start + size]
        scores = space.scored(block)
        found += [(int(row), scores[i]) for i, row in enumerate(block) if np.isfinite(scores[i]).any()]
    return found


def _cols_left_alone(space: CandidateSpace, assignment: Assignment) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Each mentor with no mentee at all, with the paired mentees who fit them and their scores together."""
    cols = np.flatnonzero((assignment.load == 0) & (space.slots > 0))
    paired = np.flatnonzero(assignment.mentor_of >= 0)
    if cols.size == 0 or paired.size == 0:
        return []
    step = max(1, CELLS_PER_BLOCK // cols.size)
    scores = np.vstack([space.scored(paired[start : start + step], cols) for start in range(0, paired.size, step)])
    found = []
    for j, col in enumerate(cols.tolist()):
        fits = np.isfinite(scores[:, j])
        if fits.any():
            found.append((col, paired[fits], scores[fits, j].astype(np.float64)))
    return found


def _take_places(
    space: CandidateSpace, assignment: Assignment, score: np.ndarray, left_out: list[tuple[int, np.ndarray]]
) -> bool:
    """Each mentee left out takes the place that raises the total most from its weakest holder, if any does."""
    weakest_row, weakest = _weakest_holder(space, assignment, score)
    changed = False
    for row, scores in left_out:
        gain = np.where(np.isfinite(scores) & np.isfinite(weakest), scores - weakest, -np.inf)
        col = int(np.argmax(gain))
        if gain[col] <= TIE:
            continue
        ousted = int(weakest_row[col])
        assignment.mentor_of[ousted], score[ousted] = -1, -np.inf
        assignment.mentor_of[row], score[row] = col, scores[col]
        holders = np.flatnonzero(assignment.mentor_of == col)
        weakest_row[col] = holders[np.argmin(score[holders])]
        weakest[col] = score[weakest_row[col]]
        changed = True
    return changed


def _fill_lone_mentors(
    assignment: Assignment, score: np.ndarray, left_alone: list[tuple[int, np.ndarray, np.ndarray]]
) -> bool:
    """Each mentor left alone takes the paired mentee who gains most by moving to them, if any gains."""
    changed = False
    for col, rows, scores in left_alone:
        gain = scores - score[rows]  # against where each is now: an earlier move of this pass may have moved them
        best = int(np.argmax(gain))
        if gain[best] <= TIE:
            continue
        row = int(rows[best])
        assignment.load[assignment.mentor_of[row]] -= 1
        assignment.load[col] += 1
        assignment.mentor_of[row], score[row] = col, scores[best]
        changed = True
    return changed

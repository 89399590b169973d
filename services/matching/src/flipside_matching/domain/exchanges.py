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
        left_out = _rows_left_out(space, assignment, _weakest_holder(space, assignment, score)[1])
        left_alone = _cols_left_alone(space, assignment, score)
        moved = _take_places(space, assignment, score, left_out)
        moved |= _fill_lone_mentors(assignment, score, left_alone)
        if not moved:
            break
    # Nothing moved in the last pass: what it found are places lost to an equal score.
    tied_rows = {row for row, _, _ in left_out}
    tied_cols = {col for col, _, _ in left_alone}
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


def _rows_left_out(
    space: CandidateSpace, assignment: Assignment, weakest: np.ndarray
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Each mentee without a mentor, with the mentors whose weakest pair they score at least as well as (an
    exchange or a tie), and those scores. A weakest pair only gets stronger as places are taken in a pass."""
    rows = np.flatnonzero(assignment.mentor_of < 0)
    found = []
    size = max(1, CELLS_PER_BLOCK // max(1, space.shape[1]))
    for start in range(0, rows.size, size):
        block = rows[start : start + size]
        scores = space.scored(block)
        near = np.isfinite(scores) & (scores >= weakest[None, :] - TIE)
        for i in np.flatnonzero(near.any(axis=1)).tolist():
            cols = np.flatnonzero(near[i])
            found.append((int(block[i]), cols, scores[i, cols].astype(np.float64)))
    return found


def _cols_left_alone(
    space: CandidateSpace, assignment: Assignment, score: np.ndarray
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Each mentor with no mentee at all, with the paired mentees who fit them at least as well as their own
    mentor (an exchange or a tie), and those scores. A pair's score only grows as mentees move in a pass."""
    cols = np.flatnonzero((assignment.load == 0) & (space.slots > 0))
    paired = np.flatnonzero(assignment.mentor_of >= 0)
    if cols.size == 0 or paired.size == 0:
        return []
    step = max(1, CELLS_PER_BLOCK // cols.size)
    cell_rows, cell_cols, cell_scores = [], [], []
    for start in range(0, paired.size, step):
        block = paired[start : start + step]
        scores = space.scored(block, cols)
        at, by = np.nonzero(np.isfinite(scores) & (scores >= score[block][:, None] - TIE))
        cell_rows.append(block[at])
        cell_cols.append(by)
        cell_scores.append(scores[at, by].astype(np.float64))
    rows, by_col, near = np.concatenate(cell_rows), np.concatenate(cell_cols), np.concatenate(cell_scores)
    order = np.argsort(by_col, kind="stable")
    bounds = np.searchsorted(by_col[order], np.arange(cols.size + 1))
    return [
        (col, rows[order[bounds[j] : bounds[j + 1]]], near[order[bounds[j] : bounds[j + 1]]])
        for j, col in enumerate(cols.tolist())
        if bounds[j + 1] > bounds[j]
    ]


def _take_places(
    space: CandidateSpace,
    assignment: Assignment,
    score: np.ndarray,
    left_out: list[tuple[int, np.ndarray, np.ndarray]],
) -> bool:
    """Each mentee left out takes the place that raises the total most from its weakest holder, if any does."""
    weakest_row, weakest = _weakest_holder(space, assignment, score)
    changed = False
    for row, cols, scores in left_out:
        gain = scores - weakest[cols]
        best = int(np.argmax(gain))
        if gain[best] <= TIE:
            continue
        col = int(cols[best])
        ousted = int(weakest_row[col])
        assignment.mentor_of[ousted], score[ousted] = -1, -np.inf
        assignment.mentor_of[row], score[row] = col, scores[best]
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
        # Against where each is now: an earlier exchange of this pass may have moved them, or left them out.
        gain = np.where(assignment.mentor_of[rows] >= 0, scores - score[rows], -np.inf)
        best = int(np.argmax(gain))
        if gain[best] <= TIE:
            continue
        row = int(rows[best])
        assignment.load[assignment.mentor_of[row]] -= 1
        assignment.load[col] += 1
        assignment.mentor_of[row], score[row] = col, scores[best]
        changed = True
    return changed

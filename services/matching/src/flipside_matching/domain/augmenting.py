"""Proof that an assignment pairs as many people as the hard rules and capacities allow, or the way to more.

By Berge's theorem an assignment is of maximum size exactly when no augmenting path exists: a path from a mentee
without a mentor to a mentor with a free slot, alternating between an allowed pair not taken and a pair taken.
The search runs on every allowed pair, not only the candidates a run kept, in blocks of the rule masks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .candidates import CELLS_PER_BLOCK, CandidateSpace

Pairs = list[tuple[int, int]]
"""(mentee row, mentor column) of a candidate space."""


@dataclass
class Assignment:
    """Who holds which mentor's slots, as arrays: a mentee's mentor (-1 for none) and each mentor's load."""

    mentor_of: np.ndarray
    load: np.ndarray

    @classmethod
    def of(cls, space: CandidateSpace, pairs: Pairs) -> Assignment:
        mentor_of = np.full(space.shape[0], -1, dtype=np.int64)
        load = np.zeros(space.shape[1], dtype=np.int64)
        for row, col in pairs:
            mentor_of[row] = col
            load[col] += 1
        return cls(mentor_of, load)

    def pairs(self) -> Pairs:
        rows = np.flatnonzero(self.mentor_of >= 0)
        return [(int(row), int(self.mentor_of[row])) for row in rows]

    def holders(self) -> list[list[int]]:
        """The mentees of each mentor."""
        held: list[list[int]] = [[] for _ in range(len(self.load))]
        for row in np.flatnonzero(self.mentor_of >= 0).tolist():
            held[int(self.mentor_of[row])].append(row)
        return held


def augmenting_paths(space: CandidateSpace, pairs: Pairs) -> list[Pairs]:
    """Shortest augmenting paths sharing no one, each as the pairs it makes; none when `pairs` is maximum.

    A breadth-first search from every mentee without a mentor: a level reaches the mentors allowed with its
    mentees, the next level the mentees those mentors hold, until a mentor with a free slot is reached."""
    assignment = Assignment.of(space, pairs)
    free = space.slots - assignment.load
    roots = np.flatnonzero(assignment.mentor_of < 0)
    if roots.size == 0 or not (free > 0).any():
        return []
    holders = assignment.holders()
    reached_from = np.full(space.shape[1], -1, dtype=np.int64)
    seen_col = np.zeros(space.shape[1], dtype=bool)
    seen_row = np.zeros(space.shape[0], dtype=bool)
    seen_row[roots] = True
    frontier = roots
    while frontier.size:
        reached = _reach(space, frontier, seen_col, reached_from)
        ends = reached[free[reached] > 0]
        if ends.size:
            return _disjoint_paths(ends, reached_from, assignment.mentor_of)
        following = [row for col in reached.tolist() for row in holders[col] if not seen_row[row]]
        frontier = np.array(sorted(set(following)), dtype=np.int64)
        seen_row[frontier] = True
    return []


def augmented(space: CandidateSpace, pairs: Pairs, paths: list[Pairs]) -> Pairs:
    """The assignment with each path's pairs made: one more pair per path, everyone else moved along it."""
    assignment = Assignment.of(space, pairs)
    for path in paths:
        for row, col in path:
            assignment.mentor_of[row] = col
    return assignment.pairs()


def maximum(space: CandidateSpace, pairs: Pairs) -> Pairs:
    """Augmented until no path is left (Hopcroft and Karp's phases): a maximum assignment, whatever its score."""
    while paths := augmenting_paths(space, pairs):
        pairs = augmented(space, pairs, paths)
    return pairs


def _reach(space: CandidateSpace, rows: np.ndarray, seen_col: np.ndarray, reached_from: np.ndarray) -> np.ndarray:
    """The mentors not seen yet that some of `rows` may pair with; each remembers the first row reaching it."""
    found: list[np.ndarray] = []
    start = 0
    while start < rows.size:
        unseen = np.flatnonzero(~seen_col)
        if unseen.size == 0:
            break
        block = rows[start : start + max(1, CELLS_PER_BLOCK // unseen.size)]
        start += block.size
        allowed = space.allowed(block, unseen)
        hit = allowed.any(axis=0)
        cols = unseen[hit]
        reached_from[cols] = block[np.argmax(allowed[:, hit], axis=0)]
        seen_col[cols] = True
        found.append(cols)
    return np.concatenate(found) if found else np.array([], dtype=np.int64)


def _disjoint_paths(ends: np.ndarray, reached_from: np.ndarray, mentor_of: np.ndarray) -> list[Pairs]:
    """Traced back from each free mentor to a mentee without one; a path crossing one already taken is left."""
    used_rows: set[int] = set()
    used_cols: set[int] = set()
    paths: list[Pairs] = []
    for end in ends.tolist():
        path: Pairs = []
        col = end
        while True:
            row = int(reached_from[col])
            path.append((row, col))
            if mentor_of[row] < 0:
                break
            col = int(mentor_of[row])
        rows, cols = {r for r, _ in path}, {c for _, c in path}
        if rows & used_rows or cols & used_cols:
            continue
        used_rows |= rows
        used_cols |= cols
        paths.append(path)
    return paths

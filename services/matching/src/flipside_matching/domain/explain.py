"""Plain words for why a pair was made, and why someone was left without a partner.

Reasons name topics and departments, never people: events carry them to other systems.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .candidates import CELLS_PER_BLOCK, RULES, CandidateSpace
from .model import Participant, ProgramPolicy
from .taxonomy import Taxonomy


def pair_reasons(
    mentor: Participant,
    mentee: Participant,
    breakdown: dict[str, float],
    overlap_minutes: int,
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
) -> tuple[str, ...]:
    """The rule that makes it a reverse (or ordinary) pair, then each factor that counted, biggest first."""
    m, e = mentor.profile, mentee.profile
    gap = abs(e.grade - m.grade)
    side = "below" if m.grade < e.grade else "above"
    first = f"{policy.direction}: mentor is {gap} grade(s) {side} the mentee ({policy.grade_name(m.grade)} and {policy.grade_name(e.grade)})"
    words = {
        "mentor_teaches": _teaching("mentor", "mentee", mentor, mentee, taxonomy),
        "mentee_teaches": _teaching("mentee", "mentor", mentee, mentor, taxonomy),
        "interests": _interests(mentor, mentee),
        "communication": _style(mentor, mentee),
        "time_overlap": f"{overlap_minutes / 60:.1f} h of shared working time per week",
        "cross_department": f"crosses departments ({m.department} and {e.department})",
    }
    counted = sorted((name for name, value in breakdown.items() if value > 0), key=lambda n: (-breakdown[n], n))
    return (first, *(f"{words[name]} (+{breakdown[name]:.3f})" for name in counted if words[name]))


def _teaching(
    teacher_role: str, learner_role: str, teacher: Participant, learner: Participant, taxonomy: Taxonomy
) -> str:
    taught = []
    for goal in sorted(learner.profile.goals, key=lambda g: (-g.priority, g.name)):
        best = max(teacher.profile.skills, key=lambda s: taxonomy.similarity(s.name, goal.name), default=None)
        if best is None or taxonomy.similarity(best.name, goal.name) == 0:
            continue
        if taxonomy.topic(best.name) == taxonomy.topic(goal.name):
            taught.append(goal.name)
        else:
            taught.append(f"{goal.name} (through {best.name})")
    return f"{teacher_role} can teach the {learner_role} " + ", ".join(taught) if taught else ""


def _interests(a: Participant, b: Participant) -> str:
    shared = sorted({i.casefold() for i in a.profile.interests} & {i.casefold() for i in b.profile.interests})
    return "shared interests: " + ", ".join(shared) if shared else ""


def _style(a: Participant, b: Participant) -> str:
    x, y = a.profile.communication, b.profile.communication
    same = [
        f"{field} {getattr(x, field)}"
        for field in ("rhythm", "mode", "formality", "channel")
        if getattr(x, field) == getattr(y, field)
    ]
    return "same meeting style: " + ", ".join(same) if same else ""


RULE_WORDS = {
    "grade": "passes the {direction} rule (at least {gap} grade(s) {side})",
    "reporting_line": "is outside their reporting line",
    "language": "shares a language",
    "overlap": "shares {minutes} min of working time every week",
    "excluded": "is neither excluded nor an earlier partner",
}


def unmatched_reasons(space: CandidateSpace, row: int | None = None, col: int | None = None) -> list[str]:
    """Why a mentee (`row`) or a mentor (`col`) got no partner: which rule ran out of candidates, or capacity."""
    if row is not None:
        return left_out_reasons(space, rows=[row])[0][row]
    assert col is not None, "a row or a column"
    return left_out_reasons(space, cols=[col])[1][col]


def left_out_reasons(
    space: CandidateSpace,
    rows: Sequence[int] = (),
    cols: Sequence[int] = (),
    tied_rows: frozenset[int] = frozenset(),
    tied_cols: frozenset[int] = frozenset(),
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Why each mentee at `rows` and each mentor at `cols` got no partner, the rule masks taken in blocks.

    Capacity is the reason only of a run's assignment that is maximum and that no exchange improves: every
    partner who fits is taken by someone scoring better with them, or as well (the tied), the draw deciding."""
    by_row: dict[int, list[str]] = {}
    step = max(1, CELLS_PER_BLOCK // max(1, space.shape[1]))
    for start in range(0, len(rows), step):
        block = list(rows[start : start + step])
        masks = space.rule_masks(np.array(block, dtype=np.int64))
        for i, row in enumerate(block):
            passes = {rule: mask[i] for rule, mask in masks.items()}
            by_row[row] = _reasons(passes, "mentor", space.policy, row in tied_rows)
    by_col: dict[int, list[str]] = {}
    step = max(1, CELLS_PER_BLOCK // max(1, space.shape[0]))
    for start in range(0, len(cols), step):
        block = list(cols[start : start + step])
        masks = space.rule_masks(np.arange(space.shape[0]), np.array(block, dtype=np.int64))
        for j, col in enumerate(block):
            passes = {rule: mask[:, j] for rule, mask in masks.items()}
            by_col[col] = _reasons(passes, "mentee", space.policy, col in tied_cols)
    return by_row, by_col


def _reasons(passes: dict[str, np.ndarray], other: str, policy: ProgramPolicy, tied: bool) -> list[str]:
    """The first rule no one of the other side passes, or capacity; `passes` is each rule's mask over them."""
    count = len(passes[RULES[0]])
    if count == 0:
        return [f"no {other} with room left is enrolled in the program"]
    passing = np.ones(count, dtype=bool)
    for rule in RULES:
        before = int(passing.sum())
        passing &= passes[rule]
        if not passing.any():
            words = RULE_WORDS[rule].format(
                direction=policy.direction,
                gap=policy.min_grade_gap,
                minutes=policy.min_overlap_minutes,
                side="below the mentee" if policy.direction == "reverse" else "above the mentee",
            )
            return (
                [f"none of the {before} {other}(s) left after the earlier rules {words}"]
                if before < count
                else [f"no {other} {words}"]
            )
    fitting = int(passing.sum())
    if tied:
        return [
            f"capacity exhausted: each of the {fitting} {other}(s) who fit was needed by a pair scoring"
            " at least as well, and the program's draw settled the tie"
        ]
    return [f"capacity exhausted: each of the {fitting} {other}(s) who fit was needed by a better-scoring pair"]

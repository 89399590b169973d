"""The matching modes over the pure core: a cohort run, and a newcomer matched at once (rolling)."""

from __future__ import annotations

import heapq
import statistics
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import NamedTuple
from uuid import UUID

import numpy as np

from .assignment import best_assignment
from .augmenting import Pairs
from .candidates import CandidateSpace
from .explain import left_out_reasons, pair_reasons, unmatched_reasons
from .model import Participant, ProgramPolicy, ScoredPair
from .taxonomy import Taxonomy


@dataclass(frozen=True)
class RunResult:
    pairs: list[ScoredPair]
    unmatched: dict[UUID, list[str]]
    """Participants left without any partner, with the reasons."""


def split_sides(people: Sequence[Participant], policy: ProgramPolicy) -> tuple[list[Participant], list[Participant]]:
    """Mentees and mentors with room left. Someone who would take either role goes to the side their grade
    suits in this program: below the program's median grade mentors in a reverse program, above it is mentored."""
    median = statistics.median(p.profile.grade for p in people) if people else 0
    mentees: list[Participant] = []
    mentors: list[Participant] = []
    for person in people:
        if person.profile.role == "either":
            junior = person.profile.grade < median
            mentors_here = junior if policy.direction == "reverse" else not junior
            (mentors if mentors_here else mentees).append(person)
        elif person.profile.role == "mentor":
            mentors.append(person)
        else:
            mentees.append(person)
    return [p for p in mentees if p.can_take_a_mentor], [p for p in mentors if p.mentor_slots > 0]


def run(
    people: Sequence[Participant],
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
    draw: str = "",
) -> RunResult:
    """Pair as many as the rules and capacities allow, with the best total score; explain who was left out.

    `draw` (the program's id) seeds the order that settles equal scores: the same for the same program."""
    mentees, mentors = split_sides(people, policy)
    org = {
        p.participant_id: [*([p.profile.manager_id] if p.profile.manager_id else []), *p.profile.reporting_chain]
        for p in people
    }
    space = CandidateSpace(mentees, mentors, policy, taxonomy, first_week, org, draw)
    assignment = best_assignment(space)
    pairs = scored_pairs(space, assignment.pairs)
    matched_rows = {row for row, _ in assignment.pairs}
    matched_cols = {col for _, col in assignment.pairs}
    left_rows = [
        row for row, mentee in enumerate(space.mentees) if row not in matched_rows and mentee.active_pairs == 0
    ]
    left_cols = [
        col for col, mentor in enumerate(space.mentors) if col not in matched_cols and mentor.active_pairs == 0
    ]
    by_row, by_col = left_out_reasons(space, left_rows, left_cols, assignment.tied_rows, assignment.tied_cols)
    unmatched = {space.mentees[row].participant_id: reasons for row, reasons in by_row.items()}
    unmatched |= {space.mentors[col].participant_id: reasons for col, reasons in by_col.items()}
    return RunResult(pairs, unmatched)


def score_pair(
    mentor: Participant,
    mentee: Participant,
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
) -> ScoredPair:
    """The score and reasons of one given pair, whatever the rules say of it (a pair chosen by a person)."""
    return scored_pairs(CandidateSpace([mentee], [mentor], policy, taxonomy, first_week), [(0, 0)])[0]


def as_if_unpaired(people: Sequence[Participant], couples: Iterable[tuple[UUID, UUID]]) -> list[Participant]:
    """The program as a rerun sees it: these (mentor, mentee) pairs taken apart, free to be chosen again."""
    freed: dict[UUID, int] = {}
    partner_of: dict[UUID, set[UUID]] = {}
    mentees: set[UUID] = set()
    for mentor, mentee in couples:
        mentees.add(mentee)
        for person, partner in ((mentor, mentee), (mentee, mentor)):
            freed[person] = freed.get(person, 0) + 1
            partner_of.setdefault(person, set()).add(partner)
    return [
        replace(
            p,
            active_pairs=p.active_pairs - freed.get(p.participant_id, 0),
            mentored=p.mentored and p.participant_id not in mentees,
            partners=p.partners - partner_of.get(p.participant_id, set()),
        )
        for p in people
    ]


def scored_pairs(space: CandidateSpace, chosen: Pairs) -> list[ScoredPair]:
    if not chosen:
        return []
    rows = np.array([r for r, _ in chosen])
    cols = np.array([c for _, c in chosen])
    result = []
    for (row, col), breakdown in zip(chosen, space.breakdowns(rows, cols), strict=False):
        mentor, mentee = space.mentors[col], space.mentees[row]
        reasons = pair_reasons(mentor, mentee, breakdown, space.overlap_minutes(row, col), space.policy, space.taxonomy)
        result.append(ScoredPair(mentor, mentee, breakdown, reasons))
    return result


def best_partner(
    newcomer: Participant,
    waiting: Sequence[Participant],
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
    org: Mapping[UUID, Sequence[UUID]] | None = None,
) -> ScoredPair | None:
    """The best allowed partner for someone who arrives after the run; ties go to whoever has waited longest."""
    best = ranked(newcomer, waiting, policy, taxonomy, first_week, org, k=1)
    return best[0] if best else None


def ranked(
    person: Participant,
    waiting: Sequence[Participant],
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
    org: Mapping[UUID, Sequence[UUID]] | None = None,
    k: int = 5,
) -> list[ScoredPair]:
    """The `k` best allowed partners for one person, best first; equal scores go to whoever has waited longest.

    Only the `k` chosen are explained: people alike in everything tie by the hundred in a rolling program, and
    explaining a pair costs more than scoring it."""
    others = [p for p in waiting if p.participant_id != person.participant_id]
    spaces: list[CandidateSpace] = []
    if person.can_take_a_mentor:
        spaces.append(
            CandidateSpace([person], [p for p in others if p.mentor_slots > 0], policy, taxonomy, first_week, org)
        )
    if person.mentor_slots > 0:
        spaces.append(
            CandidateSpace([p for p in others if p.can_take_a_mentor], [person], policy, taxonomy, first_week, org)
        )
    options = [option for index, space in enumerate(spaces) for option in _best(space, index, person, k)]
    chosen = heapq.nsmallest(k, options)
    return [scored_pairs(spaces[option.space], [(option.row, option.col)])[0] for option in chosen]


def unmatchable(
    person: Participant,
    enrolled: Sequence[Participant],
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
    org: Mapping[UUID, Sequence[UUID]] | None = None,
) -> list[str]:
    """Why no one enrolled could ever be this person's partner under the hard rules, capacity aside; empty when
    someone could (they wait for that partner to have room) or when no one of the other role has enrolled yet.

    Capacity is left out because pairs end: a person whose only fits are busy is waiting, not unmatchable."""
    reasons: list[str] = []
    for space, me in _sides(person, enrolled, policy, taxonomy, first_week, org):
        if 0 in space.shape or _fitting(space, **me).any():
            return []
        reasons += unmatched_reasons(space, **me)
    return reasons


def who_fits(
    person: Participant,
    others: Sequence[Participant],
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
    org: Mapping[UUID, Sequence[UUID]] | None = None,
) -> set[UUID]:
    """Those of `others` whom `person` could partner under the hard rules, capacity aside."""
    found: set[UUID] = set()
    for space, me in _sides(person, others, policy, taxonomy, first_week, org):
        if 0 not in space.shape:
            side = space.mentors if "row" in me else space.mentees
            found |= {other.participant_id for other, fits in zip(side, _fitting(space, **me), strict=False) if fits}
    return found


def _sides(
    person: Participant,
    others: Sequence[Participant],
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
    org: Mapping[UUID, Sequence[UUID]] | None,
) -> Iterator[tuple[CandidateSpace, dict[str, int]]]:
    """The person against everyone of the other role they could take, whatever those have room for, and where
    the person sits in each space (its only row as a mentee, its only column as a mentor)."""
    if person.can_take_a_mentor:
        mentors = [p for p in others if could_mentor(p, person)]
        yield CandidateSpace([person], mentors, policy, taxonomy, first_week, org), {"row": 0}
    if person.mentor_slots > 0:
        mentees = [p for p in others if could_mentor(person, p)]
        yield CandidateSpace(mentees, [person], policy, taxonomy, first_week, org), {"col": 0}


def could_mentor(mentor: Participant, mentee: Participant) -> bool:
    """Whether the two are in roles `who_fits` and `unmatchable` weigh against each other, whichever of them is
    the person asked about: the rules and the room of the one not asked about aside."""
    return mentor.can_mentor() and mentee.can_be_mentored() and mentor.participant_id != mentee.participant_id


def in_a_role_to_partner(person: Participant, other: Participant) -> bool:
    """Whether `who_fits(person, ...)` weighs `other` at all: as a mentor the person could take, or a mentee the
    person has room to mentor."""
    return (person.can_take_a_mentor and could_mentor(other, person)) or (
        person.mentor_slots > 0 and could_mentor(person, other)
    )


def _fitting(space: CandidateSpace, row: int | None = None, col: int | None = None) -> np.ndarray:
    """Which of the other side pass every hard rule with the person at `row` or `col`."""
    rows = np.array([row]) if row is not None else np.arange(space.shape[0])
    cols = np.array([col]) if col is not None else None
    fitting: np.ndarray = np.logical_and.reduce(list(space.rule_masks(rows, cols).values())).ravel()
    return fitting


TIE = 1e-6


class _Option(NamedTuple):
    """A partner for one person, in the order they are ranked: the higher score, then whoever has waited longest."""

    negated_score: float
    other_enrolled_at: datetime
    other_id: UUID
    space: int
    row: int
    col: int


def _best(space: CandidateSpace, index: int, person: Participant, k: int) -> list[_Option]:
    """The allowed cells of the `index`-th of a person's spaces (the person its only row or its only column)
    scoring at least its k-th best, ties included, as the person's options."""
    if 0 in space.shape:
        return []
    scores = space.scored(np.arange(space.shape[0]))
    allowed = np.sort(scores[np.isfinite(scores)])[::-1]
    if allowed.size == 0:
        return []
    rows, cols = np.nonzero(scores >= allowed[min(k, allowed.size) - 1] - TIE)
    as_mentee = space.mentees[0].participant_id == person.participant_id
    options = []
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        other = space.mentors[col] if as_mentee else space.mentees[row]
        score = round(float(scores[row, col]), 6)
        options.append(_Option(-score, other.enrolled_at, other.participant_id, index, row, col))
    return options

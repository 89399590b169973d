"""Rolling intake: a batch's newcomers to a program that matches on arrival, paired one after another in memory.

Each newcomer meets the program as it stands after those before them in the batch: the candidates still waiting,
earlier newcomers among them, and who was told that no one could partner them. The outcome is the one matching
each newcomer on its own would give, newcomer by newcomer: the same pairs, the same reasons."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import islice
from uuid import UUID

from .engine import best_partner, in_a_role_to_partner, unmatchable, who_fits
from .model import Participant, ProgramPolicy, ScoredPair
from .taxonomy import Taxonomy


@dataclass
class ProgramStanding:
    """Everyone enrolled in a program and not withdrawn or erased, by id, and those of them rolling matching told
    that no one could partner them (until someone who could arrives, or they are paired)."""

    people: dict[UUID, Participant]
    told_unmatchable: set[UUID] = field(default_factory=set)
    with_room: dict[Kind, set[UUID]] = field(init=False)
    """Those of `people` with room for one more pair, the only ones a newcomer may be paired with, by what decides
    whether they could be (`_waiting_counterparts`): a newcomer looks at the kinds that could, not at everyone."""

    def __post_init__(self) -> None:
        self.with_room = {}
        for person in self.people.values():
            if _has_room(person):
                self.with_room.setdefault(_kind(person), set()).add(person.participant_id)

    def not_arrived_yet(self, newcomer_id: UUID) -> Participant:
        """A newcomer of the batch, already stored, taken out of the program until their turn (`arrive`)."""
        newcomer = self.people.pop(newcomer_id)
        self.with_room.get(_kind(newcomer), set()).discard(newcomer_id)
        return newcomer

    def has_room(self, participant_id: UUID) -> bool:
        person = self.people.get(participant_id)
        return person is not None and _has_room(person)

    def _set(self, person: Participant) -> None:
        if (before := self.people.get(person.participant_id)) is not None:
            self.with_room.get(_kind(before), set()).discard(person.participant_id)
        self.people[person.participant_id] = person
        if _has_room(person):
            self.with_room.setdefault(_kind(person), set()).add(person.participant_id)


@dataclass(frozen=True)
class Arrival:
    """What one newcomer's arrival did: those told unmatchable whom the newcomer could partner (no longer told),
    then either the pair made, or why no one enrolled could ever partner the newcomer (empty when they wait)."""

    newcomer: Participant
    now_fit: frozenset[UUID]
    pair: ScoredPair | None
    unmatchable: list[str]


def arrive(
    standing: ProgramStanding,
    newcomer: Participant,
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
    org: Mapping[UUID, Sequence[UUID]],
    candidates_considered: int,
) -> Arrival:
    """Enrol `newcomer` in `standing` and match them at once, updating `standing` to what that leaves.

    `org` holds the managers of anyone enrolled so far; `candidates_considered` bounds the longest-waiting
    candidates looked at, as a rolling match on its own does."""
    standing._set(newcomer)
    told = [standing.people[i] for i in standing.told_unmatchable if standing.has_room(i)]
    now_fit = frozenset(who_fits(newcomer, told, policy, taxonomy, first_week, org)) if told else frozenset()
    standing.told_unmatchable -= now_fit
    waiting = _waiting_counterparts(standing, newcomer, policy, candidates_considered)
    pair = best_partner(newcomer, waiting, policy, taxonomy, first_week, org) if waiting else None
    if pair is not None:
        _pair(standing, pair)
        return Arrival(newcomer, now_fit, pair, [])
    reasons = _unmatchable(standing, newcomer, policy, taxonomy, first_week, org)
    if reasons:
        standing.told_unmatchable.add(newcomer.participant_id)
    return Arrival(newcomer, now_fit, None, reasons)


# How many of the latest enrolled are tried first for someone who could partner the newcomer, before everyone is:
# the few latest of a role that could, then the latest of any role. The first usually settles it, and a space of
# a few people costs two thirds of one of thirty.
LATEST_OF_A_FITTING_ROLE = 4
LATEST_TRIED_FIRST = 32


def _unmatchable(
    standing: ProgramStanding,
    newcomer: Participant,
    policy: ProgramPolicy,
    taxonomy: Taxonomy,
    first_week: date,
    org: Mapping[UUID, Sequence[UUID]],
) -> list[str]:
    """`unmatchable` of the newcomer against everyone enrolled. Someone among the latest enrolled who could partner
    them settles it without scoring the newcomer against the whole program, as the rules hold pair by pair."""
    latest = list(islice(reversed(standing.people.values()), LATEST_TRIED_FIRST + 1))
    of_a_fitting_role = list(islice((p for p in latest if in_a_role_to_partner(newcomer, p)), LATEST_OF_A_FITTING_ROLE))
    if of_a_fitting_role and who_fits(newcomer, of_a_fitting_role, policy, taxonomy, first_week, org):
        return []
    tried = {p.participant_id for p in of_a_fitting_role}
    if who_fits(newcomer, [p for p in latest if p.participant_id not in tried], policy, taxonomy, first_week, org):
        return []
    return unmatchable(newcomer, list(standing.people.values()), policy, taxonomy, first_week, org)


def _has_room(person: Participant) -> bool:
    return person.active_pairs < person.profile.capacity


Kind = tuple[str, int]
"""A role and a grade: all a newcomer's role and grade need to know of someone to tell whether the two could pair."""


def _kind(person: Participant) -> Kind:
    return person.profile.role, person.profile.grade


def _waiting_counterparts(
    standing: ProgramStanding, newcomer: Participant, policy: ProgramPolicy, limit: int
) -> list[Participant]:
    """Those with room left whose role and grade could pair with the newcomer, longest-waiting first: a short list
    for the rules to decide on, as the repository's query gives it."""
    sign = 1 if policy.direction == "reverse" else -1  # in an ordinary program the mentor is the senior
    gap, grade = policy.min_grade_gap, newcomer.profile.grade

    def could_pair(kind: Kind) -> bool:
        role, other_grade = kind
        as_mentor = newcomer.can_mentor() and role != "mentor" and (other_grade - grade) * sign >= gap
        as_mentee = newcomer.can_be_mentored() and role != "mentee" and (grade - other_grade) * sign >= gap
        return as_mentor or as_mentee

    waiting = [
        standing.people[i]
        for kind, people in standing.with_room.items()
        if could_pair(kind)
        for i in people
        if i != newcomer.participant_id
    ]
    return heapq.nsmallest(limit, waiting, key=lambda p: (p.enrolled_at, p.participant_id))


def _pair(standing: ProgramStanding, pair: ScoredPair) -> None:
    """Both sides take one pair more, the mentee has a mentor, each is the other's partner for good."""
    mentor, mentee = standing.people[pair.mentor.participant_id], standing.people[pair.mentee.participant_id]
    standing._set(
        replace(mentor, active_pairs=mentor.active_pairs + 1, partners=mentor.partners | {mentee.participant_id})
    )
    standing._set(
        replace(
            mentee,
            active_pairs=mentee.active_pairs + 1,
            mentored=True,
            partners=mentee.partners | {mentor.participant_id},
        )
    )
    standing.told_unmatchable -= {mentor.participant_id, mentee.participant_id}

"""Who is enrolled where: whether someone may enrol themself, and a program's enrolment as its lead sees it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from flipside_shared.events import ParticipantEnrolled

from .refusals import Conflict

EnrolmentStatus = Literal["paired", "waiting", "withdrawn"]


@dataclass(frozen=True)
class Enrolment:
    """The program a participant id is enrolled in, and whether they left it."""

    program_id: str
    withdrawn: bool

    def takes_part_in(self, program_id: str) -> bool:
        return self.program_id == program_id and not self.withdrawn


def check_may_enrol(current: Enrolment | None, program_id: str) -> None:
    """One participant id takes part in one program, once: enrolling again would change nothing, so a person
    enrolling themself is told why instead."""
    if current is None:
        return
    if current.withdrawn:
        raise Conflict(f"this participant id left program {current.program_id!r} and cannot enrol again")
    if current.program_id == program_id:
        raise Conflict("already enrolled in this program")
    raise Conflict(f"already enrolled in program {current.program_id!r}: a participant takes part in one program")


@dataclass(frozen=True)
class EnrolledPerson:
    """What a program lead sees of one person: who they are in the program, never what they want or answer."""

    participant_id: UUID
    name: str
    role: str
    department: str
    active_pairs: int
    withdrawn: bool
    enrolled_at: datetime

    @property
    def status(self) -> EnrolmentStatus:
        if self.withdrawn:
            return "withdrawn"
        return "paired" if self.active_pairs > 0 else "waiting"


@dataclass(frozen=True)
class EnrolmentOverview:
    """Counts by status over everyone enrolled; by role and by department over those taking part (not withdrawn)."""

    by_status: dict[EnrolmentStatus, int]
    by_role: dict[str, int]
    by_department: dict[str, int]
    people: list[EnrolledPerson]


def enrolment_overview(people: list[EnrolledPerson]) -> EnrolmentOverview:
    taking_part = [person for person in people if person.status != "withdrawn"]
    statuses = Counter(person.status for person in people)
    return EnrolmentOverview(
        by_status={status: statuses[status] for status in ("paired", "waiting", "withdrawn")},
        by_role=dict(sorted(Counter(person.role for person in taking_part).items())),
        by_department=dict(sorted(Counter(person.department for person in taking_part).items())),
        people=people,
    )


def first_enrolments(enrolments: list[ParticipantEnrolled], stored: set[UUID]) -> list[ParticipantEnrolled]:
    """The enrolments that enrolled someone, in order: those whose id was stored now, each id at its first enrolment
    (a later one for the same id, like one for an id enrolled before, finds them enrolled already)."""
    first: dict[UUID, ParticipantEnrolled] = {}
    for enrolment in enrolments:
        if enrolment.participant_id in stored:
            first.setdefault(enrolment.participant_id, enrolment)
    return list(first.values())

"""A program's life: its status, the transitions a lead may make, and who may enrol or be paired in each status.

draft -> open (enrolment) -> matching -> running -> completed; any status before completed may turn cancelled.
A program created before it had details (by its policy alone) is `running` with enrolment open, as programs
were before they had a life: see ADR 0010.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from flipside_shared.events import (
    ProgramCancelled,
    ProgramCompleted,
    ProgramDetails,
    ProgramEnrolmentClosed,
    ProgramOpened,
    ProgramStarted,
)
from flipside_shared.events.programs import ProgramStatus

from .refusals import Conflict, Invalid

Transition = Literal["open", "close-enrolment", "start", "complete", "cancel"]

LifecycleEvent = type[ProgramOpened | ProgramEnrolmentClosed | ProgramStarted | ProgramCompleted | ProgramCancelled]

ENDED: frozenset[ProgramStatus] = frozenset({"completed", "cancelled"})
"""A program in these statuses changes no more: no details, no enrolment, no pairs."""

PAIRING: frozenset[ProgramStatus] = frozenset({"open", "matching", "running"})
"""Statuses in which pairs are made: by rolling matching as people arrive, by match runs, by hand or by proposal."""


@dataclass(frozen=True)
class Step:
    """What a transition needs, where it leads, and the event that announces it."""

    allowed_from: frozenset[ProgramStatus]
    to: ProgramStatus
    event: LifecycleEvent


STEPS: dict[Transition, Step] = {
    "open": Step(frozenset({"draft"}), "open", ProgramOpened),
    "close-enrolment": Step(frozenset({"open"}), "matching", ProgramEnrolmentClosed),
    "start": Step(frozenset({"matching"}), "running", ProgramStarted),
    "complete": Step(frozenset({"running"}), "completed", ProgramCompleted),
    "cancel": Step(frozenset({"draft", "open", "matching", "running"}), "cancelled", ProgramCancelled),
}


@dataclass(frozen=True)
class ProgramLife:
    """Where a program is in its life: its status, its details (None for a program defined by its policy alone)
    and when its enrolment was closed, if it was."""

    program_id: str
    status: ProgramStatus
    details: ProgramDetails | None = None
    enrolment_closed_at: datetime | None = None

    @property
    def described(self) -> ProgramDetails:
        """The details every lifecycle event carries: a program without details is named by its id."""
        return self.details or ProgramDetails(name=self.program_id)

    def step(self, transition: Transition) -> Step:
        """The step `transition` takes from here; Conflict with the reason when it cannot be taken."""
        step = STEPS[transition]
        if self.status not in step.allowed_from:
            allowed = " or ".join(sorted(step.allowed_from))
            raise Conflict(
                f"program {self.program_id!r} is {self.status}: {transition} is only possible from {allowed}"
            )
        return step

    def check_editable(self) -> None:
        if self.status in ENDED:
            raise Conflict(f"program {self.program_id!r} is {self.status}: its details no longer change")

    def check_enrolment_open(self, now: datetime) -> None:
        """Whether someone may enrol now: Conflict with the reason they may not."""
        name = repr(self.program_id)
        if self.status == "draft":
            raise Conflict(f"program {name} is a draft: enrolment has not opened yet")
        if self.status in ENDED:
            raise Conflict(f"program {name} is {self.status}: it takes no enrolments")
        if self.status == "matching" or self.enrolment_closed_at is not None:
            raise Conflict(f"enrolment in program {name} is closed")
        details = self.details
        if details is not None and details.enrolment_opens_at is not None and now < details.enrolment_opens_at:
            raise Conflict(f"enrolment in program {name} opens at {details.enrolment_opens_at.isoformat()}")
        if details is not None and details.enrolment_closes_at is not None and now >= details.enrolment_closes_at:
            raise Conflict(f"enrolment in program {name} closed at {details.enrolment_closes_at.isoformat()}")

    @property
    def pairs_may_be_made(self) -> bool:
        return self.status in PAIRING

    def check_pairs_may_be_made(self) -> None:
        if not self.pairs_may_be_made:
            raise Conflict(f"program {self.program_id!r} is {self.status}: no pairs are made in it")


def pair_completion_reason(status: ProgramStatus) -> Literal["program_completed", "program_cancelled"]:
    """Why the active pairs of a program that ended in `status` are completed."""
    return "program_cancelled" if status == "cancelled" else "program_completed"


def check_details(program_id: str, details: ProgramDetails, chain: list[str]) -> None:
    """Dates in order, and a previous cohort that is another program whose own chain does not lead back here.

    `chain` is the previous cohort and its earlier cohorts, nearest first (empty without a previous cohort)."""
    opens, closes = details.enrolment_opens_at, details.enrolment_closes_at
    if opens is not None and closes is not None and opens >= closes:
        raise Invalid("enrolment_opens_at must be before enrolment_closes_at")
    if details.starts_on is not None and details.ends_on is not None and details.starts_on > details.ends_on:
        raise Invalid("starts_on must not be after ends_on")
    if program_id in chain:
        raise Invalid(f"previous_cohort: program {program_id!r} cannot follow itself")

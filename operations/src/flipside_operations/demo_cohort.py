"""The demo program: a synthetic cohort of junior mentors and senior mentees across departments and time zones."""

from __future__ import annotations

from flipside_shared.events import ParticipantEnrolled
from flipside_shared.synthetic import LADDER, enrolments

PROGRAM = "demo-2026"

__all__ = ["LADDER", "PROGRAM", "cohort"]


def cohort(size: int = 40, seed: int = 10) -> list[ParticipantEnrolled]:
    return enrolments(size, PROGRAM, seed)

"""A program's ground rules and confidentiality agreement: versioned, and accepted by each person who enrols.

Every change a lead makes is a new version; people enrolling from then on accept that one, and what each person
accepted stays as they accepted it. A program without an agreement takes enrolments as it always has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .refusals import Invalid


@dataclass(frozen=True)
class ProgramAgreement:
    program_id: str
    version: int
    ground_rules: str
    confidentiality: str
    published_at: datetime


def check_accepted(current: ProgramAgreement | None, accepted_version: int | None) -> None:
    """Enrolment needs the current version accepted, once the program has an agreement."""
    if current is None:
        return
    where = f"GET /programs/{current.program_id}/agreement"
    if accepted_version is None:
        raise Invalid(
            f"program {current.program_id!r} asks everyone who enrols to accept its ground rules and confidentiality"
            f" agreement: read version {current.version} at {where} and enrol with agreement_version"
            f" {current.version}"
        )
    if accepted_version != current.version:
        raise Invalid(
            f"agreement version {accepted_version} of program {current.program_id!r} is not the current one:"
            f" read version {current.version} at {where} and accept that"
        )

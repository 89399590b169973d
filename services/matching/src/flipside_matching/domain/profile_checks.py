"""What a profile must satisfy to be enrolled or changed, checked the same way whether it comes over HTTP,
from Flipside's own topic or from an HR system.

A refusal names the program for a dead letter, read without the request; an HTTP caller, who named the program,
is answered more briefly.
"""

from __future__ import annotations

from flipside_shared.events import ParticipantProfile

from .model import Participant, ProgramPolicy
from .refusals import Invalid


def check_grade(program_id: str, policy: ProgramPolicy, grade: int) -> None:
    ladder = policy.grades
    if not 0 <= grade < len(ladder):
        raise Invalid(
            f"grade {grade} is outside program {program_id!r}'s ladder (0 = {ladder[0]} to {len(ladder) - 1} = {ladder[-1]})",
            f"grade {grade} is outside the program's ladder (0 to {len(ladder) - 1})",
        )


def check_same_program(current: Participant, proposed: ParticipantProfile) -> None:
    if current.profile.program_id != proposed.program_id:
        raise Invalid("a participant cannot move to another program: withdraw, then enrol in the new one")


def check_capacity(current: Participant, proposed: ParticipantProfile) -> None:
    """Capacity never drops below the pairs someone has: the pairs would overfill them."""
    if proposed.capacity < current.active_pairs:
        raise Invalid(
            f"capacity {proposed.capacity} is below their {current.active_pairs} active pairs: end a pair first",
            f"capacity {proposed.capacity} is below their {current.active_pairs} active pairs",
        )


def check_change(current: Participant, proposed: ParticipantProfile) -> None:
    """A changed profile stays in its program and keeps room for the pairs it has."""
    check_same_program(current, proposed)
    check_capacity(current, proposed)


def check_ladder(policy: ProgramPolicy, highest_enrolled_grade: int | None) -> None:
    """A program's new ladder keeps every grade someone is enrolled at."""
    if highest_enrolled_grade is not None and highest_enrolled_grade >= len(policy.grades):
        raise Invalid(
            f"participants are enrolled at grade {highest_enrolled_grade};"
            f" the ladder must keep at least {highest_enrolled_grade + 1} grades"
        )

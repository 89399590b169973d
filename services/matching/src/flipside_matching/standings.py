"""Rolling programs' standings kept in this process between batches of enrolments.

A batch of newcomers is matched against everyone in the program; reading and validating them all again for every
batch would make intake cost in proportion to the program's size. So the standing a batch leaves is kept, once its
transaction has committed, under the generation that transaction stamped on the program. The next batch takes it
only if the program still has that generation when it takes the program's lock: every writer of the program's
people, pairs and notices stamps a new one, whichever replica it runs in, so anything else means someone wrote in
between and the standing is read from the database again. Generations come from a sequence and are never reused:
a stamp that was rolled back never comes back to make a standing look current.
"""

from __future__ import annotations

from dataclasses import dataclass

from flipside_shared.unit_of_work import UnitOfWork

from .domain.rolling import ProgramStanding
from .repository import MatchingRepository, Program, ProgramGeneration


@dataclass(frozen=True)
class _Kept:
    generation: int
    standing: ProgramStanding


class KeptStandings:
    """One process's standings of rolling programs, each with the generation it is the standing of."""

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}

    def take(self, program: Program, generation: ProgramGeneration | None) -> ProgramStanding | None:
        """The program's kept standing if it is current at the lock that found `generation`, for this transaction to
        change; None if it must be read. Taken out either way: it comes back only if the transaction commits."""
        kept = self._kept.pop(program.program_id, None)
        if kept is None or generation is None or kept.generation != generation.before or not may_keep(program):
            return None
        return kept.standing

    def keep(
        self,
        uow: UnitOfWork[MatchingRepository],
        program: Program,
        generation: ProgramGeneration | None,
        standing: ProgramStanding,
    ) -> None:
        """Keep what this transaction leaves of the program, once it has committed."""
        if generation is None or not may_keep(program):
            return
        kept = _Kept(generation.stamped, standing)
        uow.repository.standing_kept(program.program_id)
        uow.after_commit(lambda: self._kept.__setitem__(program.program_id, kept))


def may_keep(program: Program) -> bool:
    """A program with earlier cohorts is not kept: its people's partners there change under those programs' locks."""
    return program.details is None or program.details.previous_cohort is None

"""`ProgramContent`: what a lead writes for their program for people to read (its ground rules and
confidentiality agreement, orientation for both roles) and what stands in where they wrote none."""

from __future__ import annotations

from uuid import UUID

from flipside_shared.clock import Clock

from .domain.agreements import ProgramAgreement, check_accepted
from .domain.orientation import GuideRole, OrientationGuide, built_in_guide
from .domain.refusals import NotFound
from .matcher import Unit, known_program, member_of
from .repository import MatchingRepository


class ProgramContent:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def publish_agreement(
        self, uow: Unit, program_id: str, ground_rules: str, confidentiality: str
    ) -> ProgramAgreement:
        """A new version: people enrolling from now on accept it; those enrolled keep the one they accepted."""
        await known_program(uow.repository, program_id)
        return await uow.repository.content.publish_agreement(
            program_id, ground_rules, confidentiality, self._clock.now()
        )

    async def accept_agreement(self, uow: Unit, program_id: str, participant_id: UUID, version: int) -> None:
        """Someone enrolled before the current version accepts it: their record moves to it."""
        await member_of(uow.repository, program_id, participant_id)
        current = await uow.repository.content.current_agreement(program_id)
        if current is None:
            raise NotFound(f"program {program_id!r} has no agreement to accept")
        check_accepted(current, version)
        await uow.repository.content.renew_acceptance(participant_id, program_id, version, self._clock.now())

    async def write_guide(self, uow: Unit, program_id: str, guide: OrientationGuide) -> None:
        await known_program(uow.repository, program_id)
        await uow.repository.content.save_orientation_guide(program_id, guide, self._clock.now())


async def orientation(
    repository: MatchingRepository, program_id: str, role: GuideRole, language: str
) -> OrientationGuide:
    """The program's own guide for the role and language, else the built-in one."""
    await known_program(repository, program_id)
    own = await repository.content.orientation_guide(program_id, role, language)
    return own or built_in_guide(role, language)

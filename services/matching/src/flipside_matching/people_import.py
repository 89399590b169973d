"""A lead's CSV import of people into their program: a preview that names every row's errors, then the commit.

The commit goes through the `Matcher`'s enrolment path, one person at a time, in the caller's unit of work: every
row is enrolled or updated, or (when one is refused) none is. Importing the same file again changes nobody: what
each employee id was last imported with is kept, and only a changed row becomes a `ParticipantUpdated`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flipside_shared.clock import Clock
from flipside_shared.events import ParticipantProfile

from .domain.enrolment import check_may_enrol
from .domain.people_file import PersonRow, RowError, read_people
from .domain.profile_checks import check_grade
from .domain.refusals import Refused
from .matcher import Matcher, Unit, known_program
from .provisioning_queries import ImportedPerson
from .repository import MatchingRepository
from .scim_users import participant_id_of_employee


@dataclass(frozen=True)
class ImportPlan:
    rows: int
    errors: list[RowError]
    enrolled: list[PersonRow]
    updated: list[PersonRow]
    unchanged: list[PersonRow]
    last_sent: Mapping[str, ParticipantProfile] = field(default_factory=dict)
    """Each updated row's profile as last imported, by employee id: what an update checks against while matching has
    not stored that import's enrolment yet."""


class ImportRefused(Exception):
    """The import changed nothing: these rows' errors say why."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(f"{len(plan.errors)} errors")
        self.plan = plan


class PeopleImport:
    def __init__(self, matcher: Matcher, clock: Clock) -> None:
        self._matcher = matcher
        self._clock = clock

    async def preview(self, repository: MatchingRepository, program_id: str, data: bytes) -> ImportPlan:
        """What importing `data` would do: who is enrolled, who updated, who unchanged, and every row's errors."""
        program = await known_program(repository, program_id)
        people = read_people(data, program_id, participant_id_of_employee)
        errors = list(people.errors)
        before = await repository.imported_people([person.employee_id for person in people.people])
        # Enrolled another way (SCIM, an admin, themself): the import does not move or re-enrol them.
        elsewhere = await repository.enrolments([participant_id_of_employee(p.employee_id) for p in people.people])
        enrolled, updated, unchanged = [], [], []
        for person in people.people:
            try:
                check_grade(program_id, program.policy, person.profile.grade)
            except Refused as refusal:
                errors.append(RowError(person.row, "grade", str(refusal.detail)))
                continue
            imported = before.get(person.employee_id)
            current = elsewhere.get(participant_id_of_employee(person.employee_id))
            if imported is None and current is not None and not current.takes_part_in(program_id):
                try:
                    check_may_enrol(current, program_id)
                except Refused as refusal:
                    errors.append(RowError(person.row, "employee_id", str(refusal.detail)))
            elif imported is None:
                enrolled.append(person)
            elif imported.program_id != program_id:
                message = f"employee {person.employee_id} was imported into program {imported.program_id!r}"
                errors.append(RowError(person.row, "employee_id", message))
            elif imported.profile == person.profile:
                unchanged.append(person)
            else:
                updated.append(person)
        errors.sort(key=lambda error: error.row)
        last_sent = {person.employee_id: before[person.employee_id].profile for person in updated}
        return ImportPlan(people.rows, errors, enrolled, updated, unchanged, last_sent)

    async def commit(self, uow: Unit, program_id: str, data: bytes) -> ImportPlan:
        """All of the file or nothing: refused with every row's errors (`ImportRefused`) when any row has one."""
        plan = await self.preview(uow.repository, program_id, data)
        if plan.errors:
            raise ImportRefused(plan)
        errors = []
        for person in plan.enrolled:
            try:
                await self._matcher.enrol(uow, participant_id_of_employee(person.employee_id), person.profile)
            except Refused as refusal:
                errors.append(RowError(person.row, None, str(refusal.detail)))
        for person in plan.updated:
            try:
                participant_id = participant_id_of_employee(person.employee_id)
                sent = plan.last_sent[person.employee_id]
                await self._matcher.request_update(
                    uow, participant_id, person.profile, may_change_hr_fields=True, sent=sent
                )
            except Refused as refusal:
                errors.append(RowError(person.row, None, str(refusal.detail)))
        if errors:
            raise ImportRefused(ImportPlan(plan.rows, errors, [], [], []))
        imported = [
            ImportedPerson(
                person.employee_id, participant_id_of_employee(person.employee_id), program_id, person.profile
            )
            for person in plan.enrolled + plan.updated
        ]
        await uow.repository.save_imported(imported, self._clock.now())
        return plan

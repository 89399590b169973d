"""SCIM users: what an identity provider's create, replace, patch and delete do, in the caller's unit of work.

The resource is kept as the provider set it; the profile it describes goes through the `Matcher`'s enrolment path
(enrol, update, withdraw, erase), so every check HTTP enrolment makes applies and the events leave by the outbox.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from flipside_shared.auth.identity import participant_id_for
from flipside_shared.clock import Clock
from flipside_shared.events import ParticipantProfile

from .domain.provisioning import next_step, standing_after
from .domain.refusals import Stale
from .domain.scim import ScimRefusal, employee_number, external_id, is_active, patched, profile_of, user_name
from .matcher import Matcher, Unit
from .provisioning_queries import ScimUser

EMPLOYEE_ID_CLAIM = "employee_id"
"""The claim name an employee id is derived under, whichever way HR sends it (SCIM's employeeNumber, a CSV)."""


def participant_id_of_employee(employee_id: str) -> UUID:
    """One employee, one participant id, whether SCIM or a CSV import brings them; a token whose participant claim
    (`employee_id`) holds the same employee id signs them in as themselves."""
    return participant_id_for(EMPLOYEE_ID_CLAIM, employee_id)


class ScimUsers:
    def __init__(self, matcher: Matcher, clock: Clock, identity_claim: str) -> None:
        self._matcher = matcher
        self._clock = clock
        self._identity_claim = identity_claim

    def participant_id_of(self, resource: dict[str, Any]) -> UUID:
        """From the employee number when the provider sends one; otherwise from userName (usually the person's
        sign-in name) under the claim tokens name people by, so the person signs in as the one provisioned."""
        employee = employee_number(resource)
        if employee:
            return participant_id_of_employee(employee)
        return participant_id_for(self._identity_claim, user_name(resource))

    async def create(self, uow: Unit, resource: dict[str, Any]) -> ScimUser:
        name = user_name(resource)
        participant_id = self.participant_id_of(resource)
        if await uow.repository.scim_user_named(name) or await uow.repository.scim_user(participant_id):
            raise ScimRefusal("uniqueness", f"a user with userName {name!r} (or this employeeNumber) exists", 409)
        profile = profile_of(resource)
        now = self._clock.now()
        user = ScimUser(participant_id, name, external_id(resource), _kept(resource), "waiting", 0, now, now)
        return await self._save(uow, user, None, profile, is_active(resource))

    async def replace(
        self, uow: Unit, participant_id: UUID, resource: dict[str, Any], if_match: str | None
    ) -> ScimUser:
        current = await self._current(uow, participant_id, if_match)
        name = user_name(resource)
        holder = await uow.repository.scim_user_named(name)
        if holder is not None and holder != participant_id:
            raise ScimRefusal("uniqueness", f"another user has userName {name!r}", 409)
        changed = replace(current, user_name=name, external_id=external_id(resource), resource=_kept(resource))
        return await self._save(uow, changed, profile_of(current.resource), profile_of(resource), is_active(resource))

    async def patch(self, uow: Unit, participant_id: UUID, operations: Any, if_match: str | None) -> ScimUser:
        current = await self._current(uow, participant_id, if_match)
        resource = patched(current.resource, operations)
        return await self.replace(uow, participant_id, resource, None)

    async def delete(self, uow: Unit, participant_id: UUID, if_match: str | None) -> None:
        """The provider deletes the person: their right to erasure, which also deletes the stored resource."""
        await self._current(uow, participant_id, if_match)
        self._matcher.request_erasure(uow, participant_id)
        await uow.repository.forget_provisioned(participant_id)

    async def _current(self, uow: Unit, participant_id: UUID, if_match: str | None) -> ScimUser:
        current = await uow.repository.scim_user(participant_id, for_update=True)
        if current is None:
            raise ScimRefusal(None, f"no SCIM user {participant_id}", 404)
        if if_match is not None and not matches(if_match, current.version):
            raise Stale(f"the user is at version {etag(current.version)}, not {if_match}")
        return current

    async def _save(
        self, uow: Unit, user: ScimUser, before: ParticipantProfile | None, after: ParticipantProfile, active: bool
    ) -> ScimUser:
        step = next_step(None if before is None else user.standing, active, before, after)
        participant_id = user.participant_id
        if step == "enrol":
            await self._matcher.enrol(uow, participant_id, after)
        elif step == "update":
            await self._matcher.request_update(uow, participant_id, after, may_change_hr_fields=True, sent=before)
        elif step == "withdraw":
            await self._matcher.request_withdrawal(uow, participant_id, sent=before)
        saved = replace(
            user,
            standing=standing_after(user.standing, step),
            version=user.version + 1,
            modified_at=self._clock.now(),
        )
        await uow.repository.save_scim_user(saved)
        return saved


def etag(version: int) -> str:
    return f'W/"{version}"'


def matches(if_match: str, version: int) -> bool:
    """`If-Match` holds `*` or a list of ETags, one of which must be the current one (weak or strong)."""
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    return "*" in tags or f'"{version}"' in tags


def _kept(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as the provider set it, without what the service provider sets (RFC 7643 section 3.1)."""
    return {key: value for key, value in resource.items() if key.lower() not in ("id", "meta")}

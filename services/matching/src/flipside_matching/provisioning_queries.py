"""asyncpg queries on what HR systems provisioned: SCIM users as their provider set them, and the rows of CSV imports.

Part of `MatchingRepository` (its base class), so a unit of work reaches them as `uow.repository` like any other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from flipside_shared.events import ParticipantProfile

from .domain.enrolment import Enrolment
from .domain.provisioning import Standing
from .domain.scim import UserFilter


@dataclass(frozen=True)
class ScimUser:
    """A SCIM user as stored: the resource as its provider set it (without `id` and `meta`, which are ours)."""

    participant_id: UUID
    user_name: str
    external_id: str | None
    resource: dict[str, Any]
    standing: Standing
    version: int
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True)
class ImportedPerson:
    """What the last import sent for one employee id."""

    employee_id: str
    participant_id: UUID
    program_id: str
    profile: ParticipantProfile


@dataclass(frozen=True)
class ScimUserPage:
    total: int
    users: list[ScimUser]


_SCIM_USER = "SELECT participant_id, user_name, external_id, resource, standing, version, created_at, modified_at FROM scim_users"


class ProvisioningQueries:
    _conn: asyncpg.Connection

    async def scim_user(self, participant_id: UUID, for_update: bool = False) -> ScimUser | None:
        row = await self._conn.fetchrow(
            _SCIM_USER + " WHERE participant_id = $1" + (" FOR UPDATE" if for_update else ""), participant_id
        )
        return _scim_user(row) if row else None

    async def scim_user_named(self, user_name: str) -> UUID | None:
        """Who holds this userName, which SCIM compares without regard to case."""
        found: UUID | None = await self._conn.fetchval(
            "SELECT participant_id FROM scim_users WHERE lower(user_name) = lower($1)", user_name
        )
        return found

    async def scim_users(self, where: UserFilter | None, start_index: int, count: int) -> ScimUserPage:
        """A page of users in the order they were created; `start_index` counts from 1, as SCIM does."""
        condition, arguments = "", []
        if where is not None and where.attribute == "userName":
            condition, arguments = " WHERE lower(user_name) = lower($1)", [where.value]
        elif where is not None:
            condition, arguments = " WHERE external_id = $1", [where.value]
        total = await self._conn.fetchval("SELECT count(*) FROM scim_users" + condition, *arguments)
        n = len(arguments)
        rows = await self._conn.fetch(
            _SCIM_USER + condition + f" ORDER BY created_at, participant_id OFFSET ${n + 1} LIMIT ${n + 2}",
            *arguments,
            start_index - 1,
            count,
        )
        return ScimUserPage(total, [_scim_user(row) for row in rows])

    async def save_scim_user(self, user: ScimUser) -> None:
        await self._conn.execute(
            "INSERT INTO scim_users"
            " (participant_id, user_name, external_id, resource, standing, version, created_at, modified_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (participant_id) DO UPDATE SET user_name = excluded.user_name,"
            " external_id = excluded.external_id, resource = excluded.resource, standing = excluded.standing,"
            " version = excluded.version, modified_at = excluded.modified_at",
            user.participant_id,
            user.user_name,
            user.external_id,
            user.resource,
            user.standing,
            user.version,
            user.created_at,
            user.modified_at,
        )

    async def imported_people(self, employee_ids: Sequence[str]) -> dict[str, ImportedPerson]:
        rows = await self._conn.fetch(
            "SELECT employee_id, participant_id, program_id, profile FROM imported_people"
            " WHERE employee_id = ANY($1::text[])",
            list(employee_ids),
        )
        return {
            row["employee_id"]: ImportedPerson(
                row["employee_id"],
                row["participant_id"],
                row["program_id"],
                ParticipantProfile.model_validate(row["profile"]),
            )
            for row in rows
        }

    async def save_imported(self, people: Sequence[ImportedPerson], imported_at: datetime) -> None:
        await self._conn.executemany(
            "INSERT INTO imported_people (employee_id, participant_id, program_id, profile, imported_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (employee_id) DO UPDATE SET profile = excluded.profile,"
            " imported_at = excluded.imported_at",
            [
                (p.employee_id, p.participant_id, p.program_id, p.profile.model_dump(mode="json"), imported_at)
                for p in people
            ],
        )

    async def enrolments(self, participant_ids: Sequence[UUID]) -> dict[UUID, Enrolment]:
        """Where each of these ids is enrolled, withdrawn or not; erased ones and those never enrolled are left out."""
        rows = await self._conn.fetch(
            "SELECT participant_id, program_id, withdrawn_at IS NOT NULL AS withdrawn FROM participants"
            " WHERE participant_id = ANY($1::uuid[]) AND erased_at IS NULL",
            list(participant_ids),
        )
        return {row["participant_id"]: Enrolment(row["program_id"], row["withdrawn"]) for row in rows}

    async def forget_provisioned(self, participant_id: UUID) -> None:
        """An erased person's SCIM resource and imported rows hold their personal data: they go with the rest."""
        await self._conn.execute("DELETE FROM scim_users WHERE participant_id = $1", participant_id)
        await self._conn.execute("DELETE FROM imported_people WHERE participant_id = $1", participant_id)


def _scim_user(row: asyncpg.Record) -> ScimUser:
    return ScimUser(
        participant_id=row["participant_id"],
        user_name=row["user_name"],
        external_id=row["external_id"],
        resource=row["resource"],
        standing=row["standing"],
        version=row["version"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
    )

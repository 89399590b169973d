"""The fairness audit: match rates and scores by group, small groups suppressed; audit-only demographics."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.auth.rules import require_admin, require_lead
from flipside_shared.spreadsheet import csv_text
from flipside_shared.text import Name

from ..domain.fairness import Cell, Person, audit, grade_band
from ..matcher import known_program
from .dependencies import Units
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)


# What fits in a request body of the default 64 KiB (about 100 bytes each); a bigger program sends them in parts.
MAX_DECLARATIONS = 500


class Declaration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: UUID
    attribute: str = Field(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")
    value: Name = Field(min_length=1)


@router.put("/programs/{program_id}/demographics", dependencies=[Depends(require_admin)])
async def declare_demographics(
    program_id: str,
    units: Units,
    declarations: list[Declaration] = Body(max_length=MAX_DECLARATIONS),
) -> dict:
    """Self-declared demographics for the fairness audit only: stored apart, never read by matching."""
    async with units.begin() as uow:
        repository = uow.repository
        await known_program(repository, program_id)
        unknown = {d.participant_id for d in declarations} - await repository.enrolled(
            program_id, {d.participant_id for d in declarations}
        )
        if unknown:
            raise HTTPException(
                422, f"{len(unknown)} participant id(s) are not enrolled in this program; nothing was stored"
            )
        stored = await repository.save_demographics(
            program_id, [(d.participant_id, d.attribute, d.value) for d in declarations]
        )
    return {"stored": stored}


@router.get("/programs/{program_id}/fairness", dependencies=[Depends(require_lead())])
async def fairness(program_id: str, units: Units, format: Literal["json", "csv"] = "json"):
    """Match rate and scores by department, grade band, location, and any declared attribute; groups under 5 suppressed."""
    async with units.reading() as repository:
        found = await known_program(repository, program_id)
        rows = await repository.audit_rows(program_id)
        declared = await repository.demographics(program_id)
    extra: dict[UUID, dict[str, str]] = {}
    for row in declared:
        extra.setdefault(row["participant_id"], {})[f"declared:{row['attribute']}"] = row["value"]
    people = [
        Person(
            {
                "department": r["department"],
                "grade_band": grade_band(r["grade"], found.policy.grades),
                "location": r["location"],
                **extra.get(r["participant_id"], {}),
            },
            r["score"],
        )
        for r in rows
    ]
    cells = audit(people)
    if format == "csv":
        columns = [field.name for field in fields(Cell)]
        table = ([getattr(cell, column) for column in columns] for cell in cells)
        return Response(
            csv_text(columns, table),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{program_id}-fairness.csv"'},
        )
    return {
        "program_id": program_id,
        "participants": len(people),
        "cells": [asdict(cell) for cell in cells],
        "warnings": [f"{c.dimension}={c.group}: {c.warning}" for c in cells if c.warning],
    }

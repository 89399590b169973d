"""Programs: their details and their life (draft, open, matching, running, completed or cancelled), their rules and
weights, match runs (and dry runs), their pairs."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Response, status

from flipside_shared.auth.rules import authenticated, require_admin, require_lead
from flipside_shared.events import ProgramDetails

from ..domain.lifecycle import Transition
from ..domain.model import ProgramPolicy, ScoredPair
from ..matcher import known_program
from ..repository import Program
from .common import PROGRAM_ID, Accepted, pair_view
from .dependencies import Caller, MatcherDependency, Units
from .refusals import AnsweringRefusals

router = APIRouter(route_class=AnsweringRefusals)


class RunAccepted(Accepted):
    run_id: UUID


@router.put("/programs/{program_id}", dependencies=[Depends(require_admin)])
async def configure_program(
    program_id: str, policy: ProgramPolicy, units: Units, matcher: MatcherDependency
) -> ProgramPolicy:
    """Create a program or change its rules and weights (they apply to the next match)."""
    check_program_id(program_id)
    async with units.begin() as uow:
        await matcher.configure_program(uow, program_id, policy)
    return policy


@router.put("/programs/{program_id}/details", dependencies=[Depends(require_admin)])
async def define_program(program_id: str, details: ProgramDetails, units: Units, matcher: MatcherDependency) -> dict:
    """Create a program from its details (a draft: it takes no enrolment until opened) or change them, in any
    status before completed or cancelled (409 then). `ProgramDefined` tells everyone."""
    check_program_id(program_id)
    async with units.begin() as uow:
        program = await matcher.define_program(uow, program_id, details)
    return program_view(program)


async def _change_status(program_id: str, transition: Transition, units: Units, matcher: MatcherDependency) -> dict:
    async with units.begin() as uow:
        program = await matcher.change_status(uow, program_id, transition)
    return program_view(program)


@router.post("/programs/{program_id}/open", dependencies=[Depends(require_lead())])
async def open_enrolment(program_id: str, units: Units, matcher: MatcherDependency) -> dict:
    """draft -> open: people may enrol, within the enrolment window if the details give one."""
    return await _change_status(program_id, "open", units, matcher)


@router.post("/programs/{program_id}/close-enrolment", dependencies=[Depends(require_lead())])
async def close_enrolment(program_id: str, units: Units, matcher: MatcherDependency) -> dict:
    """open -> matching: no more enrolments; the cohort is matched."""
    return await _change_status(program_id, "close-enrolment", units, matcher)


@router.post("/programs/{program_id}/start", dependencies=[Depends(require_lead())])
async def start(program_id: str, units: Units, matcher: MatcherDependency) -> dict:
    """matching -> running: pairs meet."""
    return await _change_status(program_id, "start", units, matcher)


@router.post("/programs/{program_id}/complete", dependencies=[Depends(require_lead())])
async def complete(program_id: str, units: Units, matcher: MatcherDependency) -> dict:
    """running -> completed: every active pair is completed (`PairCompleted`), both sides' room is free, and no
    pair is made in the program again."""
    return await _change_status(program_id, "complete", units, matcher)


@router.post("/programs/{program_id}/cancel", dependencies=[Depends(require_lead())])
async def cancel(program_id: str, units: Units, matcher: MatcherDependency) -> dict:
    """Any status before completed -> cancelled: every active pair is completed, as when the program completes."""
    return await _change_status(program_id, "cancel", units, matcher)


@router.get("/programs")
async def programs(units: Units, principal: Caller) -> list[dict]:
    """The programs the caller may see: every one, to enrol in, for a participant or an admin; a lead's own for a
    lead. Each says whether the caller leads it and whether they are enrolled in it."""
    async with units.reading() as repository:
        found = await repository.programs()
        enrolment = await repository.enrolment(principal.participant_id) if principal.participant_id else None
    sees_all = principal.is_admin or "participant" in principal.roles
    return [
        {
            **program_view(program),
            "leads": principal.leads(program.program_id),
            "enrolled": enrolment is not None and enrolment.takes_part_in(program.program_id),
        }
        for program in found
        if sees_all or principal.leads(program.program_id)
    ]


@router.get("/programs/{program_id}", dependencies=[Depends(authenticated)])
async def program(program_id: str, units: Units) -> dict:
    async with units.reading() as repository:
        found = await known_program(repository, program_id)
    return program_view(found)


@router.post(
    "/programs/{program_id}/runs", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require_lead())]
)
async def request_run(
    program_id: str,
    response: Response,
    units: Units,
    matcher: MatcherDependency,
    dry_run: bool = False,
    replace_unlocked: bool = False,
) -> dict:
    """Match everyone with room left, globally. `dry_run=true` returns the proposed pairs and statistics
    at once and publishes nothing; otherwise the run is an event, done once however often it arrives.
    `replace_unlocked=true` is a rerun: active pairs that are not locked may be replaced by better ones."""
    if dry_run:
        async with units.reading() as repository:
            plan = await matcher.dry_run(repository, program_id, replace_unlocked)
        result = plan.result
        response.status_code = status.HTTP_200_OK
        return {
            "dry_run": True,
            "statistics": _statistics(result.pairs, len(plan.people), len(result.unmatched)),
            "pairs": [pair_view(pair) for pair in result.pairs],
            "unmatched": [{"participant_id": str(p), "reasons": r} for p, r in result.unmatched.items()],
        }
    async with units.begin() as uow:
        run_id, envelope = await matcher.request_run(uow, program_id, replace_unlocked)
    return RunAccepted(run_id=run_id, event_id=envelope.id).model_dump(mode="json")


@router.get("/programs/{program_id}/pairs", dependencies=[Depends(require_lead())])
async def pairs(program_id: str, units: Units) -> list[dict]:
    async with units.reading() as repository:
        rows = await repository.pairs(program_id)
    return [dict(row) for row in rows]


def check_program_id(program_id: str) -> None:
    if not PROGRAM_ID.fullmatch(program_id):
        # Said as a field error, as pydantic says the body's, so a form shows it next to the program id.
        rule = "a program id is 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit"
        raise HTTPException(422, [{"loc": ["path", "program_id"], "msg": rule, "type": "value_error"}])


def program_view(program: Program) -> dict:
    return {
        "program_id": program.program_id,
        "status": program.status,
        "details": program.life.described.model_dump(mode="json"),
        "enrolment_closed_at": program.enrolment_closed_at,
        "policy": program.policy.model_dump(mode="json"),
        "first_run_at": program.first_run_at,
    }


def _statistics(pairs: list[ScoredPair], people: int, unmatched: int) -> dict:
    scores = sorted(p.score for p in pairs)
    return {
        "participants": people,
        "pairs": len(pairs),
        "unmatched": unmatched,
        "mean_score": round(sum(scores) / len(scores), 4) if scores else None,
        "median_score": scores[len(scores) // 2] if scores else None,
    }

"""Programs: their rules and weights, match runs (and dry runs), their pairs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from flipside_shared.auth.rules import authenticated, require_admin, require_lead
from flipside_shared.dependencies import component

from flipside_shared.events import MatchRunRequested

from ..domain.model import ProgramPolicy, ScoredPair
from ..handlers import plan_run
from ..repository import MatchingRepository
from .common import Accepted, pair_view, program_or_404

router = APIRouter()


PROGRAM_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class RunAccepted(Accepted):
    run_id: UUID


@router.put("/programs/{program_id}", dependencies=[Depends(require_admin)])
async def configure_program(program_id: str, policy: ProgramPolicy, request: Request) -> ProgramPolicy:
    """Create a program or change its rules and weights (they apply to the next match)."""
    if not PROGRAM_ID.fullmatch(program_id):
        raise HTTPException(422, "a program id is 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit")
    async with request.app.state.runtime.pool.acquire() as conn, conn.transaction():
        repository = MatchingRepository(conn)
        highest = await repository.highest_grade(program_id)
        if highest is not None and highest >= len(policy.grades):
            raise HTTPException(422, f"participants are enrolled at grade {highest}; the ladder must keep at least {highest + 1} grades")
        await repository.save_program(program_id, policy)
    return policy


@router.get("/programs/{program_id}", dependencies=[Depends(authenticated)])
async def program(program_id: str, request: Request) -> dict:
    async with request.app.state.runtime.pool.acquire() as conn:
        found = await program_or_404(MatchingRepository(conn), program_id)
    return {"program_id": program_id, "policy": found.policy.model_dump(mode="json"), "first_run_at": found.first_run_at}


@router.post("/programs/{program_id}/runs", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require_lead())])
async def request_run(
    program_id: str, request: Request, response: Response, dry_run: bool = False, replace_unlocked: bool = False,
) -> dict:
    """Match everyone with room left, globally. `dry_run=true` returns the proposed pairs and statistics
    at once and publishes nothing; otherwise the run is an event, done once however often it arrives.
    `replace_unlocked=true` is a rerun: active pairs that are not locked may be replaced by better ones."""
    runtime, engine = request.app.state.runtime, component(Engine)(request)
    if dry_run:
        async with runtime.pool.acquire() as conn:
            repository = MatchingRepository(conn)
            found = await program_or_404(repository, program_id)
            plan = await plan_run(repository, found, engine.taxonomy, engine.first_week(), replace_unlocked)
        result = plan.result
        response.status_code = status.HTTP_200_OK
        return {
            "dry_run": True,
            "statistics": _statistics(result.pairs, len(plan.people), len(result.unmatched)),
            "pairs": [pair_view(pair) for pair in result.pairs],
            "unmatched": [{"participant_id": str(p), "reasons": r} for p, r in result.unmatched.items()],
        }
    run_id = uuid4()
    async with runtime.units.begin() as uow:
        await program_or_404(MatchingRepository(uow.conn), program_id)
        envelope = uow.emit(MatchRunRequested(
            program_id=program_id, run_id=run_id, requested_at=datetime.now(UTC), replace_unlocked=replace_unlocked,
        ))
    return RunAccepted(run_id=run_id, event_id=envelope.id).model_dump(mode="json")


@router.get("/programs/{program_id}/pairs", dependencies=[Depends(require_lead())])
async def pairs(program_id: str, request: Request) -> list[dict]:
    async with request.app.state.runtime.pool.acquire() as conn:
        rows = await MatchingRepository(conn).pairs(program_id)
    return [dict(row) for row in rows]


def _statistics(pairs: list[ScoredPair], people: int, unmatched: int) -> dict:
    scores = sorted(p.score for p in pairs)
    return {
        "participants": people,
        "pairs": len(pairs),
        "unmatched": unmatched,
        "mean_score": round(sum(scores) / len(scores), 4) if scores else None,
        "median_score": scores[len(scores) // 2] if scores else None,
    }

"""Matching's HTTP edge: programs, enrolment, runs, manual pairing, dissolution, the fairness audit.

Thin: what changes state goes out as an event through the outbox and is handled like any
other; reads and dry runs go straight to the repository and the domain.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from flipside_shared.events import (
    MatchRunRequested,
    PairAccepted,
    PairDeclined,
    PairDissolved,
    PairProposed,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantProfile,
    ParticipantUpdated,
)

from .domain.availability import first_monday_after
from .domain.candidates import CandidateSpace
from .domain.engine import as_if_unpaired, ranked, run, scored_pairs
from .domain.fairness import Person, audit, grade_band
from .domain.model import Participant, ProgramPolicy, ScoredPair
from .domain.reporting import chains
from .domain.rules import violations
from .domain.taxonomy import Taxonomy
from .handlers import CANDIDATES_CONSIDERED, Today, pair_created
from .repository import MatchingRepository, Program

router = APIRouter()
PROGRAM_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
CAPACITY_RULES = ("mentor has no capacity left", "mentee already has a mentor")


@dataclass(frozen=True)
class Engine:
    """What the routes need of the matching engine besides the database, put on `app.state.engine`."""

    taxonomy: Taxonomy
    today: Today

    def first_week(self):
        return first_monday_after(self.today())


class Enrolment(ParticipantProfile):
    model_config = ConfigDict(extra="forbid", frozen=True)

    participant_id: UUID | None = None


class Accepted(BaseModel):
    event_id: UUID


class EnrolmentAccepted(Accepted):
    participant_id: UUID


class RunAccepted(Accepted):
    run_id: UUID


class ManualPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentor_id: UUID
    mentee_id: UUID
    override: bool = Field(False, description="Create the pair even though a hard rule is broken; the warnings go into its reasons.")


class Dissolution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["mismatch", "at_risk", "left_company", "withdrawn", "admin", "other"]
    note: str | None = Field(None, max_length=500)
    rematch: bool = True


class ProposalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    proposer_id: UUID
    candidate_id: UUID


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: UUID = Field(description="Who answers: the side that did not propose.")
    note: str | None = Field(None, max_length=500)


class Declaration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: UUID
    attribute: str = Field(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")
    value: str = Field(min_length=1, max_length=100)


@router.put("/programs/{program_id}")
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


@router.get("/programs/{program_id}")
async def program(program_id: str, request: Request) -> dict:
    async with request.app.state.runtime.pool.acquire() as conn:
        found = await _program(MatchingRepository(conn), program_id)
    return {"program_id": program_id, "policy": found.policy.model_dump(mode="json"), "first_run_at": found.first_run_at}


@router.post("/participants", status_code=status.HTTP_202_ACCEPTED)
async def enrol(enrolment: Enrolment, request: Request) -> EnrolmentAccepted:
    """Enrol through the same event as Kafka enrolment: written to the outbox, matched on arrival.

    Give `participant_id` to make retries safe: a second enrolment with the same id changes nothing.
    """
    runtime = request.app.state.runtime
    participant_id = enrolment.participant_id or uuid4()
    profile = ParticipantProfile.model_validate(enrolment.model_dump(exclude={"participant_id"}))
    async with runtime.units.begin() as uow:
        found = await _program(MatchingRepository(uow.conn), profile.program_id)
        if profile.grade >= len(found.policy.grades):
            raise HTTPException(422, f"grade {profile.grade} is outside the program's ladder (0 to {len(found.policy.grades) - 1})")
        envelope = uow.emit(ParticipantEnrolled(participant_id=participant_id, profile=profile))
    return EnrolmentAccepted(participant_id=participant_id, event_id=envelope.id)


@router.delete("/participants/{participant_id}", status_code=status.HTTP_202_ACCEPTED)
async def erase(participant_id: UUID, request: Request) -> dict:
    """The right to erasure: one event, and every service removes or anonymises what it holds."""
    async with request.app.state.runtime.units.begin() as uow:
        envelope = uow.emit(ParticipantErased(participant_id=participant_id, erased_at=datetime.now(UTC)))
    return {"participant_id": str(participant_id), "event_id": str(envelope.id)}


@router.post("/programs/{program_id}/runs", status_code=status.HTTP_202_ACCEPTED)
async def request_run(
    program_id: str, request: Request, response: Response, dry_run: bool = False, replace_unlocked: bool = False,
) -> dict:
    """Match everyone with room left, globally. `dry_run=true` returns the proposed pairs and statistics
    at once and publishes nothing; otherwise the run is an event, done once however often it arrives.
    `replace_unlocked=true` is a rerun: active pairs that are not locked may be replaced by better ones."""
    runtime, engine = request.app.state.runtime, request.app.state.engine
    if dry_run:
        async with runtime.pool.acquire() as conn:
            repository = MatchingRepository(conn)
            found = await _program(repository, program_id)
            people = await repository.people(program_id)
            replaceable = await repository.unlocked_pairs(program_id) if replace_unlocked else []
        couples = [(p.mentor_id, p.mentee_id) for p in replaceable]
        result = run(as_if_unpaired(people, couples), found.policy, engine.taxonomy, engine.first_week())
        response.status_code = status.HTTP_200_OK
        return {
            "dry_run": True,
            "statistics": _statistics(result.pairs, len(people), len(result.unmatched)),
            "pairs": [_pair_view(pair) for pair in result.pairs],
            "unmatched": [{"participant_id": str(p), "reasons": r} for p, r in result.unmatched.items()],
        }
    run_id = uuid4()
    async with runtime.units.begin() as uow:
        await _program(MatchingRepository(uow.conn), program_id)
        envelope = uow.emit(MatchRunRequested(
            program_id=program_id, run_id=run_id, requested_at=datetime.now(UTC), replace_unlocked=replace_unlocked,
        ))
    return RunAccepted(run_id=run_id, event_id=envelope.id).model_dump(mode="json")


@router.post("/programs/{program_id}/pairs", status_code=status.HTTP_201_CREATED)
async def pair_by_hand(program_id: str, body: ManualPair, request: Request) -> dict:
    """An admin pairs two people. A broken hard rule is refused with the reasons (409) unless `override`."""
    runtime, engine = request.app.state.runtime, request.app.state.engine
    async with runtime.units.begin() as uow:
        repository = MatchingRepository(uow.conn)
        found = await _program(repository, program_id)
        await repository.lock_program(program_id)
        mentor, mentee = await repository.participant(body.mentor_id), await repository.participant(body.mentee_id)
        if mentor is None or mentee is None:
            raise HTTPException(404, "mentor or mentee is not enrolled")
        if program_id not in (mentor.profile.program_id, mentee.profile.program_id):
            raise HTTPException(404, f"neither is enrolled in program {program_id!r}")
        if await repository.active_between(mentor.participant_id, mentee.participant_id):
            raise HTTPException(409, "these two are already an active pair")
        above = chains(await repository.managers_above([mentor.participant_id, mentee.participant_id]))
        broken = violations(mentor, mentee, found.policy, above, engine.first_week())
        if broken and not body.override:
            raise HTTPException(409, {"message": "a hard rule is broken; send override=true to pair them anyway", "violations": broken})
        if full := [v for v in broken if v in CAPACITY_RULES]:
            raise HTTPException(409, {"message": "capacity cannot be overridden: end one of their pairs first", "violations": full})
        scored = _score_one(engine, found.policy, mentor, mentee)
        pair = ScoredPair(mentor, mentee, scored.breakdown, (
            "paired by hand by an admin", *(f"warning: {v}" for v in broken), *scored.reasons,
        ))
        pair_id = uuid4()
        await repository.add_pair(pair_id, pair, "manual")
        envelope = uow.emit(pair_created(pair_id, pair))
    return {"pair_id": str(pair_id), "event_id": str(envelope.id), "warnings": broken, **_pair_view(pair)}


@router.get("/programs/{program_id}/participants/{participant_id}/suggestions")
async def suggestions(program_id: str, participant_id: UUID, request: Request, k: int = 5) -> list[dict]:
    """The `k` best partners still free for this participant, with scores and reasons, for them to pick one."""
    if not 1 <= k <= 50:
        raise HTTPException(422, "k is 1 to 50")
    runtime, engine = request.app.state.runtime, request.app.state.engine
    async with runtime.pool.acquire() as conn:
        repository = MatchingRepository(conn)
        found = await _program(repository, program_id)
        person = await _member(repository, program_id, participant_id)
        waiting = await repository.waiting(program_id, CANDIDATES_CONSIDERED)
        org = await repository.managers_above([person.participant_id, *(p.participant_id for p in waiting)])
    best = ranked(person, waiting, found.policy, engine.taxonomy, engine.first_week(), org, k)
    return [_suggestion(pair, person, found.policy) for pair in best]


@router.post("/programs/{program_id}/proposals", status_code=status.HTTP_201_CREATED)
async def propose(program_id: str, body: ProposalRequest, request: Request) -> dict:
    """Pick a partner: a proposal the other side accepts or declines before it expires."""
    runtime, engine = request.app.state.runtime, request.app.state.engine
    async with runtime.units.begin() as uow:
        repository = MatchingRepository(uow.conn)
        found = await _program(repository, program_id)
        await repository.lock_program(program_id)
        proposer = await _member(repository, program_id, body.proposer_id)
        candidate = await _member(repository, program_id, body.candidate_id)
        above = chains(await repository.managers_above([proposer.participant_id, candidate.participant_id]))
        # (mentor, mentee), the proposer's own role first: "either" people may go both ways.
        orders = [(candidate, proposer), (proposer, candidate)]
        if not proposer.can_be_mentored():
            orders.reverse()
        attempts = [(mentor, mentee, violations(mentor, mentee, found.policy, above, engine.first_week())) for mentor, mentee in orders]
        allowed = [(mentor, mentee) for mentor, mentee, broken in attempts if not broken]
        if not allowed:
            raise HTTPException(409, {"message": "these two cannot be paired", "violations": attempts[0][2]})
        mentor, mentee = allowed[0]
        pair = _score_one(engine, found.policy, mentor, mentee)
        pair_id = uuid4()
        expires_at = datetime.now(UTC) + timedelta(hours=found.policy.proposal_expiry_hours)
        if not await repository.add_proposal(pair_id, pair, proposer.participant_id, expires_at):
            raise HTTPException(409, "a proposal between these two is already waiting for an answer")
        envelope = uow.emit(PairProposed(
            pair_id=pair_id, program_id=program_id, mentor_id=mentor.participant_id, mentee_id=mentee.participant_id,
            proposed_by=proposer.participant_id, score=pair.score, score_breakdown=pair.breakdown,
            reasons=list(pair.reasons), expires_at=expires_at,
        ))
    return {"pair_id": str(pair_id), "event_id": str(envelope.id), "expires_at": expires_at.isoformat(), **_pair_view(pair)}


@router.post("/proposals/{pair_id}/accept", status_code=status.HTTP_202_ACCEPTED)
async def accept(pair_id: UUID, body: Answer, request: Request) -> Accepted:
    """The other side says yes; the pair is created once the rules are checked again."""
    async with request.app.state.runtime.units.begin() as uow:
        proposal = await _open_proposal(MatchingRepository(uow.conn), pair_id, body.participant_id)
        envelope = uow.emit(PairAccepted(
            pair_id=pair_id, program_id=proposal.program_id, accepted_by=body.participant_id, accepted_at=datetime.now(UTC),
        ))
    return Accepted(event_id=envelope.id)


@router.post("/proposals/{pair_id}/decline", status_code=status.HTTP_202_ACCEPTED)
async def decline(pair_id: UUID, body: Answer, request: Request) -> Accepted:
    async with request.app.state.runtime.units.begin() as uow:
        proposal = await _open_proposal(MatchingRepository(uow.conn), pair_id, body.participant_id)
        envelope = uow.emit(PairDeclined(
            pair_id=pair_id, program_id=proposal.program_id, reason="declined", note=body.note, declined_at=datetime.now(UTC),
        ))
    return Accepted(event_id=envelope.id)


@router.post("/pairs/{pair_id}/dissolve", status_code=status.HTTP_202_ACCEPTED)
async def dissolve(pair_id: UUID, body: Dissolution, request: Request) -> Accepted:
    """End a pair; unless `rematch` is false, both sides are matched again, never with each other."""
    async with request.app.state.runtime.units.begin() as uow:
        pair = await MatchingRepository(uow.conn).active_pair(pair_id)
        if pair is None:
            raise HTTPException(404, "no active pair with this id")
        envelope = uow.emit(PairDissolved(
            pair_id=pair_id, program_id=pair.program_id, reason=body.reason, note=body.note,
            rematch=body.rematch, dissolved_at=datetime.now(UTC),
        ))
    return Accepted(event_id=envelope.id)


@router.put("/pairs/{pair_id}/lock", status_code=status.HTTP_204_NO_CONTENT)
async def lock(pair_id: UUID, request: Request) -> None:
    """Keep this pair whatever a rerun finds."""
    await _set_locked(request, pair_id, True)


@router.delete("/pairs/{pair_id}/lock", status_code=status.HTTP_204_NO_CONTENT)
async def unlock(pair_id: UUID, request: Request) -> None:
    await _set_locked(request, pair_id, False)


async def _set_locked(request: Request, pair_id: UUID, locked: bool) -> None:
    async with request.app.state.runtime.pool.acquire() as conn:
        if not await MatchingRepository(conn).set_locked(pair_id, locked):
            raise HTTPException(404, "no active pair with this id")


@router.get("/participants/{participant_id}")
async def participant(participant_id: UUID, request: Request) -> dict:
    """A participant's profile, how many pairs they have, and why they wait if they do."""
    async with request.app.state.runtime.pool.acquire() as conn:
        repository = MatchingRepository(conn)
        person = await repository.participant(participant_id)
        if person is None:
            raise HTTPException(404, "no enrolled participant with this id")
        waiting = await repository.waiting_reasons(participant_id)
    return {
        "participant_id": str(participant_id),
        "profile": person.profile.model_dump(mode="json"),
        "active_pairs": person.active_pairs,
        "waiting_reasons": waiting,
    }


@router.put("/participants/{participant_id}", status_code=status.HTTP_202_ACCEPTED)
async def update(participant_id: UUID, profile: ParticipantProfile, request: Request) -> Accepted:
    """A changed profile, as one event; existing pairs stay, and someone with room left may be matched."""
    async with request.app.state.runtime.units.begin() as uow:
        repository = MatchingRepository(uow.conn)
        found = await _program(repository, profile.program_id)
        current = await repository.participant(participant_id)
        if current is None:
            raise HTTPException(404, "no enrolled participant with this id")
        if current.profile.program_id != profile.program_id:
            raise HTTPException(422, "a participant cannot move to another program: withdraw, then enrol in the new one")
        if profile.grade >= len(found.policy.grades):
            raise HTTPException(422, f"grade {profile.grade} is outside the program's ladder (0 to {len(found.policy.grades) - 1})")
        if profile.capacity < current.active_pairs:
            raise HTTPException(422, f"capacity {profile.capacity} is below their {current.active_pairs} active pairs")
        envelope = uow.emit(ParticipantUpdated(participant_id=participant_id, profile=profile))
    return Accepted(event_id=envelope.id)


@router.get("/programs/{program_id}/pairs")
async def pairs(program_id: str, request: Request) -> list[dict]:
    async with request.app.state.runtime.pool.acquire() as conn:
        rows = await MatchingRepository(conn).pairs(program_id)
    return [dict(row) for row in rows]


@router.put("/programs/{program_id}/demographics")
async def declare_demographics(program_id: str, declarations: list[Declaration], request: Request) -> dict:
    """Self-declared demographics for the fairness audit only: stored apart, never read by matching."""
    async with request.app.state.runtime.pool.acquire() as conn, conn.transaction():
        repository = MatchingRepository(conn)
        await _program(repository, program_id)
        unknown = {d.participant_id for d in declarations} - await repository.enrolled(program_id, {d.participant_id for d in declarations})
        if unknown:
            raise HTTPException(422, f"{len(unknown)} participant id(s) are not enrolled in this program; nothing was stored")
        stored = await repository.save_demographics(program_id, [(d.participant_id, d.attribute, d.value) for d in declarations])
    return {"stored": stored}


@router.get("/programs/{program_id}/fairness")
async def fairness(program_id: str, request: Request, format: Literal["json", "csv"] = "json"):
    """Match rate and scores by department, grade band, location, and any declared attribute; groups under 5 suppressed."""
    async with request.app.state.runtime.pool.acquire() as conn:
        repository = MatchingRepository(conn)
        found = await _program(repository, program_id)
        rows = await repository.audit_rows(program_id)
        declared = await repository.demographics(program_id)
    extra: dict[UUID, dict[str, str]] = {}
    for row in declared:
        extra.setdefault(row["participant_id"], {})[f"declared:{row['attribute']}"] = row["value"]
    people = [
        Person(
            {"department": r["department"], "grade_band": grade_band(r["grade"], found.policy.grades),
             "location": r["location"], **extra.get(r["participant_id"], {})},
            r["score"],
        )
        for r in rows
    ]
    cells = audit(people)
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(asdict(cells[0]).keys()) if cells else ["dimension"])
        writer.writeheader()
        writer.writerows(asdict(cell) for cell in cells)
        return Response(out.getvalue(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{program_id}-fairness.csv"'})
    return {
        "program_id": program_id,
        "participants": len(people),
        "cells": [asdict(cell) for cell in cells],
        "warnings": [f"{c.dimension}={c.group}: {c.warning}" for c in cells if c.warning],
    }


async def _member(repository: MatchingRepository, program_id: str, participant_id: UUID) -> Participant:
    person = await repository.participant(participant_id)
    if person is None or person.profile.program_id != program_id:
        raise HTTPException(404, f"participant {participant_id} is not enrolled in program {program_id!r}")
    return person


async def _open_proposal(repository: MatchingRepository, pair_id: UUID, participant_id: UUID):
    proposal = await repository.proposal(pair_id)
    if proposal is None:
        raise HTTPException(404, "no proposal with this id")
    if participant_id not in (proposal.mentor_id, proposal.mentee_id) or participant_id == proposal.proposed_by:
        raise HTTPException(403, "only the side that was asked can answer a proposal")
    if proposal.status != "pending" or proposal.expires_at <= datetime.now(UTC):
        raise HTTPException(409, f"the proposal is {proposal.status if proposal.status != 'pending' else 'expired'}")
    return proposal


def _suggestion(pair: ScoredPair, person: Participant, policy: ProgramPolicy) -> dict:
    other = pair.mentor if pair.mentee is person else pair.mentee
    profile = other.profile
    return {
        "candidate_id": str(other.participant_id),
        "candidate_role": "mentor" if other is pair.mentor else "mentee",
        "display_name": profile.display_name,
        "department": profile.department,
        "grade": policy.grade_name(profile.grade),
        "time_zone": profile.time_zone,
        "score": pair.score,
        "score_breakdown": pair.breakdown,
        "reasons": list(pair.reasons),
    }


async def _program(repository: MatchingRepository, program_id: str) -> Program:
    found = await repository.program(program_id)
    if found is None:
        raise HTTPException(404, f"unknown program {program_id!r}: create it with PUT /programs/{program_id}")
    return found


def _score_one(engine: Engine, policy: ProgramPolicy, mentor: Participant, mentee: Participant) -> ScoredPair:
    """The score and reasons of a pair chosen by hand, whatever the rules say of it."""
    space = CandidateSpace([mentee], [mentor], policy, engine.taxonomy, engine.first_week())
    return scored_pairs(space, [(0, 0)])[0]


def _pair_view(pair: ScoredPair) -> dict:
    return {
        "mentor_id": str(pair.mentor.participant_id),
        "mentee_id": str(pair.mentee.participant_id),
        "score": pair.score,
        "score_breakdown": pair.breakdown,
        "reasons": list(pair.reasons),
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

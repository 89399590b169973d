"""What matching does with each event it consumes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import structlog

from flipside_shared.consumer import EventHandlers, RejectedEvent
from flipside_shared.events import (
    PARTICIPANTS,
    MatchRunRequested,
    PairAccepted,
    PairAtRisk,
    PairCreated,
    PairDeclined,
    PairDissolved,
    PairHealthChanged,
    PairMember,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantProfile,
    ParticipantUnmatched,
    ParticipantUpdated,
    ParticipantWithdrawn,
)
from flipside_shared.unit_of_work import UnitOfWork

from .domain.at_risk import recovered
from .domain.availability import first_monday_after
from .domain.engine import RunResult, as_if_unpaired, best_partner, run, score_pair, unmatchable, who_fits
from .domain.model import Participant, ProgramPolicy, ScoredPair, anonymised
from .domain.reporting import chains
from .domain.rules import violations
from .domain.taxonomy import Taxonomy
from .repository import ActivePair, MatchingRepository, Program

log = structlog.get_logger(__name__)

# Rolling matching looks at the longest-waiting candidates only: a newcomer is matched in milliseconds,
# and a program that enrols everyone at once runs a cohort match instead.
CANDIDATES_CONSIDERED = 500

Today = Callable[[], date]


def utc_today() -> date:
    return datetime.now(UTC).date()


def build_handlers(taxonomy: Taxonomy, today: Today = utc_today) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.handles(ParticipantEnrolled)
    async def participant_enrolled(uow: UnitOfWork, event: ParticipantEnrolled) -> None:
        repository = MatchingRepository(uow.conn)
        program = await known_program(repository, event.profile.program_id)
        check_grade(program, event.profile.grade)
        await repository.lock_program(program.program_id)
        newcomer = await repository.add_participant(event.participant_id, event.profile)
        if newcomer is None:
            log.info("participant already enrolled", participant_id=str(event.participant_id))
            return
        if program.matches_on_arrival:  # otherwise: picks from suggestions, or waits for the first match run
            await match_or_tell(uow, repository, program, newcomer)

    @handlers.handles(ParticipantUpdated)
    async def participant_updated(uow: UnitOfWork, event: ParticipantUpdated) -> None:
        repository = MatchingRepository(uow.conn)
        program = await known_program(repository, event.profile.program_id)
        check_grade(program, event.profile.grade)
        await repository.lock_program(program.program_id)
        current = await repository.participant(event.participant_id)
        if current is None:
            log.info("update of a participant not enrolled or erased", participant_id=str(event.participant_id))
            return
        check_profile_change(current, event.profile)
        person = await repository.update_participant(event.participant_id, event.profile)
        if person is not None and program.matches_on_arrival and (person.mentor_slots > 0 or person.can_take_a_mentor):
            await match_or_tell(uow, repository, program, person)

    @handlers.handles(MatchRunRequested)
    async def match_run_requested(uow: UnitOfWork, event: MatchRunRequested) -> None:
        repository = MatchingRepository(uow.conn)
        program = await known_program(repository, event.program_id)
        await repository.lock_program(program.program_id)
        if await repository.run_done(event.run_id):
            log.info("match run already done", run_id=str(event.run_id))
            return
        plan = await plan_run(repository, program, taxonomy, first_monday_after(today()), event.replace_unlocked)
        result = plan.result
        old_couples = {(p.mentor_id, p.mentee_id) for p in plan.replaceable}
        new_pairs = [pair for pair in result.pairs if (pair.mentor.participant_id, pair.mentee.participant_id) not in old_couples]
        chosen = {(pair.mentor.participant_id, pair.mentee.participant_id) for pair in result.pairs}
        for old in plan.replaceable:
            if (old.mentor_id, old.mentee_id) not in chosen:
                await repository.end_pair(old, "replaced")
                uow.emit(PairDissolved(
                    pair_id=old.pair_id, program_id=old.program_id, reason="rerun", rematch=False,
                    note=f"replaced by match run {event.run_id}", dissolved_at=datetime.now(UTC),
                ))
        created = [(uuid4(), pair) for pair in new_pairs]
        await repository.add_pairs(created, "run")
        for pair_id, pair in created:
            uow.emit(pair_created(pair_id, pair))
        for participant_id, reasons in result.unmatched.items():
            uow.emit(ParticipantUnmatched(
                participant_id=participant_id, program_id=program.program_id, run_id=event.run_id, reasons=reasons,
            ))
        await repository.record_run(event.run_id, program.program_id, len(created), result.unmatched)
        log.info("match run done", run_id=str(event.run_id), paired=len(created), unmatched=len(result.unmatched))

    @handlers.handles(PairDissolved)
    async def pair_dissolved(uow: UnitOfWork, event: PairDissolved) -> None:
        repository = MatchingRepository(uow.conn)
        await repository.lock_program(event.program_id)
        pair = await repository.active_pair(event.pair_id)
        if pair is None:
            log.info("dissolution of a pair that is not active", pair_id=str(event.pair_id))
            return
        await repository.end_pair(pair, "dissolved")
        program = await repository.program(pair.program_id)
        if not event.rematch or program is None or program.policy.start == "suggestions":
            return  # in a suggestions program, people pick their next partner themselves
        for participant_id in (pair.mentee_id, pair.mentor_id):
            person = await repository.participant(participant_id)
            if person is not None:  # erased people are not matched again
                await match_one(uow, repository, program.policy, person, "rematch")

    @handlers.handles(PairAtRisk)
    async def pair_at_risk(uow: UnitOfWork, event: PairAtRisk) -> None:
        """Flag the pair: a rematch is offered, carried out once a participant or the program lead confirms it."""
        repository = MatchingRepository(uow.conn)
        pair = await repository.pair_standing(event.pair_id)
        if pair is None:
            raise RejectedEvent(f"unknown pair {event.pair_id}: matching never made a pair with this id")
        if not pair.active:
            log.info("at-risk flag for a pair that has ended", pair_id=str(event.pair_id))
            return
        await repository.flag_at_risk(event.pair_id, event.score, event.reasons, event.detected_at)

    @handlers.handles(PairHealthChanged)
    async def pair_health_changed(uow: UnitOfWork, event: PairHealthChanged) -> None:
        repository = MatchingRepository(uow.conn)
        pair = await repository.pair_standing(event.pair_id)
        if pair is not None and recovered(pair, event.status):
            await repository.clear_at_risk(event.pair_id)

    @handlers.handles(ParticipantWithdrawn)
    async def participant_withdrawn(uow: UnitOfWork, event: ParticipantWithdrawn) -> None:
        """Out of matching for good; each of their pairs is dissolved, so their partners are matched again."""
        repository = MatchingRepository(uow.conn)
        await repository.lock_program(event.program_id)
        if not await repository.withdraw(event.participant_id):
            log.info("withdrawal of a participant not enrolled", participant_id=str(event.participant_id))
            return
        for pair in await repository.active_pairs_of(event.participant_id):
            uow.emit(PairDissolved(
                pair_id=pair.pair_id, program_id=pair.program_id, reason="withdrawn", rematch=True,
                dissolved_at=event.withdrawn_at,
            ))

    @handlers.handles(PairAccepted)
    async def pair_accepted(uow: UnitOfWork, event: PairAccepted) -> None:
        repository = MatchingRepository(uow.conn)
        await repository.lock_program(event.program_id)
        proposal = await repository.proposal(event.pair_id, for_update=True)
        if proposal is None or proposal.status != "pending":
            log.info("acceptance of a proposal that is not pending", pair_id=str(event.pair_id))
            return
        program = await known_program(repository, proposal.program_id)
        mentor, mentee = await repository.participant(proposal.mentor_id), await repository.participant(proposal.mentee_id)
        week = first_monday_after(today())
        broken = ["erased"] if mentor is None or mentee is None else violations(
            mentor, mentee, program.policy, chains(await repository.managers_above([mentor.participant_id, mentee.participant_id])), week,
        )
        if broken:
            await repository.decide_proposal(proposal.pair_id, "no_longer_possible")
            uow.emit(PairDeclined(
                pair_id=proposal.pair_id, program_id=proposal.program_id, reason="no_longer_possible",
                note="; ".join(broken), declined_at=datetime.now(UTC),
            ))
            return
        pair = score_pair(mentor, mentee, program.policy, taxonomy, week)
        await repository.decide_proposal(proposal.pair_id, "accepted")
        await repository.add_pair(proposal.pair_id, pair, "suggestion")
        uow.emit(pair_created(proposal.pair_id, pair))

    @handlers.handles(PairDeclined)
    async def pair_declined(uow: UnitOfWork, event: PairDeclined) -> None:
        repository = MatchingRepository(uow.conn)
        proposal = await repository.proposal(event.pair_id, for_update=True)
        if proposal is not None and proposal.status == "pending":
            await repository.decide_proposal(proposal.pair_id, event.reason)

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: UnitOfWork, event: ParticipantErased) -> None:
        # After the erasure on the topic, whoever sent it: compaction then drops the person's profiles from the topic too.
        uow.tombstone(PARTICIPANTS, str(event.participant_id))
        repository = MatchingRepository(uow.conn)
        profile = await repository.profile_for_update(event.participant_id)
        if profile is None:
            log.info("erasure of an unknown participant", participant_id=str(event.participant_id))
            return
        await repository.save_erased(event.participant_id, anonymised(profile))

    async def match_one(
        uow: UnitOfWork, repository: MatchingRepository, policy: ProgramPolicy, person: Participant, origin: str
    ) -> bool:
        """Pair one person at once with the best partner still waiting, if any passes the rules."""
        waiting = await repository.waiting_counterparts(person, policy, limit=CANDIDATES_CONSIDERED)
        if not waiting:
            return False
        org = await repository.managers_above([person.participant_id, *(p.participant_id for p in waiting)])
        pair = best_partner(person, waiting, policy, taxonomy, first_monday_after(today()), org)
        if pair is None:
            return False
        pair_id = uuid4()
        await repository.add_pair(pair_id, pair, origin)
        uow.emit(pair_created(pair_id, pair))
        return True

    async def match_or_tell(uow: UnitOfWork, repository: MatchingRepository, program: Program, person: Participant) -> None:
        """Rolling matching: pair them at once, or, when no one enrolled could ever be their partner under the
        hard rules, tell them why now instead of leaving them to wait for nothing.

        They are told once per state: a later check finding the same reasons stays silent; being paired, or someone
        arriving who could partner them, clears it. Capacity is left out: someone whose only fits are busy waits
        for them and is told nothing."""
        week = first_monday_after(today())
        await forget_those_who_now_fit(repository, program, person, week)
        if await match_one(uow, repository, program.policy, person, "rolling"):
            return
        people = await repository.people(program.program_id)
        org = await repository.managers_above([p.participant_id for p in people])
        reasons = unmatchable(person, people, program.policy, taxonomy, week, org)
        told = await repository.waiting_reasons(person.participant_id)
        if not reasons:
            if told:  # what they were told no longer holds for the profile they now have
                await repository.forget_unmatched([person.participant_id])
            return
        if reasons == told:
            return
        # No run left them out: the enrolment or update whose rolling match found them unmatchable stands for it.
        decided_by = uow.cause.id if uow.cause is not None else uuid4()
        await repository.record_unmatched(person.participant_id, decided_by, reasons)
        uow.emit(ParticipantUnmatched(
            participant_id=person.participant_id, program_id=program.program_id, run_id=decided_by, reasons=reasons,
        ))

    async def forget_those_who_now_fit(repository: MatchingRepository, program: Program, newcomer: Participant, week: date) -> None:
        """Someone told that no one could partner them only waits, like anyone else, once this person could."""
        told = await repository.told_unmatchable(program.program_id)
        if not told:
            return
        org = await repository.managers_above([newcomer.participant_id, *(p.participant_id for p in told)])
        await repository.forget_unmatched(who_fits(newcomer, told, program.policy, taxonomy, week, org))

    return handlers


@dataclass(frozen=True)
class RunPlan:
    people: list[Participant]
    replaceable: list[ActivePair]
    """Active pairs a rerun may replace (the unlocked ones); empty for a first run."""
    result: RunResult


async def plan_run(
    repository: MatchingRepository, program: Program, taxonomy: Taxonomy, first_week: date, replace_unlocked: bool,
) -> RunPlan:
    """What a match run of the program would do now: a dry run shows it, the run does it.

    The engine works on a thread: a whole company's run takes minutes, during which the event loop must go on
    heartbeating to Kafka (or the group expels the service) and answering HTTP (or health checks fail)."""
    people = await repository.people(program.program_id)
    replaceable = await repository.unlocked_pairs(program.program_id) if replace_unlocked else []
    couples = [(p.mentor_id, p.mentee_id) for p in replaceable]
    result = await asyncio.to_thread(lambda: run(as_if_unpaired(people, couples), program.policy, taxonomy, first_week))
    return RunPlan(people, replaceable, result)


async def known_program(repository: MatchingRepository, program_id: str) -> Program:
    program = await repository.program(program_id)
    if program is None:
        raise RejectedEvent(f"unknown program {program_id!r}: create it with PUT /programs/{program_id}, then replay")
    return program


def check_grade(program: Program, grade: int) -> None:
    ladder = program.policy.grades
    if not 0 <= grade < len(ladder):
        raise RejectedEvent(
            f"grade {grade} is outside program {program.program_id!r}'s ladder (0 = {ladder[0]} to {len(ladder) - 1} = {ladder[-1]})"
        )


def check_profile_change(current: Participant, profile: ParticipantProfile) -> None:
    if current.profile.program_id != profile.program_id:
        raise RejectedEvent("a participant cannot move to another program: withdraw, then enrol in the new one")
    if profile.capacity < current.active_pairs:
        raise RejectedEvent(f"capacity {profile.capacity} is below their {current.active_pairs} active pairs: end a pair first")


def pair_created(pair_id: UUID, pair: ScoredPair) -> PairCreated:
    return PairCreated(
        pair_id=pair_id,
        program_id=pair.mentor.profile.program_id,
        mentor=member(pair.mentor),
        mentee=member(pair.mentee),
        score=pair.score,
        score_breakdown=pair.breakdown,
        reasons=list(pair.reasons),
        matched_at=datetime.now(UTC),
    )


def member(participant: Participant) -> PairMember:
    profile = participant.profile
    return PairMember(
        participant_id=participant.participant_id,
        time_zone=profile.time_zone,
        working_hours=profile.working_hours,
        country=profile.country,
        hours_per_month=profile.hours_per_month,
    )

"""Matching's use-cases: the `Matcher` holds what matching does with each event and request.

Kafka handlers (`handlers.py`, `inbound.py`) and HTTP routes (`api/`) adapt to it: each use-case runs in the
unit of work its caller opened, so the state it stores and the events it emits commit together. What it
refuses raises a `domain.refusals.Refused`, which each edge answers in its own terms.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, TypeAlias
from uuid import UUID, uuid4

import structlog

from flipside_shared.clock import Clock
from flipside_shared.envelope import Envelope
from flipside_shared.erasures import was_erased
from flipside_shared.events import (
    PARTICIPANTS,
    MatchRunRequested,
    PairAccepted,
    PairAtRisk,
    PairCompleted,
    PairDeclined,
    PairDissolved,
    PairHealthChanged,
    PairProposed,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantProfile,
    ParticipantUnmatched,
    ParticipantUpdated,
    ParticipantWithdrawn,
    ProgramDefined,
    ProgramDetails,
)
from flipside_shared.unit_of_work import UnitOfWork

from .domain.agreements import check_accepted
from .domain.at_risk import Confirmer, PairStanding, recovered, refusal, role_of
from .domain.availability import first_monday_after
from .domain.engine import RunResult, as_if_unpaired, best_partner, ranked, run, score_pair, unmatchable, who_fits
from .domain.enrolment import check_may_enrol, first_enrolments
from .domain.lifecycle import ENDED, Transition, check_details, pair_completion_reason
from .domain.model import Participant, ProgramPolicy, ScoredPair, anonymised
from .domain.profile_checks import check_capacity, check_change, check_grade, check_ladder, check_same_program
from .domain.profile_ownership import hr_owned_changes
from .domain.published import pair_created
from .domain.refusals import Conflict, Gone, Invalid, NotFound, NotTheirs
from .domain.reporting import chains, managers_of
from .domain.rolling import Arrival, ProgramStanding, arrive
from .domain.rules import CAPACITY_RULES, violations
from .domain.taxonomy import Taxonomy
from .export_repository import ExportRepository
from .repository import ActivePair, MatchingRepository, Program, ProgramGeneration, Proposal
from .standings import KeptStandings

log = structlog.get_logger(__name__)

Unit: TypeAlias = UnitOfWork[MatchingRepository]

# Rolling matching looks at the longest-waiting candidates only: a newcomer is matched in milliseconds,
# and a program that enrols everyone at once runs a cohort match instead.
CANDIDATES_CONSIDERED = 500

DissolutionReason = Literal["mismatch", "at_risk", "left_company", "withdrawn", "admin", "other"]
"""Why a person ends a pair (a rerun's replacements are the engine's own)."""


@dataclass(frozen=True)
class RunPlan:
    people: list[Participant]
    replaceable: list[ActivePair]
    """Active pairs a rerun may replace (the unlocked ones); empty for a first run."""
    result: RunResult


@dataclass(frozen=True)
class PairedByHand:
    """A pair an admin made, the event that announces it, and the hard rules it breaks by their override."""

    pair_id: UUID
    pair: ScoredPair
    envelope: Envelope
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Proposed:
    """A proposal, the event that asks the other side, and when it expires unanswered."""

    pair_id: UUID
    pair: ScoredPair
    envelope: Envelope
    expires_at: datetime


@dataclass(frozen=True)
class Suggestions:
    person: Participant
    policy: ProgramPolicy
    best: list[ScoredPair]
    """Best first."""


class Matcher:
    def __init__(self, taxonomy: Taxonomy, clock: Clock) -> None:
        self._taxonomy = taxonomy
        self._clock = clock
        self._standings = KeptStandings()

    def first_week(self) -> date:
        """The week matching plans pairs from: overlap of working hours holds from the next Monday on."""
        return first_monday_after(self._clock.now().date())

    # Participants: requests become events on `participants`, whoever sends them; their effects follow.

    async def enrol(
        self, uow: Unit, participant_id: UUID, profile: ParticipantProfile, agreement_version: int | None = None
    ) -> Envelope:
        """An erased participant's id is never enrolled again: the person enrols under a new id."""
        program = await known_program(uow.repository, profile.program_id)
        program.life.check_enrolment_open(self._clock.now())
        return await self._enrol(uow, program, participant_id, profile, agreement_version)

    async def enrol_self(
        self, uow: Unit, participant_id: UUID, profile: ParticipantProfile, agreement_version: int | None = None
    ) -> Envelope:
        """A person enrolling themself is told when they are enrolled already, where an enrolment sent again by
        HR or an admin is a retry that changes nothing."""
        program = await known_program(uow.repository, profile.program_id)
        check_may_enrol(await uow.repository.enrolment(participant_id), program.program_id)
        program.life.check_enrolment_open(self._clock.now())
        return await self._enrol(uow, program, participant_id, profile, agreement_version)

    async def _enrol(
        self,
        uow: Unit,
        program: Program,
        participant_id: UUID,
        profile: ParticipantProfile,
        agreement_version: int | None,
    ) -> Envelope:
        if await was_erased(uow.conn, participant_id):
            raise Gone("this participant id was erased; enrol the person under a new id")
        check_grade(program.program_id, program.policy, profile.grade)
        check_accepted(await uow.repository.content.current_agreement(program.program_id), agreement_version)
        return uow.emit(
            ParticipantEnrolled(participant_id=participant_id, profile=profile, agreement_version=agreement_version)
        )

    async def request_update(
        self,
        uow: Unit,
        participant_id: UUID,
        profile: ParticipantProfile,
        may_change_hr_fields: bool,
        sent: ParticipantProfile | None = None,
    ) -> Envelope:
        """HR-owned fields come from the HR system or an admin (`may_change_hr_fields`); the person changes the rest.

        `sent` is the profile an HR system enrolled the person with, for a change it sends before matching has
        stored that enrolment (`enrolled_or_on_its_way`)."""
        program = await known_program(uow.repository, profile.program_id)
        current = await enrolled_or_on_its_way(uow.repository, participant_id, sent, self._clock.now())
        check_same_program(current, profile)
        if not may_change_hr_fields and (changed := hr_owned_changes(current.profile, profile)):
            raise NotTheirs(
                f"only HR or an admin may change {', '.join(changed)}; a participant changes the rest of their profile"
            )
        check_grade(program.program_id, program.policy, profile.grade)
        check_capacity(current, profile)
        return uow.emit(ParticipantUpdated(participant_id=participant_id, profile=profile))

    async def request_withdrawal(
        self, uow: Unit, participant_id: UUID, sent: ParticipantProfile | None = None
    ) -> Envelope:
        """`sent` as for `request_update`."""
        person = await enrolled_or_on_its_way(uow.repository, participant_id, sent, self._clock.now())
        return uow.emit(
            ParticipantWithdrawn(
                participant_id=participant_id,
                program_id=person.profile.program_id,
                withdrawn_at=self._clock.now(),
            )
        )

    def request_erasure(self, uow: Unit, participant_id: UUID) -> Envelope:
        """The right to erasure: one event, and every service removes or anonymises what it holds."""
        return uow.emit(ParticipantErased(participant_id=participant_id, erased_at=self._clock.now()))

    async def take_enrolment(self, uow: Unit, event: ParticipantEnrolled) -> None:
        """From an HR system: checked as the same request over HTTP, then published on `participants`."""
        program = await program_taking(uow.repository, event.profile)
        program.life.check_enrolment_open(self._clock.now())
        check_accepted(
            await uow.repository.content.current_agreement(event.profile.program_id), event.agreement_version
        )
        uow.emit(event)

    async def take_profile_change(self, uow: Unit, event: ParticipantUpdated) -> None:
        await program_taking(uow.repository, event.profile)
        check_change(await enrolled(uow.repository, event.participant_id), event.profile)
        uow.emit(event)

    async def take_withdrawal(self, uow: Unit, event: ParticipantWithdrawn) -> None:
        await enrolled(uow.repository, event.participant_id)
        uow.emit(event)

    async def take_erasure(self, uow: Unit, event: ParticipantErased) -> None:
        uow.emit(event)

    async def participants_enrolled(self, uow: Unit, events: list[ParticipantEnrolled]) -> None:
        """A batch's enrolments, stored together whatever their program: one query for their programs, one statement
        for the people, one for their agreements. Then the newcomers of programs that match on arrival are matched,
        in their order, each against the program as those before them left it (`rolling_intake`)."""
        repository = uow.repository
        programs = await repository.programs_named(event.profile.program_id for event in events)
        for event in events:
            check_grade(
                event.profile.program_id, _taking(programs, event.profile.program_id).policy, event.profile.grade
            )
        generations = {
            program_id: await repository.lock_program(program_id)
            for program_id in sorted({event.profile.program_id for event in events})
        }
        stored = await repository.add_participants([(event.participant_id, event.profile) for event in events])
        newcomers = first_enrolments(events, set(stored))
        enrolling = {id(event) for event in newcomers}
        for event in events:
            if id(event) not in enrolling:
                log.info("participant already enrolled", participant_id=str(event.participant_id))
        await repository.content.record_acceptances(
            [
                (event.participant_id, event.profile.program_id, event.agreement_version)
                for event in newcomers
                if event.agreement_version is not None
            ],
            self._clock.now(),
        )
        # Otherwise a newcomer picks from suggestions, or waits for the first match run.
        arriving = [event for event in newcomers if programs[event.profile.program_id].matches_on_arrival]
        if arriving:
            await self._match_on_arrival(uow, programs, generations, arriving, stored)

    async def _match_on_arrival(
        self,
        uow: Unit,
        programs: dict[str, Program],
        generations: dict[str, ProgramGeneration | None],
        arriving: list[ParticipantEnrolled],
        enrolled_at: dict[UUID, datetime],
    ) -> None:
        """Rolling matching of a batch's newcomers, already stored: each program's people read once, the newcomers
        paired in memory one after another, and the pairs, notices and their events written with one statement per
        table. Each newcomer meets the program as matching them on their own would: those before them in the batch
        are enrolled, paired or told; those after them are not there yet.

        Someone told that no one could partner them is told once per state (`_match_or_tell`): a newcomer is told at
        most once, and a later newcomer who could partner them, or pairs them, clears it.

        A program's standing is the one this process kept from its last batch, if no one wrote since
        (`KeptStandings`), and otherwise read; what the batch leaves is kept once it has committed."""
        repository = uow.repository
        standings: dict[str, ProgramStanding] = {}
        newcomers: dict[UUID, Participant] = {}
        for program_id in sorted({event.profile.program_id for event in arriving}):
            joining = [event for event in arriving if event.profile.program_id == program_id]
            kept = self._standings.take(programs[program_id], generations[program_id])
            if kept is not None:
                standings[program_id] = kept
                newcomers |= {
                    event.participant_id: Participant(
                        event.participant_id,
                        event.profile,
                        active_pairs=0,
                        enrolled_at=enrolled_at[event.participant_id],
                    )
                    for event in joining
                }
            else:
                standings[program_id] = standing = await repository.rolling_standing(program_id)
                newcomers |= {event.participant_id: standing.not_arrived_yet(event.participant_id) for event in joining}
        managers = await reporting_lines(
            repository, [*(p for standing in standings.values() for p in standing.people.values()), *newcomers.values()]
        )
        # A newcomer's reporting line is not known before they arrive, as it was not when each was matched alone.
        org = {person: above for person, above in managers.items() if person not in newcomers}
        week = self.first_week()
        arrivals = []
        for event in arriving:
            newcomer = newcomers[event.participant_id]
            if newcomer.participant_id in managers:
                org[newcomer.participant_id] = managers[newcomer.participant_id]
            program = programs[event.profile.program_id]
            arrival = arrive(
                standings[program.program_id],
                newcomer,
                program.policy,
                self._taxonomy,
                week,
                org,
                CANDIDATES_CONSIDERED,
            )
            arrivals.append((event, arrival))
        await self._record_arrivals(uow, standings, arrivals)
        for program_id, standing in standings.items():
            self._standings.keep(uow, programs[program_id], generations[program_id], standing)

    async def _record_arrivals(
        self, uow: Unit, standings: dict[str, ProgramStanding], arrivals: list[tuple[ParticipantEnrolled, Arrival]]
    ) -> None:
        """What the arrivals did, one statement per table, and their events in the newcomers' order."""
        repository = uow.repository
        await repository.forget_unmatched({person for _, arrival in arrivals for person in arrival.now_fit})
        pairs: list[tuple[UUID, ScoredPair]] = []
        told: list[tuple[UUID, UUID, list[str]]] = []
        for event, arrival in arrivals:
            caused = uow.caused_by(event)
            if arrival.pair is not None:
                pair_id = uuid4()
                pairs.append((pair_id, arrival.pair))
                caused.emit(pair_created(pair_id, arrival.pair, self._clock.now()))
            elif arrival.unmatchable:
                # No run left them out: the enrolment whose rolling match found them unmatchable stands for it.
                decided_by = caused.cause.id if caused.cause is not None else uuid4()
                told.append((arrival.newcomer.participant_id, decided_by, arrival.unmatchable))
                caused.emit(
                    ParticipantUnmatched(
                        participant_id=arrival.newcomer.participant_id,
                        program_id=event.profile.program_id,
                        run_id=decided_by,
                        reasons=arrival.unmatchable,
                    )
                )
        if pairs:
            await repository.add_pairs(pairs, "rolling")
        still_told = {person for standing in standings.values() for person in standing.told_unmatchable}
        await repository.record_unmatched_many([row for row in told if row[0] in still_told])

    async def participant_updated(self, uow: Unit, event: ParticipantUpdated) -> None:
        repository = uow.repository
        program = await program_taking(repository, event.profile)
        await repository.lock_program(program.program_id)
        current = await repository.participant(event.participant_id)
        if current is None:
            log.info("update of a participant not enrolled or erased", participant_id=str(event.participant_id))
            return
        check_change(current, event.profile)
        person = await repository.update_participant(event.participant_id, event.profile)
        if person is not None and program.matches_on_arrival and (person.mentor_slots > 0 or person.can_take_a_mentor):
            await self._match_or_tell(uow, program, person)

    async def participant_withdrawn(self, uow: Unit, event: ParticipantWithdrawn) -> None:
        """Out of matching for good; each of their pairs is dissolved, so their partners are matched again."""
        repository = uow.repository
        # The program they are enrolled in, whatever the event names: it is that program's people who change.
        await repository.lock_program(await repository.program_of(event.participant_id) or event.program_id)
        if not await repository.withdraw(event.participant_id):
            log.info("withdrawal of a participant not enrolled", participant_id=str(event.participant_id))
            return
        for pair in await repository.active_pairs_of(event.participant_id):
            uow.emit(
                PairDissolved(
                    pair_id=pair.pair_id,
                    program_id=pair.program_id,
                    reason="withdrawn",
                    rematch=True,
                    dissolved_at=event.withdrawn_at,
                )
            )

    async def participant_erased(self, uow: Unit, event: ParticipantErased) -> None:
        # After the erasure on the topic, whoever sent it: compaction then drops the person's profiles from the topic too.
        uow.tombstone(PARTICIPANTS, str(event.participant_id))
        # The program's lock before the person's row lock, in the order rolling intake takes them when pairing them.
        if (program_id := await uow.repository.program_of(event.participant_id)) is not None:
            await uow.repository.lock_program(program_id)
        # Their exports, pending or ready, go with the rest.
        await ExportRepository(uow.conn).forget_person(event.participant_id)
        await uow.repository.forget_provisioned(event.participant_id)
        profile = await uow.repository.profile_for_update(event.participant_id)
        if profile is None:
            log.info("erasure of an unknown participant", participant_id=str(event.participant_id))
            return
        await uow.repository.save_erased(event.participant_id, anonymised(profile))

    # Programs and match runs.

    async def configure_program(self, uow: Unit, program_id: str, policy: ProgramPolicy) -> None:
        """Create a program or change its rules and weights (they apply to the next match). A program created so,
        without details, runs with enrolment open, as programs did before they had a life."""
        repository = uow.repository
        await repository.lock_program(program_id)
        check_ladder(policy, await repository.highest_grade(program_id))
        created = await repository.program(program_id) is None
        await repository.save_program(program_id, policy)
        if created:
            program = await known_program(repository, program_id)
            uow.emit(
                ProgramDefined(
                    program_id=program_id,
                    status=program.status,
                    program=program.life.described,
                    occurred_at=self._clock.now(),
                )
            )

    async def define_program(self, uow: Unit, program_id: str, details: ProgramDetails) -> Program:
        """Create a program from its details (a draft) or change them, in any status before it ended."""
        repository = uow.repository
        await repository.lock_program(program_id)
        current = await repository.program(program_id, for_update=True)
        if current is not None:
            current.life.check_editable()
        chain: list[str] = []
        if details.previous_cohort is not None:
            if await repository.program(details.previous_cohort) is None:
                raise Invalid(f"previous_cohort: unknown program {details.previous_cohort!r}")
            chain = [details.previous_cohort, *await repository.cohort_chain(details.previous_cohort)]
        check_details(program_id, details, chain)
        program = await repository.save_details(program_id, details)
        uow.emit(
            ProgramDefined(program_id=program_id, status=program.status, program=details, occurred_at=self._clock.now())
        )
        return program

    async def change_status(self, uow: Unit, program_id: str, transition: Transition) -> Program:
        """Take the program one step in its life. Completing or cancelling it completes each of its active pairs
        in this same transaction (one `PairCompleted` each), which frees both sides' room, and declines the
        proposals still waiting for an answer."""
        repository = uow.repository
        await repository.lock_program(program_id)
        program = await known_program(repository, program_id, for_update=True)
        step = program.life.step(transition)
        await repository.save_status(program_id, step.to, enrolment_closed=step.to == "matching")
        now = self._clock.now()
        uow.emit(step.event(program_id=program_id, status=step.to, program=program.life.described, occurred_at=now))
        if step.to in ENDED:
            reason = pair_completion_reason(step.to)
            for pair in await repository.complete_pairs(program_id):
                uow.emit(
                    PairCompleted(
                        pair_id=pair.pair_id,
                        program_id=program_id,
                        mentor_id=pair.mentor_id,
                        mentee_id=pair.mentee_id,
                        reason=reason,
                        completed_at=now,
                    )
                )
            for proposal in await repository.close_proposals(program_id):
                uow.emit(
                    PairDeclined(
                        pair_id=proposal.pair_id,
                        program_id=program_id,
                        reason="no_longer_possible",
                        note=f"the program is {step.to}",
                        declined_at=now,
                    )
                )
        return await known_program(repository, program_id)

    async def request_run(self, uow: Unit, program_id: str, replace_unlocked: bool) -> tuple[UUID, Envelope]:
        """The run is an event, done once however often it arrives."""
        (await known_program(uow.repository, program_id)).life.check_pairs_may_be_made()
        run_id = uuid4()
        return run_id, uow.emit(
            MatchRunRequested(
                program_id=program_id,
                run_id=run_id,
                requested_at=self._clock.now(),
                replace_unlocked=replace_unlocked,
            )
        )

    async def dry_run(self, repository: MatchingRepository, program_id: str, replace_unlocked: bool) -> RunPlan:
        program = await known_program(repository, program_id)
        return await plan_run(repository, program, self._taxonomy, self.first_week(), replace_unlocked)

    async def run_match(self, uow: Unit, event: MatchRunRequested) -> None:
        repository = uow.repository
        program = await known_program(repository, event.program_id)
        await repository.lock_program(program.program_id)
        if await repository.run_done(event.run_id):
            log.info("match run already done", run_id=str(event.run_id))
            return
        if not program.life.pairs_may_be_made:
            log.info("match run of a program that makes no pairs", run_id=str(event.run_id), status=program.status)
            return
        plan = await plan_run(repository, program, self._taxonomy, self.first_week(), event.replace_unlocked)
        result = plan.result
        await self._end_replaced(uow, plan, event.run_id)
        old_couples = {(p.mentor_id, p.mentee_id) for p in plan.replaceable}
        new_pairs = [
            pair for pair in result.pairs if (pair.mentor.participant_id, pair.mentee.participant_id) not in old_couples
        ]
        created = [(uuid4(), pair) for pair in new_pairs]
        await repository.add_pairs(created, "run")
        for pair_id, pair in created:
            uow.emit(pair_created(pair_id, pair, self._clock.now()))
        for participant_id, reasons in result.unmatched.items():
            uow.emit(
                ParticipantUnmatched(
                    participant_id=participant_id,
                    program_id=program.program_id,
                    run_id=event.run_id,
                    reasons=reasons,
                )
            )
        await repository.record_run(event.run_id, program.program_id, len(created), result.unmatched)
        log.info("match run done", run_id=str(event.run_id), paired=len(created), unmatched=len(result.unmatched))

    async def _end_replaced(self, uow: Unit, plan: RunPlan, run_id: UUID) -> None:
        """A rerun ends the replaceable pairs it did not choose again."""
        chosen = {(pair.mentor.participant_id, pair.mentee.participant_id) for pair in plan.result.pairs}
        for old in plan.replaceable:
            if (old.mentor_id, old.mentee_id) not in chosen:
                await uow.repository.end_pair(old, "replaced")
                uow.emit(
                    PairDissolved(
                        pair_id=old.pair_id,
                        program_id=old.program_id,
                        reason="rerun",
                        rematch=False,
                        note=f"replaced by match run {run_id}",
                        dissolved_at=self._clock.now(),
                    )
                )

    # Pairs: by hand, dissolved, locked, flagged at risk.

    async def pair_by_hand(
        self, uow: Unit, program_id: str, mentor_id: UUID, mentee_id: UUID, override: bool
    ) -> PairedByHand:
        """A broken hard rule is refused with the reasons unless `override`; capacity is never overridden."""
        repository = uow.repository
        await repository.lock_program(program_id)
        program = await known_program(repository, program_id)
        program.life.check_pairs_may_be_made()
        mentor, mentee = await repository.participant(mentor_id), await repository.participant(mentee_id)
        if mentor is None or mentee is None:
            raise NotFound("mentor or mentee is not enrolled")
        if program_id not in (mentor.profile.program_id, mentee.profile.program_id):
            raise NotFound(f"neither is enrolled in program {program_id!r}")
        if await repository.active_between(mentor.participant_id, mentee.participant_id):
            raise Conflict("these two are already an active pair")
        broken = violations(
            mentor, mentee, program.policy, await _chains(repository, mentor, mentee), self.first_week()
        )
        if broken and not override:
            message = "a hard rule is broken; send override=true to pair them anyway"
            raise Conflict(message, {"message": message, "violations": broken})
        if full := [v for v in broken if v in CAPACITY_RULES]:
            message = "capacity cannot be overridden: end one of their pairs first"
            raise Conflict(message, {"message": message, "violations": full})
        scored = score_pair(mentor, mentee, program.policy, self._taxonomy, self.first_week())
        pair = ScoredPair(
            mentor,
            mentee,
            scored.breakdown,
            (
                "paired by hand by an admin",
                *(f"warning: {v}" for v in broken),
                *scored.reasons,
            ),
        )
        pair_id = uuid4()
        await repository.add_pair(pair_id, pair, "manual")
        return PairedByHand(pair_id, pair, uow.emit(pair_created(pair_id, pair, self._clock.now())), tuple(broken))

    async def request_dissolution(
        self,
        uow: Unit,
        pair_id: UUID,
        reason: DissolutionReason,
        note: str | None,
        rematch: bool,
    ) -> Envelope:
        """`PairDissolved` through the outbox, handled like one from anyone else (the pair ends and, with
        `rematch`, both sides are matched again, never with each other)."""
        pair = await uow.repository.active_pair(pair_id)
        if pair is None:
            raise NotFound("no active pair with this id")
        return self._dissolve(uow, pair_id, pair.program_id, reason, note, rematch)

    async def pair_dissolved(self, uow: Unit, event: PairDissolved) -> None:
        repository = uow.repository
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
                await self._match_one(uow, program.policy, person, "rematch")

    async def set_locked(self, uow: Unit, pair_id: UUID, locked: bool) -> None:
        """A locked pair stays whatever a rerun finds."""
        if not await uow.repository.set_locked(pair_id, locked):
            raise NotFound("no active pair with this id")

    async def pair_at_risk(self, uow: Unit, event: PairAtRisk) -> None:
        """Flag the pair: a rematch is offered, carried out once a participant or the program lead confirms it."""
        pair = await uow.repository.pair_standing(event.pair_id)
        if pair is None:
            raise NotFound(f"unknown pair {event.pair_id}: matching never made a pair with this id")
        if not pair.active:
            log.info("at-risk flag for a pair that has ended", pair_id=str(event.pair_id))
            return
        await uow.repository.flag_at_risk(event.pair_id, event.score, event.reasons, event.detected_at)

    async def pair_health_changed(self, uow: Unit, event: PairHealthChanged) -> None:
        pair = await uow.repository.pair_standing(event.pair_id)
        if pair is not None and recovered(pair, event.status):
            await uow.repository.clear_at_risk(event.pair_id)

    async def confirm_rematch(self, uow: Unit, pair: PairStanding, confirmed_by: Confirmer) -> Envelope:
        """Take up the rematch offered for a pair at risk: dissolved as by hand (reason `at_risk`), both matched anew."""
        _check_offer_open(pair, confirmed_by)
        await uow.repository.confirm_rematch(pair.pair_id, str(confirmed_by))
        note = f"rematch confirmed by the {role_of(pair, confirmed_by)}"
        return self._dissolve(uow, pair.pair_id, pair.program_id, "at_risk", note, rematch=True)

    async def keep_pair(self, uow: Unit, pair: PairStanding, confirmed_by: Confirmer) -> None:
        """Decline the rematch offer: the pair stays and loses its flag, until feedback flags it again."""
        _check_offer_open(pair, confirmed_by)
        await uow.repository.clear_at_risk(pair.pair_id)

    def _dissolve(
        self,
        uow: Unit,
        pair_id: UUID,
        program_id: str,
        reason: DissolutionReason,
        note: str | None,
        rematch: bool,
    ) -> Envelope:
        return uow.emit(
            PairDissolved(
                pair_id=pair_id,
                program_id=program_id,
                reason=reason,
                note=note,
                rematch=rematch,
                dissolved_at=self._clock.now(),
            )
        )

    # Suggestions: people pick a partner, the other side answers.

    async def suggestions(
        self, repository: MatchingRepository, program_id: str, participant_id: UUID, k: int
    ) -> Suggestions:
        """The `k` best partners still free for this participant, best first."""
        program = await known_program(repository, program_id)
        person = await member_of(repository, program_id, participant_id)
        waiting = await repository.waiting(program_id, CANDIDATES_CONSIDERED)
        org = await repository.managers_above([person.participant_id, *(p.participant_id for p in waiting)])
        best = ranked(person, waiting, program.policy, self._taxonomy, self.first_week(), org, k)
        return Suggestions(person, program.policy, best)

    async def propose(self, uow: Unit, program_id: str, proposer_id: UUID, candidate_id: UUID) -> Proposed:
        """A proposal the candidate accepts or declines before it expires."""
        repository = uow.repository
        await repository.lock_program(program_id)
        program = await known_program(repository, program_id)
        program.life.check_pairs_may_be_made()
        proposer = await member_of(repository, program_id, proposer_id)
        candidate = await member_of(repository, program_id, candidate_id)
        # (mentor, mentee), the proposer's own role first: "either" people may go both ways.
        orders = [(candidate, proposer), (proposer, candidate)]
        if not proposer.can_be_mentored():
            orders.reverse()
        above, week = await _chains(repository, proposer, candidate), self.first_week()
        attempts = [
            (mentor, mentee, violations(mentor, mentee, program.policy, above, week)) for mentor, mentee in orders
        ]
        allowed = [(mentor, mentee) for mentor, mentee, broken in attempts if not broken]
        if not allowed:
            message = "these two cannot be paired"
            raise Conflict(message, {"message": message, "violations": attempts[0][2]})
        mentor, mentee = allowed[0]
        pair = score_pair(mentor, mentee, program.policy, self._taxonomy, self.first_week())
        pair_id = uuid4()
        expires_at = self._clock.now() + timedelta(hours=program.policy.proposal_expiry_hours)
        if not await repository.add_proposal(pair_id, pair, proposer.participant_id, expires_at):
            raise Conflict("a proposal between these two is already waiting for an answer")
        return Proposed(
            pair_id,
            pair,
            uow.emit(
                PairProposed(
                    pair_id=pair_id,
                    program_id=program_id,
                    mentor_id=mentor.participant_id,
                    mentee_id=mentee.participant_id,
                    proposed_by=proposer.participant_id,
                    score=pair.score,
                    score_breakdown=pair.breakdown,
                    reasons=list(pair.reasons),
                    expires_at=expires_at,
                )
            ),
            expires_at,
        )

    async def accept(self, uow: Unit, pair_id: UUID, participant_id: UUID) -> Envelope:
        """The asked side says yes; the pair is created once the rules are checked again (`pair_accepted`)."""
        proposal = await self._open_proposal(uow.repository, pair_id, participant_id)
        return uow.emit(
            PairAccepted(
                pair_id=pair_id,
                program_id=proposal.program_id,
                accepted_by=participant_id,
                accepted_at=self._clock.now(),
            )
        )

    async def decline(self, uow: Unit, pair_id: UUID, participant_id: UUID, note: str | None) -> Envelope:
        proposal = await self._open_proposal(uow.repository, pair_id, participant_id)
        return uow.emit(
            PairDeclined(
                pair_id=pair_id,
                program_id=proposal.program_id,
                reason="declined",
                note=note,
                declined_at=self._clock.now(),
            )
        )

    async def pair_accepted(self, uow: Unit, event: PairAccepted) -> None:
        repository = uow.repository
        await repository.lock_program(event.program_id)
        proposal = await repository.proposal(event.pair_id, for_update=True)
        if proposal is None or proposal.status != "pending":
            log.info("acceptance of a proposal that is not pending", pair_id=str(event.pair_id))
            return
        program = await known_program(repository, proposal.program_id)
        if not program.life.pairs_may_be_made:
            return await self._no_longer_possible(uow, proposal, [f"the program is {program.status}"])
        mentor, mentee = (
            await repository.participant(proposal.mentor_id),
            await repository.participant(proposal.mentee_id),
        )
        if mentor is None or mentee is None:
            return await self._no_longer_possible(uow, proposal, ["erased"])
        week = self.first_week()
        if broken := violations(mentor, mentee, program.policy, await _chains(repository, mentor, mentee), week):
            return await self._no_longer_possible(uow, proposal, broken)
        pair = score_pair(mentor, mentee, program.policy, self._taxonomy, week)
        await repository.decide_proposal(proposal.pair_id, "accepted")
        await repository.add_pair(proposal.pair_id, pair, "suggestion")
        uow.emit(pair_created(proposal.pair_id, pair, self._clock.now()))

    async def _no_longer_possible(self, uow: Unit, proposal: Proposal, broken: list[str]) -> None:
        """An accepted proposal the rules no longer allow is declined for the reasons they give now."""
        await uow.repository.decide_proposal(proposal.pair_id, "no_longer_possible")
        uow.emit(
            PairDeclined(
                pair_id=proposal.pair_id,
                program_id=proposal.program_id,
                reason="no_longer_possible",
                note="; ".join(broken),
                declined_at=self._clock.now(),
            )
        )

    async def pair_declined(self, uow: Unit, event: PairDeclined) -> None:
        proposal = await uow.repository.proposal(event.pair_id, for_update=True)
        if proposal is not None and proposal.status == "pending":
            await uow.repository.decide_proposal(proposal.pair_id, event.reason)

    async def expire_proposals(self, uow: Unit, limit: int) -> int:
        """Decline up to `limit` proposals nobody answered in time; how many there were."""
        expired = await uow.repository.claim_expired_proposals(limit)
        for proposal in expired:
            uow.emit(
                PairDeclined(
                    pair_id=proposal.pair_id,
                    program_id=proposal.program_id,
                    reason="expired",
                    note=f"not answered by {proposal.expires_at:%Y-%m-%d %H:%M} UTC",
                    declined_at=self._clock.now(),
                )
            )
        return len(expired)

    async def _open_proposal(self, repository: MatchingRepository, pair_id: UUID, participant_id: UUID) -> Proposal:
        """The proposal, if `participant_id` is the side that was asked and it still waits for them."""
        proposal = await repository.proposal(pair_id)
        if proposal is None:
            raise NotFound("no proposal with this id")
        if participant_id not in (proposal.mentor_id, proposal.mentee_id) or participant_id == proposal.proposed_by:
            raise NotTheirs("only the side that was asked can answer a proposal")
        if proposal.status != "pending" or proposal.expires_at <= self._clock.now():
            raise Conflict(f"the proposal is {proposal.status if proposal.status != 'pending' else 'expired'}")
        return proposal

    # Rolling matching.

    async def _match_one(self, uow: Unit, policy: ProgramPolicy, person: Participant, origin: str) -> bool:
        """Pair one person at once with the best partner still waiting, if any passes the rules."""
        repository = uow.repository
        waiting = await repository.waiting_counterparts(person, policy, limit=CANDIDATES_CONSIDERED)
        if not waiting:
            return False
        org = await repository.managers_above([person.participant_id, *(p.participant_id for p in waiting)])
        pair = best_partner(person, waiting, policy, self._taxonomy, self.first_week(), org)
        if pair is None:
            return False
        pair_id = uuid4()
        await repository.add_pair(pair_id, pair, origin)
        uow.emit(pair_created(pair_id, pair, self._clock.now()))
        return True

    async def _match_or_tell(self, uow: Unit, program: Program, person: Participant) -> None:
        """Rolling matching: pair them at once, or, when no one enrolled could ever be their partner under the
        hard rules, tell them why now instead of leaving them to wait for nothing.

        They are told once per state: a later check finding the same reasons stays silent; being paired, or someone
        arriving who could partner them, clears it. Capacity is left out: someone whose only fits are busy waits
        for them and is told nothing."""
        repository = uow.repository
        week = self.first_week()
        await self._forget_those_who_now_fit(repository, program, person, week)
        if await self._match_one(uow, program.policy, person, "rolling"):
            return
        people = await repository.people(program.program_id)
        org = await repository.managers_above([p.participant_id for p in people])
        reasons = unmatchable(person, people, program.policy, self._taxonomy, week, org)
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
        uow.emit(
            ParticipantUnmatched(
                participant_id=person.participant_id,
                program_id=program.program_id,
                run_id=decided_by,
                reasons=reasons,
            )
        )

    async def _forget_those_who_now_fit(
        self,
        repository: MatchingRepository,
        program: Program,
        newcomer: Participant,
        week: date,
    ) -> None:
        """Someone told that no one could partner them only waits, like anyone else, once this person could."""
        told = await repository.told_unmatchable(program.program_id)
        if not told:
            return
        org = await repository.managers_above([newcomer.participant_id, *(p.participant_id for p in told)])
        await repository.forget_unmatched(who_fits(newcomer, told, program.policy, self._taxonomy, week, org))


async def plan_run(
    repository: MatchingRepository,
    program: Program,
    taxonomy: Taxonomy,
    first_week: date,
    replace_unlocked: bool,
) -> RunPlan:
    """What a match run of the program would do now: a dry run shows it, the run does it.

    The engine works on a thread: a whole company's run takes minutes, during which the event loop must go on
    heartbeating to Kafka (or the group expels the service) and answering HTTP (or health checks fail)."""
    people = await repository.people(program.program_id)
    replaceable = await repository.unlocked_pairs(program.program_id) if replace_unlocked else []
    couples = [(p.mentor_id, p.mentee_id) for p in replaceable]
    result = await asyncio.to_thread(
        lambda: run(as_if_unpaired(people, couples), program.policy, taxonomy, first_week, program.program_id)
    )
    return RunPlan(people, replaceable, result)


async def known_program(repository: MatchingRepository, program_id: str, for_update: bool = False) -> Program:
    found = await repository.program(program_id, for_update)
    return _taking({program_id: found} if found is not None else {}, program_id)


def _taking(programs: dict[str, Program], program_id: str) -> Program:
    """The program of this id among `programs`; refused as unknown if it is not there."""
    if (found := programs.get(program_id)) is None:
        create = f"unknown program {program_id!r}: create it with PUT /programs/{program_id}"
        raise NotFound(f"{create}, then replay", create)
    return found


async def program_taking(repository: MatchingRepository, profile: ParticipantProfile) -> Program:
    """The program the profile is for, if its ladder has the profile's grade."""
    program = await known_program(repository, profile.program_id)
    check_grade(program.program_id, program.policy, profile.grade)
    return program


async def enrolled(repository: MatchingRepository, participant_id: UUID) -> Participant:
    person = await repository.participant(participant_id)
    if person is None:
        raise NotFound(f"no enrolled participant {participant_id}", "no enrolled participant with this id")
    return person


async def enrolled_or_on_its_way(
    repository: MatchingRepository, participant_id: UUID, sent: ParticipantProfile | None, now: datetime
) -> Participant:
    """The enrolled participant; or, when an HR system enrolled them with the profile `sent` and matching has not
    stored that enrolment yet, the participant that enrolment will store.

    Matching stores people as it consumes ParticipantEnrolled from `participants`, a moment after an HR system's
    request emitted it; a provider may change the person it has just created within that moment. The change leaves
    by the outbox after the enrolment and under the same key, so matching takes the two in order."""
    person = await repository.participant(participant_id)
    if person is not None:
        return person
    if sent is None or await repository.ever_stored(participant_id):
        # Withdrawn or erased since, or never enrolled.
        raise NotFound(f"no enrolled participant {participant_id}", "no enrolled participant with this id")
    return Participant(participant_id, sent, active_pairs=0, enrolled_at=now)


async def reporting_lines(repository: MatchingRepository, people: list[Participant]) -> dict[UUID, list[UUID]]:
    """`repository.managers_above(people)`, with the managers these people's own profiles name taken from them: only
    the lines above those who are not among them are read, not the whole program's profiles at every batch."""
    own = managers_of((p.participant_id, p.profile.manager_id, p.profile.reporting_chain) for p in people)
    outside = {manager for above in own.values() for manager in above if manager not in own}
    return {**(await repository.managers_above(outside) if outside else {}), **own}


async def member_of(repository: MatchingRepository, program_id: str, participant_id: UUID) -> Participant:
    person = await repository.participant(participant_id)
    if person is None or person.profile.program_id != program_id:
        raise NotFound(f"participant {participant_id} is not enrolled in program {program_id!r}")
    return person


async def _chains(repository: MatchingRepository, a: Participant, b: Participant) -> dict[UUID, frozenset[UUID]]:
    """Everyone above each of the two, as far as anyone enrolled tells: enough to see one reporting line."""
    return chains(await repository.managers_above([a.participant_id, b.participant_id]))


def _check_offer_open(pair: PairStanding, confirmed_by: Confirmer) -> None:
    if refused := refusal(pair, confirmed_by):
        raise (NotTheirs if refused.not_theirs else Conflict)(refused.reason)
